package voice

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gordonklaus/portaudio"
)

// ErrNoDevice is wrapped by errors about a missing or unusable input device.
var ErrNoDevice = errors.New("voice: no input device")

// ErrDeviceLost is returned by a microphone's Read when the device stopped
// delivering audio mid-stream (unplugged, taken by another program).
var ErrDeviceLost = errors.New("voice: input device stopped delivering audio")

// Device is an audio input device as PortAudio lists it.
type Device struct {
	Index             int // PortAudio's device index; pass to MicOptions.Device
	Name              string
	HostAPI           string
	MaxInputChannels  int
	DefaultSampleRate float64
	Default           bool // the host's default input device
}

var paMu sync.Mutex // PortAudio's Initialize/Terminate and device scans are not thread-safe

func paInit() error {
	quietAudioLibs()
	if err := portaudio.Initialize(); err != nil {
		return fmt.Errorf("%w: PortAudio: %v", ErrNoDevice, err)
	}
	return nil
}

// InputDevices lists the devices that can capture audio. It may be called from
// any goroutine. With no sound hardware the list is empty and err is nil;
// err is non-nil when PortAudio itself cannot start.
func InputDevices() ([]Device, error) {
	paMu.Lock()
	defer paMu.Unlock()
	if err := paInit(); err != nil {
		return nil, err
	}
	defer portaudio.Terminate()
	return inputDevices()
}

func inputDevices() ([]Device, error) {
	all, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDevice, err)
	}
	def, _ := portaudio.DefaultInputDevice()
	var out []Device
	for i, d := range all {
		if d.MaxInputChannels < 1 {
			continue
		}
		host := ""
		if d.HostApi != nil {
			host = d.HostApi.Name
		}
		out = append(out, Device{Index: i, Name: d.Name, HostAPI: host, MaxInputChannels: d.MaxInputChannels,
			DefaultSampleRate: d.DefaultSampleRate, Default: def != nil && d == def})
	}
	return out, nil
}

// MicOptions configure OpenMic. The zero value opens the default input device.
type MicOptions struct {
	// Device is the index of an entry of InputDevices; negative or zero with
	// UseDevice false means the host's default input device.
	Device    int
	UseDevice bool
	// Buffer is the capacity of the ring buffer between the audio callback and
	// Read (2 s). Audio that does not fit because Read falls behind is dropped
	// and counted (Overruns).
	Buffer time.Duration
	// Latency is the suggested device latency (the device's low input latency
	// when zero).
	Latency time.Duration
	// StallTimeout is how long Read waits for audio from a started stream before
	// reporting ErrDeviceLost (2 s).
	StallTimeout time.Duration
}

// Mic is a microphone AudioSource. Its PortAudio callback only copies samples into a
// lock-free ring buffer (it never blocks, locks or allocates; PortAudio's Go
// binding adds a small allocation per callback to dispatch it); Read drains the
// ring, converts to mono and resamples to SampleRate when the device could not
// capture at 16 kHz.
type Mic struct {
	stream   *portaudio.Stream
	ring     *ring
	rate     float64
	channels int
	stall    time.Duration
	flagged  atomic.Uint64 // callbacks PortAudio flagged with an input overflow
	raw      []float32
	done     chan struct{}
	once     sync.Once
	closeErr error
	dev      Device
}

// OpenMic opens and starts an input device. Errors wrap ErrNoDevice when there
// is no device, the index is wrong, or the device refuses every format tried
// (mono or stereo float32 at 16 kHz, then at the device's default rate).
//
// It may be called from any goroutine.
func OpenMic(o MicOptions) (*Mic, error) {
	paMu.Lock()
	defer paMu.Unlock()
	if err := paInit(); err != nil {
		return nil, err
	}
	fail := func(err error) (*Mic, error) {
		portaudio.Terminate()
		return nil, err
	}
	devs, err := inputDevices()
	if err != nil {
		return fail(err)
	}
	var dev *Device
	for i := range devs {
		if (o.UseDevice && devs[i].Index == o.Device) || (!o.UseDevice && devs[i].Default) {
			dev = &devs[i]
		}
	}
	if dev == nil {
		if o.UseDevice {
			return fail(fmt.Errorf("%w: no input device with index %d (see `voicecmd devices`)", ErrNoDevice, o.Device))
		}
		if len(devs) == 0 {
			return fail(fmt.Errorf("%w: PortAudio found no capture device (no sound card, or ALSA has none configured)", ErrNoDevice))
		}
		dev = &devs[0]
	}
	all, _ := portaudio.Devices()
	info := all[dev.Index]
	if o.Buffer <= 0 {
		o.Buffer = 2 * time.Second
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 2 * time.Second
	}
	latency := info.DefaultLowInputLatency
	if o.Latency > 0 {
		latency = o.Latency
	}
	m := &Mic{stall: o.StallTimeout, done: make(chan struct{}), dev: *dev}
	var lastErr error
	for _, rate := range []float64{SampleRate, info.DefaultSampleRate} {
		for _, ch := range []int{1, 2} {
			if ch > info.MaxInputChannels || rate <= 0 {
				continue
			}
			p := portaudio.StreamParameters{
				Input:           portaudio.StreamDeviceParameters{Device: info, Channels: ch, Latency: latency},
				SampleRate:      rate,
				FramesPerBuffer: portaudio.FramesPerBufferUnspecified,
			}
			m.ring = newRing(int(o.Buffer.Seconds() * rate * float64(ch)))
			s, err := portaudio.OpenStream(p, m.callback)
			if err != nil {
				lastErr = err
				continue
			}
			if err := s.Start(); err != nil {
				s.Close()
				lastErr = err
				continue
			}
			m.stream, m.rate, m.channels = s, rate, ch
			return m, nil
		}
	}
	return fail(fmt.Errorf("%w: %s refused every format tried: %v", ErrNoDevice, dev.Name, lastErr))
}

// callback runs on PortAudio's audio thread.
func (m *Mic) callback(in []float32, _ portaudio.StreamCallbackTimeInfo, flags portaudio.StreamCallbackFlags) {
	if flags&portaudio.InputOverflow != 0 {
		m.flagged.Add(1)
	}
	m.ring.write(in)
}

// Device is the device the microphone captures from. Concurrency-safe.
func (m *Mic) Device() Device { return m.dev }

// CaptureRate is the rate the device captures at (Read resamples to
// SampleRate). Concurrency-safe.
func (m *Mic) CaptureRate() float64 { return m.rate }

// Realtime implements Realtime.
func (m *Mic) Realtime() bool { return true }

// Overruns implements OverrunCounter: samples (at the capture rate, all
// channels) dropped because Read fell behind, plus callbacks in which the device
// itself reported an overflow. Concurrency-safe.
func (m *Mic) Overruns() uint64 { return m.ring.overruns.Load() + m.flagged.Load() }

// chunk is the unit Read takes from the ring: whole frames, and at other rates
// whole 10 ms blocks, which resample to exactly 160 samples when the rate is a
// multiple of 100 Hz, so that chunk boundaries do not drift the stream clock.
func (m *Mic) chunk() int {
	if m.rate == SampleRate {
		return m.channels
	}
	if r := int(m.rate); r%100 == 0 && float64(r) == m.rate {
		return r / 100 * m.channels
	}
	return m.channels
}

// Read implements AudioSource. It blocks until audio arrives; it returns
// ErrDeviceLost when none has arrived for MicOptions.StallTimeout, and ErrClosed
// after Close.
func (m *Mic) Read(p []float32) (int, error) {
	need := int(float64(len(p))*m.rate/SampleRate) * m.channels
	need = max(need-need%m.chunk(), m.chunk())
	if cap(m.raw) < need {
		m.raw = make([]float32, need)
	}
	raw := m.raw[:need]
	timer := time.NewTimer(m.stall)
	defer timer.Stop()
	for {
		select {
		case <-m.done:
			return 0, ErrClosed
		default:
		}
		n := m.ring.readMultiple(raw, m.chunk())
		if n > 0 {
			mono := raw[:n/m.channels]
			if m.channels > 1 {
				for i := range mono {
					var s float32
					for c := 0; c < m.channels; c++ {
						s += raw[i*m.channels+c]
					}
					mono[i] = s / float32(m.channels)
				}
			}
			if m.rate != SampleRate {
				mono = Resample(mono, int(m.rate))
			}
			return copy(p, mono), nil
		}
		select {
		case <-m.ring.notify:
		case <-m.done:
			return 0, ErrClosed
		case <-timer.C:
			return 0, fmt.Errorf("%w: %s: no audio for %v", ErrDeviceLost, m.dev.Name, m.stall)
		}
	}
}

// Close stops the stream and releases PortAudio. It may be called from any
// goroutine, also while Read blocks; it is idempotent.
func (m *Mic) Close() error {
	m.once.Do(func() {
		close(m.done)
		paMu.Lock()
		defer paMu.Unlock()
		err := m.stream.Stop()
		if cerr := m.stream.Close(); err == nil {
			err = cerr
		}
		portaudio.Terminate()
		if err != nil {
			m.closeErr = fmt.Errorf("voice: closing microphone: %w", err)
		}
	})
	return m.closeErr
}
