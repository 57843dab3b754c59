package plot

import (
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func decode(t *testing.T, path string) (w, h int, colours int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a valid PNG: %v", path, err)
	}
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r, g, bl}] = true
		}
	}
	return b.Dx(), b.Dy(), len(seen)
}

func TestLineChart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loss.png")
	var x, a, b []float64
	for i := 0; i < 500; i++ {
		x = append(x, float64(i))
		a = append(a, 3*math.Exp(-float64(i)/100)+0.1)
		b = append(b, 2.5*math.Exp(-float64(i)/150)+0.2)
	}
	a[10] = math.NaN() // skipped, not fatal
	if err := LineChart(path, "training loss", "step", "loss", Series{"train", x, a}, Series{"dev", x, b}); err != nil {
		t.Fatal(err)
	}
	w, h, colours := decode(t, path)
	if w != Width || h != Height {
		t.Fatalf("size %dx%d, want %dx%d", w, h, Width, Height)
	}
	if colours < 4 { // white, black, grid, two series colours (plus text antialiasing)
		t.Fatalf("only %d colours: the lines were not drawn", colours)
	}
}

func TestCDF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latency.png")
	var k1, k3 []float64
	for i := 0; i < 1000; i++ {
		k1 = append(k1, 100+float64(i%97))
		k3 = append(k3, 250+float64(i%211))
	}
	if err := CDF(path, "fill latency", "microseconds", Series{Name: "K=1", X: k1}, Series{Name: "K=3", X: k3}); err != nil {
		t.Fatal(err)
	}
	if w, h, _ := decode(t, path); w != Width || h != Height {
		t.Fatalf("size %dx%d", w, h)
	}
}

func TestSinglePointAndConstant(t *testing.T) {
	dir := t.TempDir()
	if err := LineChart(filepath.Join(dir, "a.png"), "one", "x", "y", Series{Y: []float64{5}}); err != nil {
		t.Fatal(err)
	}
	if err := CDF(filepath.Join(dir, "b.png"), "same", "x", Series{Name: "c", X: []float64{3, 3, 3}}); err != nil {
		t.Fatal(err)
	}
}

func TestEmptyData(t *testing.T) {
	dir := t.TempDir()
	for name, err := range map[string]error{
		"no series":     LineChart(filepath.Join(dir, "a.png"), "t", "x", "y"),
		"empty series":  LineChart(filepath.Join(dir, "b.png"), "t", "x", "y", Series{Name: "loss"}),
		"all NaN":       LineChart(filepath.Join(dir, "c.png"), "t", "x", "y", Series{Name: "loss", Y: []float64{math.NaN()}}),
		"empty CDF":     CDF(filepath.Join(dir, "d.png"), "t", "x", Series{Name: "lat"}),
		"no CDF series": CDF(filepath.Join(dir, "e.png"), "t", "x"),
	} {
		if !errors.Is(err, ErrNoData) {
			t.Errorf("%s: err = %v, want ErrNoData", name, err)
		}
	}
	if err := LineChart(filepath.Join(dir, "f.png"), "t", "x", "y", Series{Name: "m", X: []float64{1}, Y: []float64{1, 2}}); err == nil || !strings.Contains(err.Error(), `"m"`) {
		t.Errorf("mismatched lengths: err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.png")); !os.IsNotExist(err) {
		t.Errorf("a failed chart left a file behind")
	}
	if err := LineChart(filepath.Join(dir, "missing", "g.png"), "t", "x", "y", Series{Y: []float64{1, 2}}); err == nil {
		t.Error("unwritable path: no error")
	}
}

func TestTickLabels(t *testing.T) {
	lo, hi := 0.0, 1.0
	ts := ticks(&lo, &hi)
	var got []string
	for _, v := range ts {
		got = append(got, label(v, ts))
	}
	if s := strings.Join(got, " "); s != "0.0 0.2 0.4 0.6 0.8 1.0" {
		t.Fatalf("ticks over [0,1]: %s", s)
	}
	lo, hi = 3, 2987
	ts = ticks(&lo, &hi)
	if lo != 0 || hi != 3000 || label(ts[1], ts) != "500" {
		t.Fatalf("ticks over [3,2987]: [%v,%v] %v", lo, hi, ts)
	}
}
