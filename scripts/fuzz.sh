#!/usr/bin/env bash
# Nightly-style fuzzing: every fuzz target for FUZZTIME each (default 60s), one after
# another. Not part of scripts/test.sh (CI runs each target's seed corpus through
# plain `go test`); run it by hand or from a nightly job. A crasher is written under
# the package's testdata/fuzz/ by `go test` and the script exits non-zero naming it.
#
# Usage: scripts/fuzz.sh [FUZZTIME]      e.g. scripts/fuzz.sh 5m
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
fuzztime=${1:-60s}
targets=(
  "./grammar FuzzParse"                               # .vcg files: positioned errors, never a panic
  "./grammar FuzzRename"                              # renames keep other types' values and relation sides
  "./internal/model FuzzParse"                        # weights files, re-checksummed
  "./internal/understand FuzzUnderstand"              # any transcript: valid commands or a reason; noise never a command
  "./internal/understand FuzzWeightsThroughFeaturizer" # any shape fields, re-checksummed, through the featurizer
  "./voice FuzzReadModelInfo"                         # whisper model headers
  "./voice FuzzDecodeWAV"                             # WAV files
)
failed=()
for t in "${targets[@]}"; do
  read -r pkg name <<<"${t%%#*}"
  echo "fuzz: $pkg $name for $fuzztime"
  if ! go test -run XXX -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"; then
    failed+=("$pkg $name")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: crashers in: ${failed[*]} (see the package's testdata/fuzz/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, $fuzztime each, no crasher"
