package cuda

import (
	"slices"

	"github.com/voicecmd/voicecmd/internal/model"
)

// OpenAuto opens the "cuda" backend when this binary has it (built with -tags cuda)
// and a device is usable, else the "cpu" backend. When it falls back it calls logf
// (if not nil) once with the reason, e.g. "cuda: cuInit: CUDA_ERROR_NO_DEVICE (100)".
// Safe for concurrent use.
func OpenAuto(w *model.Weights, logf func(format string, args ...any)) (model.Backend, error) {
	reason := "built without -tags cuda"
	if slices.Contains(model.Backends(), "cuda") {
		b, err := model.OpenBackend("cuda", w)
		if err == nil {
			return b, nil
		}
		reason = err.Error()
	}
	if logf != nil {
		logf("voicecmd: backend auto: using cpu (%s)", reason)
	}
	return model.OpenBackend("cpu", w)
}
