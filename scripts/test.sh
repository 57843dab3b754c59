#!/usr/bin/env bash
# The README's test command: set up, vet, run every test with the race detector, and
# check that the GPU backend (build tag cuda) still compiles.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH=$PATH:/usr/local/go/bin
go vet ./...
go vet -tags display ./game/...
go test -race -shuffle=on -count=1 -timeout 20m ./...
# cuda: vet with the tag and build the cuda test binary and CLI against cuda.h and the
# libcuda link stub from Debian's nvidia-cuda-dev (no GPU needed). Fetching the stub
# package is infrastructure, not the check: if the mirror cannot be reached, say so.
if scripts/cuda-stubs.sh >/dev/null; then
  scripts/ci-cuda.sh
else
  echo "test: WARNING: could not fetch nvidia-cuda-dev for the cuda compile check; skipped" >&2
fi
