package understand

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/gen"
)

// Calibration maps the model's raw confidence (the lowest slot probability of a
// result) to the probability that the result is exactly what was said. It is an
// isotonic (monotone, piecewise linear) fit on utterances the model never trained
// on, written next to the weights by `voicecmd train` (model.cal.json).
type Calibration struct {
	// X are raw confidences (ascending) and Y the calibrated ones at those knots.
	X []float64 `json:"raw"`
	Y []float64 `json:"calibrated"`
	// N is the number of utterances the map was fit on; ECE the expected
	// calibration error there before and after (10 equal-width bins).
	N         int     `json:"n"`
	ECERaw    float64 `json:"ece_raw"`
	ECEFitted float64 `json:"ece_calibrated"`
}

// Apply maps a raw confidence. A nil Calibration returns it unchanged.
func (c *Calibration) Apply(raw float64) float64 {
	if c == nil || len(c.X) == 0 {
		return raw
	}
	i := sort.SearchFloat64s(c.X, raw)
	switch {
	case i == 0:
		return c.Y[0]
	case i == len(c.X):
		return c.Y[len(c.Y)-1]
	}
	x0, x1, y0, y1 := c.X[i-1], c.X[i], c.Y[i-1], c.Y[i]
	if x1 == x0 {
		return y1
	}
	return y0 + (y1-y0)*(raw-x0)/(x1-x0)
}

// FitCalibration fits the map by pool-adjacent-violators on (raw confidence, was
// the result exactly right) pairs.
func FitCalibration(raw []float64, right []bool) *Calibration {
	type block struct{ x, sum, n float64 }
	idx := make([]int, len(raw))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return raw[idx[a]] < raw[idx[b]] })
	var blocks []block
	for _, i := range idx {
		y := 0.0
		if right[i] {
			y = 1
		}
		blocks = append(blocks, block{raw[i], y, 1})
		for len(blocks) > 1 {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sum/a.n <= b.sum/b.n {
				break
			}
			blocks = blocks[:len(blocks)-2]
			// the merged block sits at its mean raw confidence
			blocks = append(blocks, block{(a.x*a.n + b.x*b.n) / (a.n + b.n), a.sum + b.sum, a.n + b.n})
		}
	}
	c := &Calibration{N: len(raw)}
	for _, b := range blocks {
		if len(c.X) > 0 && b.x <= c.X[len(c.X)-1] {
			c.Y[len(c.Y)-1] = b.sum / b.n
			continue
		}
		c.X = append(c.X, b.x)
		c.Y = append(c.Y, b.sum/b.n)
	}
	fitted := make([]float64, len(raw))
	for i, r := range raw {
		fitted[i] = c.Apply(r)
	}
	c.ECERaw, c.ECEFitted = ECE(raw, right), ECE(fitted, right)
	return c
}

// ECE is the expected calibration error of confidences against outcomes: over 10
// equal-width bins, the size-weighted gap between mean confidence and accuracy.
func ECE(conf []float64, right []bool) float64 {
	if len(conf) == 0 {
		return 0
	}
	var sumC, sumA, n [10]float64
	for i, c := range conf {
		b := min(int(c*10), 9)
		sumC[b] += c
		if right[i] {
			sumA[b]++
		}
		n[b]++
	}
	e := 0.0
	for b := range n {
		if n[b] > 0 {
			e += n[b] / float64(len(conf)) * math.Abs(sumC[b]/n[b]-sumA[b]/n[b])
		}
	}
	return e
}

// CalibrationPath is where the calibration of a weights file lives.
func CalibrationPath(weights string) string {
	return strings.TrimSuffix(weights, ".vcw") + ".cal.json"
}

// SaveCalibration writes c as JSON.
func SaveCalibration(path string, c *Calibration) error {
	b, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// LoadCalibration reads a calibration; a missing file is no calibration (nil).
func LoadCalibration(path string) (*Calibration, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fill: calibration: %w", err)
	}
	var c Calibration
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("fill: calibration %s: %w", path, err)
	}
	if len(c.X) != len(c.Y) || !sort.Float64sAreSorted(c.X) {
		return nil, fmt.Errorf("fill: calibration %s: knots are not ascending pairs", path)
	}
	for _, y := range c.Y {
		if y < 0 || y > 1 || math.IsNaN(y) {
			return nil, fmt.Errorf("fill: calibration %s: probability %v out of [0,1]", path, y)
		}
	}
	return &c, nil
}

// calibrate maps every command's confidence of r (raw → calibrated).
func (c *Calibration) calibrate(r grammar.Result) grammar.Result {
	if c == nil {
		return r
	}
	for i := range r.Commands {
		r.Commands[i].Confidence = roundConf(c.Apply(r.Commands[i].Confidence))
	}
	return r
}

// CalibrateOnGenerated fits m's calibration on n utterances generated from its
// grammar with seed (use a seed the training did not: these must be unseen), the
// game's base state and off-topic sentences mixed in as in training. m's own
// calibration is ignored while fitting; the result is not installed.
func CalibrateOnGenerated(m *Model, base *grammar.State, offTopic []string, seed uint64, n int) *Calibration {
	saved := m.cal
	m.cal = nil
	defer func() { m.cal = saved }()
	generator := gen.New(m.g, gen.Options{BaseState: base, OffTopic: offTopic})
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var raw []float64
	var right []bool
	const batch = 64
	for done := 0; done < n; done += batch {
		texts := make([]string, 0, batch)
		states := make([]*grammar.State, 0, batch)
		var want []grammar.Result
		for len(texts) < min(batch, n-done) {
			s := generator.Sample(rng)
			texts, states, want = append(texts, s.Text), append(states, s.State), append(want, s.Want)
		}
		for i, r := range m.fillOnce(texts, states, 0) { // the map is for one reading; split.go joins calibrated clauses
			if conf, ok := Confidence(r); ok {
				raw = append(raw, conf)
				right = append(right, Same(r, want[i]))
			}
		}
	}
	return FitCalibration(raw, right)
}

// CalibrateOnCases fits m's calibration on labelled utterances (dev-set format:
// what players actually said, each with the commands it means), understood with K
// = steps (<= 0: the model's default). m's own calibration is ignored while
// fitting; the result is not installed. Utterances the model rejects by itself
// carry no confidence and are left out, as in CalibrateOnGenerated.
func CalibrateOnCases(m *Model, cases []Case, steps int) *Calibration {
	saved := m.cal
	m.cal = nil
	defer func() { m.cal = saved }()
	var raw []float64
	var right []bool
	for _, c := range cases {
		r := m.fillOnce([]string{c.Text}, []*grammar.State{c.State}, steps)[0]
		if conf, ok := Confidence(r); ok {
			raw = append(raw, conf)
			right = append(right, Same(r, c.Want))
		}
	}
	return FitCalibration(raw, right)
}
