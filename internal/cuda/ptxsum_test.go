package cuda

import (
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/voicecmd/voicecmd/internal/cuda/kernels"
)

// TestPTXFresh: the committed PTX was generated from the kernel source as it is
// now. `go generate ./internal/cuda` writes fill.ptx, fill80.ptx and, last,
// fill.ptx.sum with the SHA-256 of the sources it compiled; a kernel edit
// without a regeneration fails here, on machines without nvcc too.
func TestPTXFresh(t *testing.T) {
	sum, err := os.ReadFile("fill.ptx.sum")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(sum)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			t.Fatalf("fill.ptx.sum: bad line %q", line)
		}
		want[f[1]] = f[0]
	}
	for _, name := range []string{"fill.cu", "fill.h"} {
		src, err := kernels.Sources.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(src)); got != want[name] {
			t.Errorf("kernels/%s changed since the PTX was generated (sha256 %s, fill.ptx.sum has %q); run go generate ./internal/cuda (needs nvcc: Debian's nvidia-cuda-toolkit)", name, got, want[name])
		}
	}
}
