package game

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
)

// input is the slice of Ebiten's input the plugin reads; tests replace it.
type input interface {
	justPressed(k ebiten.Key) bool
	justReleased(k ebiten.Key) bool
	// repeated reports a key press plus key repeat while held (for backspace).
	repeated(k ebiten.Key) bool
	appendChars(rs []rune) []rune
}

type ebitenInput struct{}

func (ebitenInput) justPressed(k ebiten.Key) bool  { return inpututil.IsKeyJustPressed(k) }
func (ebitenInput) justReleased(k ebiten.Key) bool { return inpututil.IsKeyJustReleased(k) }
func (ebitenInput) repeated(k ebiten.Key) bool {
	d := inpututil.KeyPressDuration(k)
	return d == 1 || (d > 30 && d%4 == 0)
}
func (ebitenInput) appendChars(rs []rune) []rune { return ebiten.AppendInputChars(rs) }
