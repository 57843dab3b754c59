//go:build !race

package xvfb

const raceEnabled = false
