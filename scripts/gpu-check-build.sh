#!/usr/bin/env bash
# First half of the GPU check, for a machine WITHOUT a GPU (x86-64, Go, cgo): builds the
# cuda-tagged test binary of internal/cuda and the cuda-tagged CLI into .gpubin/, with
# cuda.h and the libcuda link stub from scripts/cuda-stubs.sh, and copies the second half
# (gpu-check-run.sh) beside them. Carry .gpubin/ to a GPU machine (driver, no Go) and run
#   .gpubin/gpu-check-run.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/cuda-stubs.sh --env)"
export GOFLAGS="${GOFLAGS:-} -trimpath"
mkdir -p .gpubin
go vet -tags cuda ./internal/cuda/
go test -c -tags cuda -o .gpubin/cuda.test ./internal/cuda
# the CLI is a bonus for the run half (voicecmd bench fill --backend cuda); its other
# packages may be mid-change, so a failure here only drops it
rm -f .gpubin/voicecmd
go build -tags cuda -o .gpubin/voicecmd ./cmd/voicecmd || echo "gpu-check-build: cuda CLI did not build; the run half skips it" >&2
# the CLI's audio libraries (portaudio, ALSA, JACK) are not on a bare GPU machine:
# carry them beside it (the run half puts .gpubin/lib on LD_LIBRARY_PATH for it)
rm -rf .gpubin/lib
if [ -x .gpubin/voicecmd ]; then
  mkdir -p .gpubin/lib
  ldd .gpubin/voicecmd | awk '$3 ~ /^\// {print $3}' |
    grep -vE '/(libc|libm|libdl|libpthread|librt|libgcc_s|libstdc\+\+|libcuda)\.so' |
    xargs -r cp -L -t .gpubin/lib
fi
cp scripts/gpu-check-run.sh scripts/gpu-profile.sh scripts/gpu-sass-counts.sh .gpubin/
echo "gpu-check-build: built $(ls .gpubin | tr '\n' ' ')"
