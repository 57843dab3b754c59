//go:build cuda

package fill

// Built with -tags cuda (cgo, the NVIDIA driver's libcuda at run time), a game gets
// the GPU backend: importing internal/cuda registers "cuda", so Options.Backend
// "cuda" and "auto" can use it. Without the tag only the CPU backend exists and
// "auto" means cpu.
import _ "github.com/voicecmd/voicecmd/internal/cuda"
