package defense

import "math"

// Route is a road enemies walk, from where they appear to the keep.
type Route struct {
	Name   string
	Points []Point
	cum    []float64          // distance along the route at each point
	places map[*Place]float64 // places on the road: their distance along it
}

// Length is the route's length in pixels.
func (r *Route) Length() float64 { return r.cum[len(r.cum)-1] }

// At returns the point at distance d along the route (clamped to its ends).
func (r *Route) At(d float64) Point {
	if d <= 0 {
		return r.Points[0]
	}
	for i := 1; i < len(r.Points); i++ {
		if d <= r.cum[i] {
			seg := r.cum[i] - r.cum[i-1]
			t := (d - r.cum[i-1]) / seg
			a, b := r.Points[i-1], r.Points[i]
			return Point{a.X + (b.X-a.X)*t, a.Y + (b.Y-a.Y)*t}
		}
	}
	return r.Points[len(r.Points)-1]
}

// PlaceAt returns the distance along the route of place p, and whether the road
// passes through it.
func (r *Route) PlaceAt(p *Place) (float64, bool) {
	d, ok := r.places[p]
	return d, ok
}

func newRoute(name string, pts []Point, places []*Place) *Route {
	r := &Route{Name: name, Points: pts, cum: make([]float64, len(pts)), places: map[*Place]float64{}}
	for i := 1; i < len(pts); i++ {
		r.cum[i] = r.cum[i-1] + pts[i].Dist(pts[i-1])
	}
	for _, p := range places {
		for i, q := range pts {
			if q.Dist(p.Point) < 1 {
				r.places[p] = r.cum[i]
			}
		}
	}
	return r
}

// buildRoutes lays the three roads: from the west over the bridge and the
// crossroads to the north or the south gate, and from the east through the east
// gate. All end at the keep.
func buildRoutes(w *World) []*Route {
	at := func(n string) Point { return w.Place(n).Point }
	west := []Point{{-30, 232}, {70, 226}, at("mill"), {220, 214}, at("bridge"), {355, 246}, at("crossroads")}
	north := append(append([]Point(nil), west...), Point{480, 205}, Point{530, 160}, at("north gate"), Point{660, 165}, Point{720, 215}, at("keep"))
	south := append(append([]Point(nil), west...), Point{480, 278}, Point{530, 328}, at("south gate"), Point{660, 325}, Point{720, 275}, at("keep"))
	east := []Point{{990, 245}, {940, 245}, at("east gate"), {830, 245}, at("keep")}
	return []*Route{
		newRoute("north road", north, w.Places),
		newRoute("south road", south, w.Places),
		newRoute("east road", east, w.Places),
	}
}

func angle(from, to Point) float64 { return math.Atan2(to.Y-from.Y, to.X-from.X) }
