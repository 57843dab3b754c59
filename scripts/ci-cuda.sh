#!/usr/bin/env bash
# CI check of the `cuda` build tag on a machine without a GPU: fetch cuda.h and the
# libcuda link stub (scripts/cuda-stubs.sh, cached in third_party/cuda), vet every
# package with the tag, and build the cuda test binary and the cuda CLI into build/cuda.
# Where the NVIDIA driver library is installed (libcuda.so.1) the test binary also runs:
# without a device its GPU tests skip with the reason and TestAuto checks the CPU fallback.
# The GPU half (parity, benchmarks) needs a GPU machine: scripts/gpu-check-build.sh and
# .gpubin/gpu-check-run.sh (docs/gpu.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
eval "$(scripts/cuda-stubs.sh --env)"
go vet -tags cuda ./...
mkdir -p build/cuda
go test -c -tags cuda -o build/cuda/cuda.test ./internal/cuda
go build -tags cuda -o build/cuda/voicecmd ./cmd/voicecmd
if ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1 '; then
  build/cuda/cuda.test -test.count=1 -test.run 'TestLayout|TestAuto|TestDecodeParity'
else
  echo "ci-cuda: no libcuda.so.1 here; built, not run"
fi
