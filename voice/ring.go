package voice

import "sync/atomic"

// ring is a single-producer single-consumer ring buffer of samples. The producer
// (an audio callback) never blocks and never allocates: when the consumer falls
// behind, the samples that do not fit are dropped and counted as an overrun.
type ring struct {
	buf      []float32
	mask     uint64
	w, r     atomic.Uint64 // total samples written / read; w-r is the fill
	overruns atomic.Uint64 // samples dropped because the buffer was full
	notify   chan struct{} // one pending wake-up for the consumer
}

func newRing(minSize int) *ring {
	n := 1
	for n < minSize {
		n <<= 1
	}
	return &ring{buf: make([]float32, n), mask: uint64(n - 1), notify: make(chan struct{}, 1)}
}

// write is the producer side; safe to call from a real-time callback.
func (q *ring) write(p []float32) {
	w, r := q.w.Load(), q.r.Load()
	free := uint64(len(q.buf)) - (w - r)
	if uint64(len(p)) > free {
		q.overruns.Add(uint64(len(p)) - free)
		p = p[:free]
	}
	for i, v := range p {
		q.buf[(w+uint64(i))&q.mask] = v
	}
	q.w.Store(w + uint64(len(p)))
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// read is the consumer side: it copies up to len(p) buffered samples and never blocks.
func (q *ring) read(p []float32) int {
	w, r := q.w.Load(), q.r.Load()
	n := int(w - r)
	if n > len(p) {
		n = len(p)
	}
	for i := 0; i < n; i++ {
		p[i] = q.buf[(r+uint64(i))&q.mask]
	}
	q.r.Store(r + uint64(n))
	return n
}

// readMultiple is read limited to a multiple of unit samples (0 when fewer are
// buffered).
func (q *ring) readMultiple(p []float32, unit int) int {
	avail := int(q.w.Load() - q.r.Load())
	n := min(avail, len(p))
	n -= n % unit
	return q.read(p[:n])
}
