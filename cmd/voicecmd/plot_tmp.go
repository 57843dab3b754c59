package main

import "errors"

// plotLoss is replaced by internal/plot once it lands.
func plotLoss(path string, losses []float64) error { return errors.New("plotting not available yet") }
