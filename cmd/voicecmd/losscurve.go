package main

import (
	"github.com/voicecmd/voicecmd/internal/plot"
)

// writeLossCurve draws the training loss (raw minibatch losses and a moving mean)
// as a PNG.
func writeLossCurve(path string, losses []float64) error {
	xs := make([]float64, len(losses))
	mean := make([]float64, len(losses))
	for i := range losses {
		xs[i] = float64(i + 1)
		mean[i] = smoothed(losses[:i+1])
	}
	return plot.LineChart(path, "voicecmd filler training loss", "step", "loss (masked-slot cross-entropy)",
		plot.Series{Name: "minibatch", X: xs, Y: losses},
		plot.Series{Name: "mean of last 50", X: xs, Y: mean})
}
