package voice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrOffline is wrapped by download errors caused by the network being
// unreachable (no route, DNS failure, connection refused or timed out).
var ErrOffline = errors.New("voice: model server unreachable (offline?)")

// ErrChecksum is wrapped by download errors for a file whose SHA-256 differs
// from the release's; the partial file is removed.
var ErrChecksum = errors.New("voice: checksum mismatch")

// ModelRelease is a downloadable model file.
type ModelRelease struct {
	Name   string // "tiny.en"
	File   string // file name to save as, "ggml-tiny.en.bin"
	URL    string
	SHA256 string // hex
	// MaxBytes caps the download: the published size plus a margin. A server that
	// sends more (or streams without end) is cut off with an error, the disk spared.
	// Zero means 2 GiB.
	MaxBytes int64
}

// ReleaseBaseURL is where whisper.cpp's converted models are published.
const ReleaseBaseURL = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/"

// Releases are the English models `voicecmd models get` knows, with the SHA-256
// of the published files.
var Releases = map[string]ModelRelease{
	"tiny.en":  {"tiny.en", "ggml-tiny.en.bin", ReleaseBaseURL + "ggml-tiny.en.bin", "921e4cf8686fdd993dcd081a5da5b6c365bfde1162e72b08d75ac75289920b1f", 90 << 20},     // 75 MiB published
	"base.en":  {"base.en", "ggml-base.en.bin", ReleaseBaseURL + "ggml-base.en.bin", "a03779c86df3323075f5e796cb2ce5029f00ec8869eee3fdfb897afe36c6d002", 170 << 20},    // 142 MiB
	"small.en": {"small.en", "ggml-small.en.bin", ReleaseBaseURL + "ggml-small.en.bin", "c6138d6d58ecc8322097e0f987c32f1be8bb0a18532a3f88f734d1bbf9c41e5d", 540 << 20}, // 466 MiB
}

// DownloadOptions configure DownloadModel. The zero value is usable.
type DownloadOptions struct {
	// Client makes the requests (http.DefaultClient with a 30 s connect and
	// header timeout when nil).
	Client *http.Client
	// Progress, when set, is called from the downloading goroutine as bytes
	// arrive (at most every 100 ms, and once at the end); total is -1 when the
	// server does not say.
	Progress func(done, total int64)
	// IdleTimeout ends a download whose body delivers nothing for this long (the
	// partial file is kept; run again to resume). Zero means 60 s.
	IdleTimeout time.Duration
}

// DownloadModel fetches rel into dir and returns the file's path. It resumes a
// previous partial download (FILE.part) with an HTTP range request, verifies
// the SHA-256 of the complete file before renaming it into place, and returns
// at once when a verified file is already there. Errors wrap ErrOffline when the
// server cannot be reached and ErrChecksum when the file is corrupt. Cancel ctx
// to stop; the partial file is kept for the next attempt.
//
// It may be called from any goroutine.
func DownloadModel(ctx context.Context, rel ModelRelease, dir string, o DownloadOptions) (string, error) {
	final := filepath.Join(dir, rel.File)
	part := final + ".part"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("voice: download %s: %w", rel.Name, err)
	}
	if sum, err := fileSHA256(final); err == nil {
		if sum == rel.SHA256 {
			return final, nil
		}
		return "", fmt.Errorf("%w: %s exists with SHA-256 %s, want %s; delete it to download again", ErrChecksum, final, sum, rel.SHA256)
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   30 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
		}}
	}
	have := int64(0)
	if st, err := os.Stat(part); err == nil {
		have = st.Size()
	}
	maxBytes := rel.MaxBytes
	if maxBytes <= 0 {
		maxBytes = 2 << 30
	}
	idle := o.IdleTimeout
	if idle <= 0 {
		idle = 60 * time.Second
	}
	// A stalled body is cancelled by the watchdog; each read that delivers resets it.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchdog := time.AfterFunc(idle, func() { cancel(fmt.Errorf("no data for %v", idle)) })
	defer watchdog.Stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rel.URL, nil)
	if err != nil {
		return "", fmt.Errorf("voice: download %s: %w", rel.Name, err)
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("voice: download %s: %w", rel.Name, ctx.Err())
		}
		return "", fmt.Errorf("%w: %s: %v", ErrOffline, rel.URL, err)
	}
	defer resp.Body.Close()
	flags := os.O_CREATE | os.O_WRONLY
	total := resp.ContentLength
	switch resp.StatusCode {
	case http.StatusOK: // whole file: start over
		flags |= os.O_TRUNC
		have = 0
	case http.StatusPartialContent:
		flags |= os.O_APPEND
		if total >= 0 {
			total += have
		}
	case http.StatusRequestedRangeNotSatisfiable: // the part is complete (or bigger than the file)
		resp.Body.Close()
		return finishDownload(rel, part, final)
	default:
		return "", fmt.Errorf("voice: download %s: %s: HTTP %s", rel.Name, rel.URL, resp.Status)
	}
	f, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return "", fmt.Errorf("voice: download %s: %w", rel.Name, err)
	}
	pw := &progressWriter{done: have, total: total, fn: o.Progress}
	body := &watchedReader{r: resp.Body, watchdog: watchdog, idle: idle}
	// Read one byte more than allowed, to tell "exactly the cap" from "more".
	n, err := io.Copy(f, io.TeeReader(io.LimitReader(body, maxBytes-have+1), pw))
	if err == nil && have+n > maxBytes {
		f.Close()
		os.Remove(part)
		return "", fmt.Errorf("voice: download %s: the server sent more than %d bytes, more than the model can be; removed the partial file (wrong --url?)", rel.Name, maxBytes)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	pw.report(true)
	if err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		} else if isNetErr(err) {
			err = fmt.Errorf("%w: %v", ErrOffline, err)
		}
		return "", fmt.Errorf("voice: download %s interrupted after %d bytes (run again to resume): %w", rel.Name, pw.done, err)
	}
	return finishDownload(rel, part, final)
}

// watchedReader resets the idle watchdog on every read that delivers data.
type watchedReader struct {
	r        io.Reader
	watchdog *time.Timer
	idle     time.Duration
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.watchdog.Reset(w.idle)
	}
	return n, err
}

func finishDownload(rel ModelRelease, part, final string) (string, error) {
	sum, err := fileSHA256(part)
	if err != nil {
		return "", fmt.Errorf("voice: download %s: %w", rel.Name, err)
	}
	if !strings.EqualFold(sum, rel.SHA256) {
		os.Remove(part)
		return "", fmt.Errorf("%w: %s: got SHA-256 %s, want %s (partial file removed)", ErrChecksum, rel.URL, sum, rel.SHA256)
	}
	if err := os.Rename(part, final); err != nil {
		return "", fmt.Errorf("voice: download %s: %w", rel.Name, err)
	}
	return final, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF)
}

type progressWriter struct {
	done, total int64
	last        time.Time
	fn          func(done, total int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	p.report(false)
	return len(b), nil
}

func (p *progressWriter) report(final bool) {
	if p.fn == nil || (!final && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last = time.Now()
	p.fn(p.done, p.total)
}
