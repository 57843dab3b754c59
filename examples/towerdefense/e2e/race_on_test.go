//go:build race

package e2e

// raceEnabled: the tests were built with -race, so the game is too (it then reuses the
// race-instrumented build cache of the other packages' tests, and its races are caught).
const raceEnabled = true
