package engine

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/grammar"
)

// wordFiller understands "INTENT ACTOR": the actor must be a monster of the state.
// It records batch sizes and can be made to block.
type wordFiller struct {
	mu      sync.Mutex
	batches []int
	states  []*grammar.State
	gate    chan struct{} // if non-nil, each fill waits for a token
}

// DefaultSteps: a wordFiller has no steps, so the engine never changes K.
func (f *wordFiller) DefaultSteps() int { return 0 }

func (f *wordFiller) Fill(texts []string, st *grammar.State, steps int) []grammar.Result {
	return f.parse(texts, st)
}

func (f *wordFiller) parse(texts []string, st *grammar.State) []grammar.Result {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	f.batches = append(f.batches, len(texts))
	f.states = append(f.states, st)
	f.mu.Unlock()
	out := make([]grammar.Result, len(texts))
	for i, t := range texts {
		out[i] = parseWords(t, st)
	}
	return out
}

func parseWords(t string, st *grammar.State) grammar.Result {
	w := strings.Fields(t)
	if len(w) != 2 {
		return grammar.Reject(t, "cannot parse %q", t)
	}
	if !st.Has("monster", w[1]) {
		return grammar.Reject(t, "unknown name %q", w[1])
	}
	c := grammar.Command{Intent: w[0], Slots: map[string]grammar.Value{"actor": grammar.Value{Str: w[1]}}, Confidence: 0.95}
	return grammar.Result{Text: t, Commands: []grammar.Command{c}}
}

func (f *wordFiller) batchSizes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.batches...)
}

func party() *grammar.State {
	return &grammar.State{
		Values:    map[string][]string{"monster": {"Sparky", "Bubbles"}},
		Relations: map[string][][]string{},
		Defaults:  map[string]string{"monster": "Sparky"},
	}
}

func newEngine(t *testing.T, opts Options) *Engine {
	t.Helper()
	if opts.State == nil {
		opts.State = party()
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// pollUntil calls Poll like a 1 kHz game loop until n commands or utterances arrived.
func pollUntil(t *testing.T, e *Engine, n int) ([]Command, []Utterance) {
	t.Helper()
	var cmds []Command
	var utts []Utterance
	deadline := time.Now().Add(5 * time.Second)
	for len(utts) < n && time.Now().Before(deadline) {
		cmds = append(cmds, e.Poll()...)
		utts = append(utts, e.Finished()...)
		time.Sleep(time.Millisecond)
	}
	if len(utts) < n {
		t.Fatalf("got %d utterances, want %d", len(utts), n)
	}
	return cmds, utts
}

func TestSubmitTypedText(t *testing.T) {
	e := newEngine(t, Options{Filler: &wordFiller{}})
	if err := e.Submit(0, "attack Sparky"); err != nil {
		t.Fatal(err)
	}
	if err := e.Submit(0, "attack Pikachu"); err != nil {
		t.Fatal(err)
	}
	cmds, utts := pollUntil(t, e, 2)
	if len(cmds) != 1 || cmds[0].Intent != "attack" || cmds[0].Slots["actor"].Str != "Sparky" {
		t.Fatalf("commands = %+v", cmds)
	}
	if !utts[1].Result.Rejected || !strings.Contains(utts[1].Result.Reason, "Pikachu") {
		t.Fatalf("second utterance should be rejected naming Pikachu: %+v", utts[1])
	}
	tm := cmds[0].Timings
	if tm.Total <= 0 || tm.Total < tm.Fill || tm.SpeechEnd.IsZero() {
		t.Fatalf("timings not filled in: %+v", tm)
	}
	if lv := e.Live(0); !lv.HasLast || !lv.Last.Result.Rejected {
		t.Fatalf("Live(0).Last should be the rejection: %+v", lv)
	}
	if err := e.Submit(3, "attack Sparky"); !errors.Is(err, ErrUnknownSource) {
		t.Fatalf("Submit to source 3: err = %v, want ErrUnknownSource", err)
	}
}

func TestNewNeedsFiller(t *testing.T) {
	if _, err := New(Options{}); !errors.Is(err, ErrNoFiller) {
		t.Fatalf("err = %v, want ErrNoFiller", err)
	}
}

// scripted is a Source that emits a fixed list of transcripts, then waits.
type scripted struct {
	trs   []Transcript
	gate  chan struct{} // if set, Run waits on it before the final transcript
	level float64
	mu    sync.Mutex
	talk  []bool
	vocab []string
}

func (s *scripted) Run(ctx context.Context, emit func(Transcript)) error {
	for _, t := range s.trs {
		if t.Final && s.gate != nil {
			<-s.gate
		}
		emit(t)
		time.Sleep(2 * time.Millisecond)
	}
	<-ctx.Done()
	return ctx.Err()
}
func (s *scripted) Level() float64 { return s.level }
func (s *scripted) StartTalking()  { s.mu.Lock(); s.talk = append(s.talk, true); s.mu.Unlock() }
func (s *scripted) StopTalking()   { s.mu.Lock(); s.talk = append(s.talk, false); s.mu.Unlock() }
func (s *scripted) SetVocabulary(w []string) {
	s.mu.Lock()
	s.vocab = w
	s.mu.Unlock()
}

func TestPartialsThenFinal(t *testing.T) {
	end := time.Now()
	src := &scripted{level: 0.5, gate: make(chan struct{}), trs: []Transcript{
		{Utterance: 1, Text: "attack"},
		{Utterance: 1, Text: "attack Bubbles"},
		{Utterance: 1, Text: "attack Bubbles", Final: true, SpeechEnd: end, Endpoint: 200 * time.Millisecond, ASR: 150 * time.Millisecond},
	}}
	e := newEngine(t, Options{Filler: &wordFiller{}, Sources: []Source{src}})
	sawForming := false
	deadline := time.Now().Add(5 * time.Second)
	var cmds []Command
	for len(cmds) == 0 && time.Now().Before(deadline) {
		cmds = append(cmds, e.Poll()...)
		if lv := e.Live(0); lv.Partial == "attack Bubbles" && !lv.Forming.Rejected && !sawForming {
			sawForming = true
			close(src.gate)
		}
		time.Sleep(time.Millisecond)
	}
	if len(cmds) != 1 || cmds[0].Slots["actor"].Str != "Bubbles" || cmds[0].Early {
		t.Fatalf("commands = %+v", cmds)
	}
	if !sawForming {
		t.Error("the HUD never saw the partial's command forming")
	}
	tm := cmds[0].Timings
	if tm.Endpoint != 200*time.Millisecond || tm.ASR != 150*time.Millisecond || !tm.SpeechEnd.Equal(end) {
		t.Errorf("source timings lost: %+v", tm)
	}
	lv := e.Live(0)
	if lv.Partial != "" || lv.Level != 0.5 {
		t.Errorf("after the final: Live = %+v, want no partial and level 0.5", lv)
	}
	if st := e.Stats(); st.Partials != 2 || st.Finals != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestEarlyDispatch(t *testing.T) {
	src := &scripted{trs: []Transcript{
		{Utterance: 1, Text: "attack Bubbles"},
		{Utterance: 1, Text: "attack  Bubbles"}, // new text, same command
		{Utterance: 1, Text: "attack Bubbles", Final: true},
	}}
	e := newEngine(t, Options{Filler: &wordFiller{}, Sources: []Source{src}, EarlyDispatch: true})
	cmds, utts := pollUntil(t, e, 1)
	if len(cmds) != 1 || !cmds[0].Early {
		t.Fatalf("want exactly one early command, got %+v", cmds)
	}
	if !utts[0].Early {
		t.Errorf("the final utterance should be marked early: %+v", utts[0])
	}
}

func TestSourcesBatchedTogether(t *testing.T) {
	f := &wordFiller{gate: make(chan struct{})}
	e := newEngine(t, Options{Filler: f})
	e.AddTypist()
	e.AddTypist()
	e.Submit(0, "hold Sparky") // the fill goroutine takes this one and waits at the gate
	time.Sleep(20 * time.Millisecond)
	for i := range 3 {
		e.Submit(i, "hold Bubbles")
	}
	go func() {
		f.gate <- struct{}{}
		f.gate <- struct{}{}
	}()
	cmds, _ := pollUntil(t, e, 4)
	if got := f.batchSizes(); len(got) != 2 || got[1] != 3 {
		t.Fatalf("batch sizes = %v, want [1 3]: three players' utterances in one fill", got)
	}
	seen := map[int]bool{}
	for _, c := range cmds {
		seen[c.Source] = true
	}
	if len(seen) != 3 {
		t.Errorf("commands from sources %v, want 0, 1, 2", seen)
	}
}

func TestPollNeverBlocks(t *testing.T) {
	f := &wordFiller{gate: make(chan struct{})}
	e := newEngine(t, Options{Filler: f})
	e.Submit(0, "hold Sparky")
	time.Sleep(10 * time.Millisecond) // the filler is now stuck
	start := time.Now()
	for range 100 {
		if got := e.Poll(); len(got) != 0 {
			t.Fatalf("Poll returned %v while the filler is blocked", got)
		}
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Fatalf("100 Polls took %v with the filler blocked", d)
	}
	f.gate <- struct{}{}
	pollUntil(t, e, 1)
}

func TestPollBudgetBoundsWork(t *testing.T) {
	e := newEngine(t, Options{Filler: &wordFiller{}, PollBudget: time.Nanosecond})
	for range 5 {
		e.Submit(0, "hold Sparky")
	}
	time.Sleep(50 * time.Millisecond)
	// With a budget smaller than any work, each Poll delivers one result.
	if n := len(e.Poll()); n != 1 {
		t.Fatalf("first Poll delivered %d commands, want 1", n)
	}
	_, utts := pollUntil(t, e, 4)
	if len(utts) != 4 {
		t.Fatalf("the rest should arrive over the next Polls, got %d", len(utts))
	}
}

func TestRenameAppliesToNextUtterance(t *testing.T) {
	src := &scripted{}
	e := newEngine(t, Options{Filler: &wordFiller{}, Sources: []Source{src}})
	if err := e.Rename("monster", "Sparky", "Zappy"); err != nil {
		t.Fatal(err)
	}
	e.Submit(0, "hold Zappy")
	e.Submit(0, "hold Sparky")
	cmds, utts := pollUntil(t, e, 2)
	if len(cmds) != 1 || cmds[0].Slots["actor"].Str != "Zappy" {
		t.Fatalf("commands = %+v, want hold Zappy", cmds)
	}
	if !utts[1].Result.Rejected {
		t.Errorf("the old name should be rejected after a rename: %+v", utts[1])
	}
	st := e.State()
	if st.Defaults["monster"] != "Zappy" {
		t.Errorf("default not renamed: %v", st.Defaults)
	}
	src.mu.Lock()
	vocab := strings.Join(src.vocab, ",")
	src.mu.Unlock()
	if vocab != "Bubbles,Zappy" {
		t.Errorf("source vocabulary = %q, want Bubbles,Zappy", vocab)
	}
	if err := e.Rename("monster", "Pikachu", "X"); !errors.Is(err, ErrUnknownValue) {
		t.Errorf("rename of unknown value: err = %v", err)
	}
	if err := e.Rename("monster", "Zappy", "Bubbles"); !errors.Is(err, ErrBadState) {
		t.Errorf("rename onto an existing name: err = %v", err)
	}
	if err := e.SetDefault("monster", "Nobody"); !errors.Is(err, ErrUnknownValue) {
		t.Errorf("SetDefault unknown: err = %v", err)
	}
}

func TestVocabularyEdits(t *testing.T) {
	e := newEngine(t, Options{Filler: &wordFiller{}})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.AddValue("move", "surf"))
	must(e.Relate("knows", "Bubbles", "surf"))
	must(e.SetDefault("monster", "Bubbles"))
	st := e.State()
	if !st.Has("move", "surf") || !st.Related("knows", "Bubbles", "surf") || st.Defaults["monster"] != "Bubbles" {
		t.Fatalf("edits lost: %+v", st)
	}
	must(e.RemoveValue("monster", "Bubbles"))
	st = e.State()
	if st.Has("monster", "Bubbles") || st.Related("knows", "Bubbles", "surf") || st.Defaults["monster"] != "" {
		t.Fatalf("RemoveValue left traces: %+v", st)
	}
	bad := party()
	bad.Defaults["monster"] = "Ghost"
	if err := e.SetState(bad); !errors.Is(err, ErrBadState) {
		t.Fatalf("SetState(invalid): err = %v", err)
	}
	must(e.Unrelate("knows", "x", "y"))
}

// stepFiller takes steps×perStep per fill.
type stepFiller struct {
	wordFiller
	perStep time.Duration
	mu2     sync.Mutex
	used    []int
}

func (s *stepFiller) DefaultSteps() int { return 4 }
func (s *stepFiller) Fill(texts []string, st *grammar.State, steps int) []grammar.Result {
	s.mu2.Lock()
	s.used = append(s.used, steps)
	s.mu2.Unlock()
	time.Sleep(time.Duration(steps) * s.perStep)
	return s.parse(texts, st)
}

func TestLowersStepsWhenOverBudget(t *testing.T) {
	f := &stepFiller{perStep: 20 * time.Millisecond}
	e := newEngine(t, Options{Filler: f, FillBudget: 50 * time.Millisecond})
	var lowered bool
	for range 4 {
		e.Submit(0, "hold Sparky")
		cmds, _ := pollUntil(t, e, 1)
		if cmds[0].Timings.StepsLowered {
			lowered = true
		}
	}
	f.mu2.Lock()
	used := append([]int(nil), f.used...)
	f.mu2.Unlock()
	// The first fill at K=4 overruns (80 ms); from then on the engine knows the cost
	// and runs each fill at the largest K that fits: 2 (40 ms).
	if used[0] != 4 || used[len(used)-1] != 2 || !lowered {
		t.Fatalf("steps used = %v (lowered reported: %v); want 4 first, then down to 2 (2×20ms fits 50ms)", used, lowered)
	}
	for _, k := range used[1:] {
		if k > 2 {
			t.Fatalf("steps used = %v: a fill ran over budget again", used)
		}
	}
	if st := e.Stats(); st.StepsLowered == 0 {
		t.Errorf("stats = %+v, want the overrun reported", st)
	}
}

func TestTalkAndLevel(t *testing.T) {
	src := &scripted{level: 0.25}
	e := newEngine(t, Options{Filler: &wordFiller{}, Sources: []Source{src}})
	if err := e.Talk(0, true); err != nil {
		t.Fatal(err)
	}
	e.Poll()
	if lv := e.Live(0); !lv.Talking || lv.Level != 0.25 {
		t.Fatalf("Live = %+v", lv)
	}
	e.Talk(0, false)
	src.mu.Lock()
	defer src.mu.Unlock()
	if len(src.talk) != 2 || !src.talk[0] || src.talk[1] {
		t.Fatalf("push-to-talk calls = %v", src.talk)
	}
}

func TestSourceErrorReported(t *testing.T) {
	boom := errors.New("device unplugged")
	e := newEngine(t, Options{Filler: &wordFiller{}, Sources: []Source{
		SourceFunc(func(ctx context.Context, emit func(Transcript)) error { return boom }),
	}})
	deadline := time.Now().Add(2 * time.Second)
	for e.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := e.Err(); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "engine: source 0") {
		t.Fatalf("Err = %v", err)
	}
}

func TestCloseStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 3 {
		e, err := New(Options{Filler: &wordFiller{}, State: party(), Sources: []Source{&scripted{}, &scripted{}}})
		if err != nil {
			t.Fatal(err)
		}
		e.Submit(0, "hold Sparky")
		e.Poll()
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if err := e.Submit(0, "x"); !errors.Is(err, ErrClosed) {
			t.Fatalf("Submit after Close: %v", err)
		}
		if e.Poll() != nil {
			t.Fatal("Poll after Close returned commands")
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func BenchmarkPollIdle(b *testing.B) {
	e, _ := New(Options{Filler: &wordFiller{}, State: party(), Sources: []Source{&scripted{}}})
	defer e.Close()
	b.ReportAllocs()
	for b.Loop() {
		e.Poll()
	}
}

// rowFiller takes steps × rows × perRowStep per fill.
type rowFiller struct {
	stepFiller
}

func (s *rowFiller) Fill(texts []string, st *grammar.State, steps int) []grammar.Result {
	s.mu2.Lock()
	s.used = append(s.used, steps)
	s.mu2.Unlock()
	time.Sleep(time.Duration(steps*len(texts)) * s.perStep)
	return s.parse(texts, st)
}

func TestBigBatchRunsAtLowerK(t *testing.T) {
	f := &rowFiller{stepFiller{perStep: 5 * time.Millisecond}}
	f.gate = make(chan struct{}, 10)
	e := newEngine(t, Options{Filler: f, Steps: 2, FillBudget: 40 * time.Millisecond})
	f.gate <- struct{}{}
	f.gate <- struct{}{}
	// One row at K=2: 10 ms, fits; the engine learns the cost.
	for range 2 {
		e.Submit(0, "hold Sparky")
		pollUntil(t, e, 1)
	}
	// Five players at once: 5 rows × 2 steps × 5 ms = 50 ms > 40 ms; at K=1, 25 ms fits.
	for range 5 {
		e.AddTypist()
	}
	e.Submit(0, "hold Sparky") // the fill goroutine takes it and waits at the gate
	time.Sleep(20 * time.Millisecond)
	for i := 1; i <= 5; i++ {
		e.Submit(i, "hold Bubbles")
	}
	f.gate <- struct{}{}
	f.gate <- struct{}{}
	cmds, _ := pollUntil(t, e, 6)
	f.mu2.Lock()
	used := append([]int(nil), f.used...)
	f.mu2.Unlock()
	if len(used) != 4 || used[2] != 2 || used[3] != 1 || !cmds[len(cmds)-1].Timings.StepsLowered {
		t.Fatalf("K per fill = %v: want single fills at K=2 and the 5-row batch at K=1", used)
	}
	if st := e.Stats(); st.BatchesShortened != 1 || st.Steps != 2 || st.MaxBatch != 5 {
		t.Errorf("stats = %+v: want one shortened 5-row batch and K still 2", st)
	}
}

// A flood of Submits with nobody polling costs bounded memory: the oldest are
// dropped and counted, the newest are still delivered.
func TestSubmitFloodIsBounded(t *testing.T) {
	f := &wordFiller{gate: make(chan struct{})}
	e := newEngine(t, Options{Filler: f, MaxQueue: 8})
	for i := 0; i < 1000; i++ {
		if err := e.Submit(0, "hold Sparky"); err != nil {
			t.Fatal(err)
		}
	}
	close(f.gate) // let the fills run
	deadline := time.Now().Add(5 * time.Second)
	for e.Stats().Filled < 8 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	s := e.Stats()
	if s.Dropped < 1000-16 || s.Filled > 16 {
		t.Errorf("stats %+v: want most of 1000 dropped, at most 2×8 filled", s)
	}
	if cmds := e.Poll(); len(cmds) == 0 || len(cmds) > 8 {
		t.Errorf("Poll after the flood returned %d commands", len(cmds))
	}
}
