package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestKernels compares each AVX2 kernel with a plain loop over awkward sizes.
func TestKernels(t *testing.T) {
	if !useAVX {
		t.Skip("no AVX2+FMA on this machine")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	vec := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	near := func(what string, got, want float32, scale float64) {
		t.Helper()
		if math.Abs(float64(got-want)) > 1e-5*scale {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
	for _, n := range []int{1, 7, 8, 9, 12, 16, 31, 48, 100} {
		a, b := vec(n), vec(n)
		var want float32
		for i := range a {
			want += a[i] * b[i]
		}
		near("dot", dotAVX(&a[0], &b[0], n), want, float64(n))
		y, y0 := vec(n), []float32(nil)
		y0 = append(y0, y...)
		axpyAVX(0.5, &a[0], &y[0], n)
		for i := range y {
			near("axpy", y[i], y0[i]+0.5*a[i], 1)
		}
	}
	for _, cols := range []int{8, 16, 32, 40, 48, 96, 136} {
		for _, rows := range []int{1, 2, 3, 4, 5, 7, 12} {
			w, x := vec(rows*cols), vec(cols)
			y := make([]float32, rows)
			gemvAVX(&w[0], &x[0], &y[0], rows, cols)
			for o := range y {
				var s float32
				for k := range x {
					s += w[o*cols+k] * x[k]
				}
				near("gemv", y[o], s, float64(cols))
			}
			xr := vec(rows)
			yt := vec(cols)
			yt0 := append([]float32(nil), yt...)
			gemvTAVX(&w[0], &xr[0], &yt[0], rows, cols)
			for c := range yt {
				s := yt0[c]
				for r := range xr {
					s += xr[r] * w[r*cols+c]
				}
				near("gemvT", yt[c], s, float64(rows))
			}
			for _, n := range []int{1, 2, 5} {
				gs, xs := rows+3, cols+8
				g, xx := vec(n*gs), vec(n*xs)
				dw := vec(rows * cols)
				dw0 := append([]float32(nil), dw...)
				gerAVX(&dw[0], &g[0], &xx[0], n, cols, rows, gs, xs)
				for o := 0; o < rows; o++ {
					for c := 0; c < cols; c++ {
						s := dw0[o*cols+c]
						for i := 0; i < n; i++ {
							s += g[i*gs+o] * xx[i*xs+c]
						}
						near("ger", dw[o*cols+c], s, float64(n))
					}
				}
			}
		}
	}
	for _, n := range []int{8, 16, 48} {
		x := vec(n)
		for i := range x {
			x[i] *= 5
		}
		s := append([]float32(nil), x...)
		softmaxAVX(&s[0], n, 0.7)
		var mx, sum float64 = math.Inf(-1), 0
		for _, v := range x {
			mx = math.Max(mx, float64(v)*0.7)
		}
		for _, v := range x {
			sum += math.Exp(float64(v)*0.7 - mx)
		}
		for i, v := range x {
			near("softmax", s[i], float32(math.Exp(float64(v)*0.7-mx)/sum), 1)
		}
		g, b, out := vec(n), vec(n), make([]float32, n)
		var st [2]float32
		layerNormAVX(&out[0], &x[0], &g[0], &b[0], n, &st[0])
		ref, mean, rstd := make([]float32, n), make([]float32, 1), make([]float32, 1)
		layerNormGo(ref, x, g, b, mean, rstd, 1, n)
		near("layernorm mean", st[0], mean[0], 1)
		near("layernorm rstd", st[1], rstd[0], 1)
		for i := range out {
			near("layernorm", out[i], ref[i], 1)
		}
	}
}

func BenchmarkLinear27x48x48(b *testing.B) {
	w, in, out := make([]float32, 48*48), make([]float32, 27*48), make([]float32, 27*48)
	for b.Loop() {
		linear(out, in, w, nil, 27, 48, 48, false)
	}
	b.ReportMetric(27*48*48/float64(b.Elapsed().Nanoseconds())*float64(b.N), "MAC/ns")
}

func BenchmarkLinearBackward27x48x48(b *testing.B) {
	w, in, dout, din, dw := make([]float32, 48*48), make([]float32, 27*48), make([]float32, 27*48), make([]float32, 27*48), make([]float32, 48*48)
	for b.Loop() {
		linearBackward(din, dw, nil, dout, in, w, 27, 48, 48)
	}
	b.ReportMetric(2*27*48*48/float64(b.Elapsed().Nanoseconds())*float64(b.N), "MAC/ns")
}

func TestLinearAVX(t *testing.T) {
	if !useAVX {
		t.Skip("no AVX2+FMA on this machine")
	}
	rng := rand.New(rand.NewPCG(4, 2))
	for _, n := range []int{1, 2, 3, 5, 27} {
		for _, O := range []int{1, 3, 4, 6, 48, 97, 200} {
			for _, I := range []int{8, 48} {
				for _, acc := range []bool{false, true} {
					w, in, b := make([]float32, O*I), make([]float32, n*I), make([]float32, O)
					for _, v := range [][]float32{w, in, b} {
						for k := range v {
							v[k] = float32(rng.NormFloat64())
						}
					}
					out := make([]float32, n*O)
					for k := range out {
						out[k] = 1
					}
					linearAVX(out, in, w, b, n, I, O, acc)
					for i := 0; i < n; i++ {
						for o := 0; o < O; o++ {
							var s float32
							for k := 0; k < I; k++ {
								s += w[o*I+k] * in[i*I+k]
							}
							s += b[o]
							if acc {
								s++
							}
							if math.Abs(float64(out[i*O+o]-s)) > 1e-4 {
								t.Fatalf("n=%d O=%d I=%d acc=%v: out[%d][%d] = %v, want %v", n, O, I, acc, i, o, out[i*O+o], s)
							}
						}
					}
				}
			}
		}
	}
}
