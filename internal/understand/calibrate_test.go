package understand

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// An overconfident model (right only (conf-0.3) of the time) is mapped onto its
// real accuracy: the fit is monotone and the calibration error falls.
func TestFitCalibration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var raw []float64
	var right []bool
	for i := 0; i < 5000; i++ {
		c := 0.5 + 0.5*rng.Float64()
		raw = append(raw, c)
		right = append(right, rng.Float64() < c-0.3)
	}
	cal := FitCalibration(raw, right)
	if !(cal.ECEFitted < cal.ECERaw/3) || cal.ECERaw < 0.25 {
		t.Errorf("ECE %.3f -> %.3f", cal.ECERaw, cal.ECEFitted)
	}
	for i := 1; i < len(cal.Y); i++ {
		if cal.Y[i] < cal.Y[i-1] || cal.X[i] <= cal.X[i-1] {
			t.Fatalf("not monotone at knot %d: %v %v", i, cal.X[i-1:i+1], cal.Y[i-1:i+1])
		}
	}
	if got := cal.Apply(0.9); math.Abs(got-0.6) > 0.08 {
		t.Errorf("Apply(0.9) = %.3f, want about 0.6", got)
	}
	if got := (*Calibration)(nil).Apply(0.42); got != 0.42 {
		t.Errorf("nil calibration changed %v to %v", 0.42, got)
	}
	path := filepath.Join(t.TempDir(), "m.cal.json")
	if err := SaveCalibration(path, cal); err != nil {
		t.Fatal(err)
	}
	back, err := LoadCalibration(path)
	if err != nil || back.Apply(0.77) != cal.Apply(0.77) {
		t.Fatalf("round trip: %v %v", back, err)
	}
	if c, err := LoadCalibration(filepath.Join(t.TempDir(), "none.json")); c != nil || err != nil {
		t.Errorf("missing file: %v %v", c, err)
	}
	for _, bad := range []string{`{"raw":[0.5,0.2],"calibrated":[0.1,0.2]}`, `{"raw":[0.5],"calibrated":[1.5]}`, `{"raw":[0.5],"calibrated":[]}`, `nope`} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, err := LoadCalibration(path); err == nil {
			t.Errorf("bad calibration %s loaded", bad)
		}
	}
}
