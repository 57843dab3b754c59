package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/voicecmd/voicecmd/voice"
)

func init() {
	register(&subcommand{name: "devices", summary: "list audio input devices for transcribe --mic --device N", run: runDevices})
}

func runDevices(args []string) int {
	fs := flag.NewFlagSet("devices", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd devices [--json]

Lists the audio input devices PortAudio finds; pass an index to
'voicecmd transcribe --mic --device N'. The default device is marked with *.

flags:`)
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	devs, err := voice.InputDevices()
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd devices:", err)
		return exitFailure
	}
	if *asJSON {
		if devs == nil {
			devs = []voice.Device{}
		}
		json.NewEncoder(os.Stdout).Encode(devs)
		return exitOK
	}
	if len(devs) == 0 {
		fmt.Fprintln(os.Stderr, "voicecmd devices: no input devices found (no sound card, or ALSA/PulseAudio has none configured)")
		return exitFailure
	}
	for _, d := range devs {
		mark := " "
		if d.Default {
			mark = "*"
		}
		fmt.Printf("%s %3d  %-40s %s, %d ch, %g Hz\n", mark, d.Index, d.Name, d.HostAPI, d.MaxInputChannels, d.DefaultSampleRate)
	}
	return exitOK
}
