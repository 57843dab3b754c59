package voice_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/voice"
)

// modelServer serves body at /ggml-test.bin on loopback. It honours Range
// requests unless noRange is set, and cuts the first response after cutAt bytes
// when cutAt > 0.
func modelServer(t *testing.T, body []byte, cutAt int, noRange bool) (*httptest.Server, *atomic.Int32) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		if r.URL.Path != "/ggml-test.bin" {
			http.NotFound(w, r)
			return
		}
		start := 0
		if rg := r.Header.Get("Range"); rg != "" && !noRange {
			start, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
			if start >= len(body) {
				w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
				return
			}
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(body)-1, len(body)))
			w.Header().Set("Content-Length", strconv.Itoa(len(body)-start))
			w.WriteHeader(http.StatusPartialContent)
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		if n == 1 && cutAt > 0 {
			w.Write(body[start:cutAt])
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		w.Write(body[start:])
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}

func testRelease(srv *httptest.Server, body []byte) voice.ModelRelease {
	sum := sha256.Sum256(body)
	return voice.ModelRelease{Name: "test", File: "ggml-test.bin", URL: srv.URL + "/ggml-test.bin", SHA256: hex.EncodeToString(sum[:])}
}

func testBody() []byte {
	b := make([]byte, 3<<20)
	for i := range b {
		b[i] = byte(i * 7 % 251)
	}
	return b
}

func TestDownloadWithProgress(t *testing.T) {
	body := testBody()
	srv, _ := modelServer(t, body, 0, false)
	dir := t.TempDir()
	var last, total int64
	path, err := voice.DownloadModel(context.Background(), testRelease(srv, body), dir, voice.DownloadOptions{
		Progress: func(d, tot int64) { last, total = d, tot },
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if len(got) != len(body) || last != int64(len(body)) || total != int64(len(body)) {
		t.Fatalf("file %d bytes, progress %d/%d, want %d", len(got), last, total, len(body))
	}
	// Already there and verified: no request.
	srv.Close()
	if p, err := voice.DownloadModel(context.Background(), testRelease(srv, body), dir, voice.DownloadOptions{}); err != nil || p != path {
		t.Fatalf("second download: %v", err)
	}
}

func TestDownloadResumes(t *testing.T) {
	for _, noRange := range []bool{false, true} {
		t.Run(fmt.Sprintf("server ranges %v", !noRange), func(t *testing.T) {
			body := testBody()
			srv, requests := modelServer(t, body, 1<<20, noRange)
			dir := t.TempDir()
			rel := testRelease(srv, body)
			_, err := voice.DownloadModel(context.Background(), rel, dir, voice.DownloadOptions{})
			if err == nil || !strings.Contains(err.Error(), "resume") {
				t.Fatalf("cut download: %v", err)
			}
			if st, err := os.Stat(filepath.Join(dir, "ggml-test.bin.part")); err != nil || st.Size() != 1<<20 {
				t.Fatalf("partial file: %v", err)
			}
			path, err := voice.DownloadModel(context.Background(), rel, dir, voice.DownloadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path); string(got) != string(body) || requests.Load() != 2 {
				t.Fatalf("resumed file differs (%d bytes, %d requests)", len(got), requests.Load())
			}
		})
	}
}

func TestDownloadChecksumMismatch(t *testing.T) {
	body := testBody()
	srv, _ := modelServer(t, body, 0, false)
	rel := testRelease(srv, body)
	rel.SHA256 = strings.Repeat("0", 64)
	dir := t.TempDir()
	if _, err := voice.DownloadModel(context.Background(), rel, dir, voice.DownloadOptions{}); !errors.Is(err, voice.ErrChecksum) {
		t.Fatalf("err = %v, want ErrChecksum", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("left %v behind", ents)
	}
}

func TestDownloadOffline(t *testing.T) {
	// A loopback port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	rel := voice.ModelRelease{Name: "tiny.en", File: "x.bin", URL: "http://" + addr + "/x.bin", SHA256: "00"}
	_, err = voice.DownloadModel(context.Background(), rel, t.TempDir(), voice.DownloadOptions{})
	if !errors.Is(err, voice.ErrOffline) {
		t.Fatalf("err = %v, want ErrOffline", err)
	}
	t.Log(err)
}

func TestDownloadNotFound(t *testing.T) {
	body := testBody()
	srv, _ := modelServer(t, body, 0, false)
	rel := testRelease(srv, body)
	rel.URL = srv.URL + "/nope.bin"
	if _, err := voice.DownloadModel(context.Background(), rel, t.TempDir(), voice.DownloadOptions{}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("err = %v", err)
	}
}

func TestReleasesAreKnownModels(t *testing.T) {
	for name, r := range voice.Releases {
		if _, ok := voice.ModelShapes[name]; !ok || len(r.SHA256) != 64 || !strings.HasPrefix(r.URL, "https://") {
			t.Errorf("release %s: %+v", name, r)
		}
	}
}

// A server that streams without end is cut off at the release's size cap, and the
// partial file is removed: the disk does not fill up.
func TestDownloadEndlessBodyIsCapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	rel := voice.ModelRelease{Name: "endless", File: "e.bin", URL: srv.URL + "/e.bin", SHA256: "00", MaxBytes: 1 << 20}
	_, err := voice.DownloadModel(context.Background(), rel, dir, voice.DownloadOptions{})
	if err == nil || !strings.Contains(err.Error(), "more than 1048576 bytes") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "e.bin.part")); !os.IsNotExist(err) {
		t.Errorf("the oversized partial file was kept: %v", err)
	}
}

// A body that stalls is given up after the idle timeout, keeping what arrived for
// a resume.
func TestDownloadStalledBodyTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write(make([]byte, 100))
		w.(http.Flusher).Flush()
		<-release // never sends the rest
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	dir := t.TempDir()
	rel := voice.ModelRelease{Name: "stall", File: "s.bin", URL: srv.URL + "/s.bin", SHA256: "00"}
	start := time.Now()
	_, err := voice.DownloadModel(context.Background(), rel, dir, voice.DownloadOptions{IdleTimeout: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "no data for 200ms") || !strings.Contains(err.Error(), "run again to resume") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
	if st, err := os.Stat(filepath.Join(dir, "s.bin.part")); err != nil || st.Size() != 100 {
		t.Errorf("partial file: %v %v", st, err)
	}
}
