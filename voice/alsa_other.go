//go:build !linux

package voice

func quietAudioLibs() {}
