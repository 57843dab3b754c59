//go:build !amd64 || noasm

package model

const useAVX = false

func dotAVX(a, b *float32, n int) float32                              { panic("unreachable") }
func gemvAVX(w, x, y *float32, rows, cols int)                         { panic("unreachable") }
func axpyAVX(a float32, x, y *float32, n int)                          { panic("unreachable") }
func gemvTAVX(a, x, y *float32, rows, cols int)                        { panic("unreachable") }
func geluAVX(dst, src *float32, n int)                                 { panic("unreachable") }
func gerAVX(dw, gr, x *float32, n, cols, rows, gs, xs int)             { panic("unreachable") }
func softmaxAVX(x *float32, n int, scale float32)                      { panic("unreachable") }
func layerNormAVX(out, in, gain, bias *float32, n int, stats *float32) { panic("unreachable") }
