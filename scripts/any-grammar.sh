#!/usr/bin/env bash
# Any game's grammar trains: for each grammar under internal/understand/testdata/shapes
# (1, 3, 9 and 14 slot roles, and the 9-role grammar with 500 dynamic values in its
# state) train with --steps STEPS (default 200), time it, then score the utterances
# generated from its own patterns and state (an unseen seed) against the model. Prints one row
# per grammar (exact: the share of those utterances understood exactly; wrong: the
# share executed wrongly). A benchmark, not a test: run it by hand (README, "Measured").
#
# Usage: scripts/any-grammar.sh [STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
steps=${1:-200}
go build -o build/voicecmd ./cmd/voicecmd
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-10s %6s %8s %9s %8s %8s\n' grammar roles values "train s" "exact" "wrong"
for dir in internal/understand/testdata/shapes/*/; do
  name=$(basename "$dir")
  game="$tmp/$name"
  cp -r "$dir" "$game"
  start=$(date +%s.%N)
  build/voicecmd train --game "$game" --steps "$steps" --seed 1 >"$tmp/$name.train" 2>&1
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  # generated examples of its own patterns under the game's own state, as a dev set
  build/voicecmd gen --game "$game" -n 400 --seed 777 --json |
    python3 -c 'import json,sys
for l in sys.stdin:
    r=json.loads(l)
    if r["state"] != "game": continue
    w=r["want"]
    if w.startswith("REJECT"): w="REJECT"
    print(r["text"].replace("=>"," ")+" => "+w)' >"$game/generated.txt"
  read -r exact wrong < <(build/voicecmd eval --game "$game" --devset "$game/generated.txt" --min-confidence 0 --json |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.3f %.3f" % (r["exact"], r["wrong_commands"]))')
  values=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(sum(len(v) for v in s.get("values",{}).values()))' "$game/state.json")
  roles=$(python3 -c "import json,struct,sys; b=open(sys.argv[1],'rb').read(); print(struct.unpack_from('<I', b, 12+4*12)[0])" "$game/model.vcw")
  printf '%-10s %6s %8s %9.1f %8s %8s\n' "$name" "$roles" "$values" "$secs" "$exact" "$wrong"
done
