package field

import (
	"image"
	"image/color"
	"math"
	"os"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"
)

// Procedural drawing helpers: every shape in the game is a filled or stroked path.

var (
	whiteImage    = ebiten.NewImage(3, 3)
	whiteSubImage = whiteImage.SubImage(image.Rect(1, 1, 2, 2)).(*ebiten.Image)
	vs            []ebiten.Vertex
	is            []uint16
)

func init() { whiteImage.Fill(color.White) }

func colorVerts(c color.Color) {
	r, g, b, a := c.RGBA()
	for i := range vs {
		vs[i].SrcX, vs[i].SrcY = 1, 1
		vs[i].ColorR = float32(r) / 0xffff
		vs[i].ColorG = float32(g) / 0xffff
		vs[i].ColorB = float32(b) / 0xffff
		vs[i].ColorA = float32(a) / 0xffff
	}
}

func fillPath(dst *ebiten.Image, p *vector.Path, c color.Color) {
	vs, is = p.AppendVerticesAndIndicesForFilling(vs[:0], is[:0])
	colorVerts(c)
	op := &ebiten.DrawTrianglesOptions{FillRule: ebiten.FillRuleNonZero, AntiAlias: antialias, ColorScaleMode: ebiten.ColorScaleModePremultipliedAlpha}
	dst.DrawTriangles(vs, is, whiteSubImage, op)
}

func strokePath(dst *ebiten.Image, p *vector.Path, width float32, c color.Color) {
	so := &vector.StrokeOptions{Width: width, LineJoin: vector.LineJoinRound, LineCap: vector.LineCapRound}
	vs, is = p.AppendVerticesAndIndicesForStroke(vs[:0], is[:0], so)
	colorVerts(c)
	dst.DrawTriangles(vs, is, whiteSubImage, &ebiten.DrawTrianglesOptions{AntiAlias: antialias, ColorScaleMode: ebiten.ColorScaleModePremultipliedAlpha})
}

func ellipsePath(cx, cy, rx, ry float64) *vector.Path {
	var p vector.Path
	const n = 36
	for i := range n {
		a := 2 * math.Pi * float64(i) / n
		x, y := float32(cx+rx*math.Cos(a)), float32(cy+ry*math.Sin(a))
		if i == 0 {
			p.MoveTo(x, y)
		} else {
			p.LineTo(x, y)
		}
	}
	p.Close()
	return &p
}

func fillEllipse(dst *ebiten.Image, cx, cy, rx, ry float64, c color.Color) {
	fillPath(dst, ellipsePath(cx, cy, rx, ry), c)
}

func fillCircle(dst *ebiten.Image, cx, cy, r float64, c color.Color) {
	vector.DrawFilledCircle(dst, float32(cx), float32(cy), float32(r), c, antialias)
}

func line(dst *ebiten.Image, x0, y0, x1, y1, w float64, c color.Color) {
	vector.StrokeLine(dst, float32(x0), float32(y0), float32(x1), float32(y1), float32(w), c, antialias)
}

func rect(dst *ebiten.Image, x, y, w, h float64, c color.Color) {
	vector.DrawFilledRect(dst, float32(x), float32(y), float32(w), float32(h), c, false)
}

func roundRect(dst *ebiten.Image, x, y, w, h, r float64, c color.Color) {
	var p vector.Path
	p.MoveTo(float32(x+r), float32(y))
	p.LineTo(float32(x+w-r), float32(y))
	p.ArcTo(float32(x+w), float32(y), float32(x+w), float32(y+r), float32(r))
	p.LineTo(float32(x+w), float32(y+h-r))
	p.ArcTo(float32(x+w), float32(y+h), float32(x+w-r), float32(y+h), float32(r))
	p.LineTo(float32(x+r), float32(y+h))
	p.ArcTo(float32(x), float32(y+h), float32(x), float32(y+h-r), float32(r))
	p.LineTo(float32(x), float32(y+r))
	p.ArcTo(float32(x), float32(y), float32(x+r), float32(y), float32(r))
	p.Close()
	fillPath(dst, &p, c)
}

func polygon(dst *ebiten.Image, pts [][2]float64, c color.Color) {
	var p vector.Path
	for i, q := range pts {
		if i == 0 {
			p.MoveTo(float32(q[0]), float32(q[1]))
		} else {
			p.LineTo(float32(q[0]), float32(q[1]))
		}
	}
	p.Close()
	fillPath(dst, &p, c)
}

// star draws a 5-pointed star.
func star(dst *ebiten.Image, cx, cy, r, rot float64, c color.Color) {
	pts := make([][2]float64, 10)
	for i := range pts {
		rr := r
		if i%2 == 1 {
			rr = r * 0.45
		}
		a := rot + math.Pi*float64(i)/5 - math.Pi/2
		pts[i] = [2]float64{cx + rr*math.Cos(a), cy + rr*math.Sin(a)}
	}
	polygon(dst, pts, c)
}

// leaf draws a pointed leaf shape of length l at angle a.
func leaf(dst *ebiten.Image, cx, cy, l, a float64, c color.Color) {
	dx, dy := math.Cos(a)*l/2, math.Sin(a)*l/2
	nx, ny := -dy*0.6, dx*0.6
	var p vector.Path
	p.MoveTo(float32(cx-dx), float32(cy-dy))
	p.QuadTo(float32(cx+nx), float32(cy+ny), float32(cx+dx), float32(cy+dy))
	p.QuadTo(float32(cx-nx), float32(cy-ny), float32(cx-dx), float32(cy-dy))
	p.Close()
	fillPath(dst, &p, c)
}

func withAlpha(c color.RGBA, a float64) color.RGBA {
	a = math.Max(0, math.Min(1, a))
	return color.RGBA{uint8(float64(c.R) * a), uint8(float64(c.G) * a), uint8(float64(c.B) * a), uint8(float64(c.A) * a)}
}

// tr is a translucent colour: r, g, b at opacity a (0..1), premultiplied as
// color.RGBA wants.
func tr(r, g, b uint8, a float64) color.RGBA { return withAlpha(color.RGBA{r, g, b, 255}, a) }

func mix(a, b color.RGBA, t float64) color.RGBA {
	l := func(x, y uint8) uint8 { return uint8(float64(x) + (float64(y)-float64(x))*t) }
	return color.RGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), l(a.A, b.A)}
}

func darker(c color.RGBA, f float64) color.RGBA {
	return color.RGBA{uint8(float64(c.R) * f), uint8(float64(c.G) * f), uint8(float64(c.B) * f), c.A}
}

// antialias smooths edges. Ebiten draws each antialiased call through an offscreen
// buffer, which is slow without a GPU (Xvfb, software GL), so it is off there.
var antialias = os.Getenv("TOWERDEFENSE_AA") == "1"
