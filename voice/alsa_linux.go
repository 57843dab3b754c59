//go:build linux

package voice

/*
#cgo pkg-config: alsa
#include <alsa/asoundlib.h>
#include <dlfcn.h>

static void voicecmd_alsa_discard(const char *file, int line, const char *function, int err, const char *fmt, ...) {
	(void) file; (void) line; (void) function; (void) err; (void) fmt;
}

typedef void (*voicecmd_jack_msg)(const char *);

static void voicecmd_jack_discard(const char *msg) { (void) msg; }

static void voicecmd_alsa_quiet(void) {
	snd_lib_error_set_handler(voicecmd_alsa_discard);
	// PortAudio's JACK host API prints through libjack when no JACK server runs.
	// libjack is loaded with PortAudio when it was built with JACK; look its
	// setters up rather than linking it.
	void (*set_error)(voicecmd_jack_msg) = (void (*)(voicecmd_jack_msg)) dlsym(RTLD_DEFAULT, "jack_set_error_function");
	void (*set_info)(voicecmd_jack_msg) = (void (*)(voicecmd_jack_msg)) dlsym(RTLD_DEFAULT, "jack_set_info_function");
	if (set_error) set_error(voicecmd_jack_discard);
	if (set_info) set_info(voicecmd_jack_discard);
}
*/
import "C"

import (
	"os"
	"sync"
)

var alsaQuietOnce sync.Once

// quietAudioLibs stops ALSA (and JACK) from printing the dozens of lines it writes to stderr
// while PortAudio probes PCMs that this machine does not have (surround51, hdmi,
// dmix, ...). Our own errors say what failed. VOICECMD_ALSA_DEBUG=1 keeps them.
func quietAudioLibs() {
	alsaQuietOnce.Do(func() {
		if os.Getenv("VOICECMD_ALSA_DEBUG") == "" {
			C.voicecmd_alsa_quiet()
		}
	})
}
