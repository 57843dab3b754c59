package voice

import (
	"errors"
	"github.com/gordonklaus/portaudio"
	"testing"
	"time"
)

func TestRingOverrunsCounted(t *testing.T) {
	q := newRing(1000) // rounds up to 1024
	in := make([]float32, 600)
	for i := range in {
		in[i] = float32(i)
	}
	q.write(in)
	q.write(in) // 176 samples do not fit
	if got := q.overruns.Load(); got != 176 {
		t.Fatalf("overruns = %d, want 176", got)
	}
	out := make([]float32, 2000)
	if n := q.read(out); n != 1024 || out[600] != 0 || out[1023] != 423 {
		t.Fatalf("read %d, out[600]=%v out[1023]=%v", n, out[600], out[1023])
	}
}

func TestRingWriteDoesNotAllocate(t *testing.T) {
	q := newRing(1 << 12)
	in := make([]float32, 256)
	out := make([]float32, 256)
	if a := testing.AllocsPerRun(100, func() { q.write(in); q.read(out) }); a != 0 {
		t.Fatalf("%v allocations per write", a)
	}
	m := &Mic{ring: q}
	if a := testing.AllocsPerRun(100, func() { m.callback(in, portaudioTimeInfo, 0); q.read(out) }); a != 0 {
		t.Fatalf("%v allocations per microphone callback", a)
	}
}

func TestEndpointerFrames(t *testing.T) {
	e := newEndpointer(EndpointOptions{})
	frames := func(db float32, n int) (evs []endpointEvent) {
		for i := 0; i < n; i++ {
			if ev := e.push(db); ev != epNone {
				evs = append(evs, ev)
			}
		}
		return evs
	}
	if evs := frames(-90, 50); len(evs) != 0 {
		t.Fatalf("silence: %v", evs)
	}
	if evs := frames(-20, 2); len(evs) != 0 { // 40 ms click: under MinSpeech
		t.Fatalf("click: %v", evs)
	}
	frames(-90, 5)
	if evs := frames(-20, 10); len(evs) != 1 || evs[0] != epStart {
		t.Fatalf("speech: %v", evs)
	}
	// A 160 ms pause inside speech pauses but does not end the utterance.
	if evs := frames(-90, 8); len(evs) != 1 || evs[0] != epPause {
		t.Fatalf("pause: %v", evs)
	}
	if evs := frames(-20, 5); len(evs) != 1 || evs[0] != epResume {
		t.Fatalf("resume: %v", evs)
	}
	last := e.lastSpeech
	if evs := frames(-90, 13); len(evs) != 2 || evs[1] != epEnd {
		t.Fatalf("end: %v", evs)
	}
	if got := Duration(e.pos - last); got != 260*time.Millisecond {
		t.Fatalf("end detected %v after the last speech frame", got)
	}
}

func TestMicStallIsDeviceLost(t *testing.T) {
	// A device that stops calling back (unplugged) makes Read fail after the
	// stall timeout instead of blocking forever.
	m := &Mic{ring: newRing(1024), rate: SampleRate, channels: 1, stall: 50 * time.Millisecond, done: make(chan struct{})}
	m.ring.write(make([]float32, 100))
	buf := make([]float32, 320)
	if n, err := m.Read(buf); n != 100 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if _, err := m.Read(buf); !errors.Is(err, ErrDeviceLost) {
		t.Fatalf("Read from a silent device: %v", err)
	}
}

var portaudioTimeInfo = portaudio.StreamCallbackTimeInfo{}

func TestMicResamplesWholeBlocks(t *testing.T) {
	// A 48 kHz stereo device: Read takes whole 10 ms blocks and returns 16 kHz mono.
	m := &Mic{ring: newRing(1 << 16), rate: 48000, channels: 2, stall: time.Second, done: make(chan struct{})}
	in := make([]float32, 2*1000) // 1000 frames: two whole blocks of 480 and 40 left over
	for i := range in {
		in[i] = 0.5
	}
	m.ring.write(in)
	buf := make([]float32, 4096)
	n, err := m.Read(buf)
	if err != nil || n != 320 {
		t.Fatalf("Read = %d, %v; want 320 samples from 960 frames", n, err)
	}
	if buf[0] != 0.5 || buf[319] != 0.5 {
		t.Errorf("levels %v %v", buf[0], buf[319])
	}
	if left := m.ring.w.Load() - m.ring.r.Load(); left != 80 {
		t.Errorf("%d samples left in the ring, want 80 (40 frames)", left)
	}
}
