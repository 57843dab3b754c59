//go:build display

package game

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// TestHUDGlyphs: every rune in a string the HUD can draw (the literals of this
// package and of harness, which builds the HUD's texts) exists in the HUD's fonts; a
// missing glyph shows as a box on every player's screen.
func TestHUDGlyphs(t *testing.T) {
	var faces []*sfnt.Font
	for _, ttf := range [][]byte{goregular.TTF, gobold.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatal(err)
		}
		faces = append(faces, f)
	}
	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("harness/*.go")
	files = append(files, more...)
	var buf sfnt.Buffer
	checked := 0
	for _, path := range files {
		if filepath.Ext(path) != ".go" || len(path) > 8 && path[len(path)-8:] == "_test.go" {
			continue
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || (lit.Kind != token.STRING && lit.Kind != token.CHAR) {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, r := range s {
				if r < ' ' || r == 0x7f {
					continue
				}
				checked++
				for i, f := range faces {
					if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
						t.Errorf("%s: %q (U+%04X) in %s has no glyph in font %d", fset.Position(lit.Pos()), r, r, lit.Value, i)
					}
				}
			}
			return true
		})
	}
	if checked < 100 {
		t.Fatalf("only %d runes checked: the test is not looking at the HUD's sources", checked)
	}
}
