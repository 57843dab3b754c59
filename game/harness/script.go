package harness

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ScriptEvent is one scripted input. Scripts are timed inputs that stand in for a player,
// for tests, demos and benchmarks:
//
//	# FRAME ACTION ARGUMENT
//	20 say Sparky, thunderbolt the Rattler
//	90 wav go-leafy.wav
type ScriptEvent struct {
	Frame int64
	Kind  string // "say" or "wav"
	Arg   string
}

// LoadScript reads a script file ("" → no events). Lines are `FRAME say TEXT` or
// `FRAME wav FILE`; blank lines and lines starting with # are skipped.
func LoadScript(path string) ([]ScriptEvent, error) {
	if path == "" {
		return nil, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("harness: script: %w", err)
	}
	defer fh.Close()
	return ParseScript(fh, path)
}

// ParseScript parses script lines; name is used in error messages.
func ParseScript(r io.Reader, name string) ([]ScriptEvent, error) {
	var out []ScriptEvent
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, " ", 3)
		if len(parts) < 3 {
			return nil, fmt.Errorf("%s:%d: want `FRAME say TEXT` or `FRAME wav FILE`, got %q", name, n, line)
		}
		fr, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil || fr < 0 {
			return nil, fmt.Errorf("%s:%d: bad frame number %q", name, n, parts[0])
		}
		kind, arg := parts[1], strings.TrimSpace(parts[2])
		if kind != "say" && kind != "wav" {
			return nil, fmt.Errorf("%s:%d: unknown action %q (want say or wav)", name, n, kind)
		}
		if kind == "wav" && !filepath.IsAbs(arg) {
			arg = filepath.Join(filepath.Dir(name), arg)
		}
		out = append(out, ScriptEvent{Frame: fr, Kind: kind, Arg: arg})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
