// Package plot draws small PNG charts (training loss curves, latency CDFs) in pure
// Go: axes with tick labels, one coloured line per series, a legend.
package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"sort"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Size of every chart, in pixels.
const (
	Width  = 800
	Height = 500
)

// ErrNoData is returned (wrapped) when there is nothing to draw.
var ErrNoData = errors.New("no data to plot")

// Series is one line of a chart. LineChart plots Y against X (same length; a nil X
// means 0, 1, 2, ...). CDF reads the samples from X (Y must be empty).
// Points with a NaN or infinite coordinate are skipped.
type Series struct {
	Name string
	X, Y []float64
}

var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
}

type line struct {
	name string
	x, y []float64
}

// LineChart writes a PNG line chart to path.
func LineChart(path, title, xlabel, ylabel string, series ...Series) error {
	var lines []line
	for _, s := range series {
		if s.X != nil && len(s.X) != len(s.Y) {
			return fmt.Errorf("plot: %s: series %q has %d x and %d y values", path, s.Name, len(s.X), len(s.Y))
		}
		l := line{name: s.Name}
		for i, y := range s.Y {
			x := float64(i)
			if s.X != nil {
				x = s.X[i]
			}
			if finite(x) && finite(y) {
				l.x, l.y = append(l.x, x), append(l.y, y)
			}
		}
		if len(l.x) == 0 {
			return fmt.Errorf("plot: %s: series %q has no finite points: %w", path, s.Name, ErrNoData)
		}
		lines = append(lines, l)
	}
	return render(path, title, xlabel, ylabel, lines)
}

// CDF writes a PNG of the empirical cumulative distribution of each series'
// samples (Series.X): y is the fraction of samples <= x.
func CDF(path, title, xlabel string, series ...Series) error {
	var lines []line
	for _, s := range series {
		if len(s.Y) != 0 {
			return fmt.Errorf("plot: %s: CDF series %q has Y values; put the samples in X", path, s.Name)
		}
		var v []float64
		for _, x := range s.X {
			if finite(x) {
				v = append(v, x)
			}
		}
		if len(v) == 0 {
			return fmt.Errorf("plot: %s: series %q has no finite samples: %w", path, s.Name, ErrNoData)
		}
		sort.Float64s(v)
		l := line{name: s.Name}
		for i, x := range v {
			if i > 0 { // step: horizontal then vertical
				l.x, l.y = append(l.x, x), append(l.y, float64(i)/float64(len(v)))
			}
			l.x, l.y = append(l.x, x), append(l.y, float64(i+1)/float64(len(v)))
		}
		lines = append(lines, l)
	}
	return render(path, title, xlabel, "fraction <= x", lines)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

const (
	left, right, top, bottom = 80, 20, 40, 50
)

func render(path, title, xlabel, ylabel string, lines []line) error {
	if len(lines) == 0 {
		return fmt.Errorf("plot: %s: no series: %w", path, ErrNoData)
	}
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, l := range lines {
		for i := range l.x {
			x0, x1 = math.Min(x0, l.x[i]), math.Max(x1, l.x[i])
			y0, y1 = math.Min(y0, l.y[i]), math.Max(y1, l.y[i])
		}
	}
	xt := ticks(&x0, &x1)
	yt := ticks(&y0, &y1)

	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	pw, ph := Width-left-right, Height-top-bottom
	px := func(x float64) float64 { return left + (x-x0)/(x1-x0)*float64(pw) }
	py := func(y float64) float64 { return top + (y1-y)/(y1-y0)*float64(ph) }

	grid := color.RGBA{225, 225, 225, 255}
	black := color.RGBA{0, 0, 0, 255}
	for _, t := range xt {
		X := int(math.Round(px(t)))
		vline(img, X, top, top+ph, grid)
		s := label(t, xt)
		text(img, X-len(s)*7/2, top+ph+18, s, black)
	}
	for _, t := range yt {
		Y := int(math.Round(py(t)))
		hline(img, left, left+pw, Y, grid)
		s := label(t, yt)
		text(img, left-8-len(s)*7, Y+4, s, black)
	}
	hline(img, left, left+pw, top+ph, black)
	vline(img, left, top, top+ph, black)
	text(img, (Width-len(title)*7)/2, 24, title, black)
	text(img, left+(pw-len(xlabel)*7)/2, Height-12, xlabel, black)
	text(img, 8, top-8, ylabel, black)

	clip := image.Rect(left, top, left+pw+1, top+ph+1)
	for i, l := range lines {
		c := palette[i%len(palette)]
		for k := range l.x {
			if k == 0 {
				dot(img, clip, px(l.x[0]), py(l.y[0]), c)
				continue
			}
			segment(img, clip, px(l.x[k-1]), py(l.y[k-1]), px(l.x[k]), py(l.y[k]), c)
		}
	}
	// legend, top right inside the plot
	lx, ly := left+pw-10-maxLen(lines)*7-30, top+10
	for i, l := range lines {
		if l.name == "" {
			continue
		}
		c := palette[i%len(palette)]
		y := ly + i*18
		for k := 0; k < 20; k++ {
			dot(img, clip, float64(lx+k), float64(y+6), c)
		}
		text(img, lx+26, y+11, l.name, black)
	}

	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

func maxLen(lines []line) int {
	n := 0
	for _, l := range lines {
		n = max(n, len(l.name))
	}
	return n
}

// ticks widens [lo, hi] to nice bounds and returns 4-10 nice tick values in it.
func ticks(lo, hi *float64) []float64 {
	if *hi-*lo < 1e-12*math.Max(1, math.Abs(*hi)) {
		d := math.Max(math.Abs(*lo)*0.1, 1)
		*lo, *hi = *lo-d, *hi+d
	}
	span := *hi - *lo
	step := math.Pow(10, math.Floor(math.Log10(span/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(step*m) <= 8 {
			step *= m
			break
		}
	}
	*lo = math.Floor(*lo/step) * step
	*hi = math.Ceil(*hi/step) * step
	var t []float64
	for v := *lo; v <= *hi+step/2; v += step {
		t = append(t, math.Round(v/step)*step)
	}
	return t
}

// label formats tick v with as many decimals as the tick step needs.
func label(v float64, ts []float64) string {
	step := 1.0
	if len(ts) > 1 {
		step = ts[1] - ts[0]
	}
	if math.Abs(v) >= 1e6 || step < 1e-4 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	dec := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	return strconv.FormatFloat(v, 'f', dec, 64)
}

func text(img *image.RGBA, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := x0; x <= x1; x++ {
		img.SetRGBA(x, y, c)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := y0; y <= y1; y++ {
		img.SetRGBA(x, y, c)
	}
}

// dot paints a 2×2 pixel square at (x, y), inside clip.
func dot(img *image.RGBA, clip image.Rectangle, x, y float64, c color.RGBA) {
	X, Y := int(math.Round(x)), int(math.Round(y))
	for dy := 0; dy < 2; dy++ {
		for dx := 0; dx < 2; dx++ {
			if p := image.Pt(X+dx, Y+dy); p.In(clip) {
				img.SetRGBA(p.X, p.Y, c)
			}
		}
	}
}

func segment(img *image.RGBA, clip image.Rectangle, xa, ya, xb, yb float64, c color.RGBA) {
	n := int(math.Max(math.Abs(xb-xa), math.Abs(yb-ya))) + 1
	if n > 4*(Width+Height) {
		n = 4 * (Width + Height)
	}
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		dot(img, clip, xa+(xb-xa)*t, ya+(yb-ya)*t, c)
	}
}
