#!/usr/bin/env bash
# The README's test command: set up, vet, run every test with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH=$PATH:/usr/local/go/bin
go vet ./...
go test -race -shuffle=on -count=1 -timeout 20m ./...
