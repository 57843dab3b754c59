#!/usr/bin/env bash
# Derives the generator's built-in off-topic sentences from Debian's `fortunes` and
# `fortunes-min` packages (everyday English: what a player says near the microphone
# that is not a command) and a held-out half for scoring off-topic rejection:
#   internal/gen/negatives.txt                        (embedded in the trainer, 3000 lines)
#   internal/gen/testdata/offtopic_heldout.txt        (dev-set format, TEXT => REJECT)
# Both are committed; run this only to regenerate them. The .deb is fetched with
# `apt-get download` into a temporary folder and only unpacked there: nothing is
# installed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q fortunes fortunes-min >/dev/null 2>&1) || { echo "derive-negatives: apt-get download fortunes failed" >&2; exit 1; }
for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/x"; done
mkdir -p internal/gen/testdata
go run internal/gen/mknegatives.go -heldout "$tmp/heldout.txt" "$tmp/x/usr/share/games/fortunes" > internal/gen/negatives.txt
{
  echo "# Held-out off-topic sentences: the half of scripts/derive-negatives.sh's split of"
  echo "# Debian's fortunes that the trainer never sees. Every line must be rejected."
  echo "# Score: voicecmd eval --game GAME --devset internal/gen/testdata/offtopic_heldout.txt"
  grep -v '^#' "$tmp/heldout.txt" | sed 's/$/ => REJECT/'
} > internal/gen/testdata/offtopic_heldout.txt
echo "derive-negatives: $(grep -vc '^#' internal/gen/negatives.txt) training, $(grep -vc '^#' internal/gen/testdata/offtopic_heldout.txt) held-out sentences"
