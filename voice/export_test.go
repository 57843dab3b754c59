package voice

// FallAtPause runs the endpointer over audio and returns the pitch cue's answer at
// the pause that ended the utterance, on the utterance up to the last speech frame,
// as the recognizer computes it (for BenchmarkProsodyCue).
func FallAtPause(audio []float32) bool {
	ep := newEndpointer(EndpointOptions{})
	frame := ep.frame
	start, fell := -1, false
	for pos := 0; pos+frame <= len(audio); pos += frame {
		switch ep.push(DBFS(RMS(audio[pos : pos+frame]))) {
		case epStart:
			start = ep.start
		case epPause:
			fell = pitchFalls(audio[max(0, start):ep.lastSpeech])
		case epEnd:
			return fell
		}
	}
	return fell
}
