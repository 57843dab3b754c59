package main

// writeLossCurve draws the training loss (smoothed) as a PNG.
func writeLossCurve(path string, losses []float64) error {
	return plotLoss(path, losses)
}
