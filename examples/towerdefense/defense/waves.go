package defense

// A wave is groups of enemies sent one after another.
type waveGroup struct {
	kind  string
	count int
	route int // 0 north road, 1 south road, 2 east road, -1 north and south in turn
	gap   int // frames between two of them
}

var wavePlan = [][]waveGroup{
	{{"goblin", 6, -1, 45}},
	{{"goblin", 6, -1, 40}, {"wolf rider", 4, 2, 50}},
	{{"skeleton", 6, -1, 50}, {"troll", 1, 0, 60}},
	{{"goblin", 8, -1, 35}, {"wolf rider", 4, 2, 45}, {"troll", 2, -1, 90}},
	{{"skeleton", 8, -1, 40}, {"wolf rider", 5, 2, 40}, {"troll", 2, -1, 90}},
	{{"goblin", 10, -1, 30}, {"troll", 3, -1, 80}, {"orc captain", 1, 1, 60}},
}

// waveRest is the longest pause after a wave has arrived before the next one comes
// (it comes sooner when the field is clear).
const waveRest = 15 * 60

type spawn struct {
	frame int64
	kind  string
	route int
}

// nextWaveFrame is when the next wave starts: at FirstWave for the first, then a
// few seconds after the field is clear, or waveRest after the last enemy came.
func (w *World) nextWaveFrame() int64 {
	if w.Wave == 0 {
		return FirstWave
	}
	if w.clearAt > 0 {
		return min(w.lastWave+waveRest, w.clearAt+3*60)
	}
	return w.lastWave + waveRest
}

func (w *World) liveEnemies() []*Enemy {
	var out []*Enemy
	for _, e := range w.Enemies {
		if !e.Dead() {
			out = append(out, e)
		}
	}
	return out
}

// stepWaves starts waves and sends their enemies on time.
func (w *World) stepWaves() {
	if !w.Waves {
		return
	}
	switch {
	case len(w.pending) > 0 || len(w.liveEnemies()) > 0:
		w.clearAt = 0
	case w.clearAt == 0:
		w.clearAt = w.Frame
	}
	if len(w.pending) == 0 && w.Wave < len(wavePlan) && w.Frame >= w.nextWaveFrame() {
		w.startWave()
	}
	for len(w.pending) > 0 && w.pending[0].frame <= w.Frame {
		s := w.pending[0]
		w.pending = w.pending[1:]
		w.Spawn(s.kind, s.route, 0)
		if len(w.pending) == 0 {
			w.lastWave = w.Frame
		}
	}
	if w.Wave == len(wavePlan) && len(w.pending) == 0 && len(w.liveEnemies()) == 0 && w.Outcome == Ongoing {
		w.Outcome = Won
		w.say("Victory! The keep stands.")
	}
}

func (w *World) startWave() {
	w.Wave++
	w.clearAt = 0
	if w.Wave > 1 {
		w.Gold += WaveBonus
	}
	at := w.Frame
	turn := 0
	for _, g := range wavePlan[w.Wave-1] {
		for range g.count {
			r := g.route
			if r < 0 {
				r = turn % 2
				turn++
			}
			w.pending = append(w.pending, spawn{frame: at, kind: g.kind, route: r})
			at += int64(g.gap)
		}
	}
	w.say("Wave %d of %d is coming!", w.Wave, len(wavePlan))
}

// Spawn puts an enemy of kind on route r (0 north road, 1 south road, 2 east road)
// at distance d along it, and returns it; nil for an unknown kind or route. Waves
// use it; tests place enemies with it. Later waves are tougher.
func (w *World) Spawn(kind string, r int, d float64) *Enemy {
	info, ok := EnemyKinds[kind]
	if !ok || r < 0 || r >= len(w.Routes) {
		return nil
	}
	hp := info.HP * (100 + 12*max(w.Wave-1, 0)) / 100
	w.nextID++
	e := &Enemy{ID: w.nextID, Kind: kind, Info: info, HP: hp, MaxHP: hp, Route: w.Routes[r], D: d,
		DisplayHP: float64(hp), Walk: w.rnd(0, 6)}
	e.Pos = e.Route.At(d)
	w.Enemies = append(w.Enemies, e)
	return e
}
