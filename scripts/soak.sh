#!/usr/bin/env bash
# Soak: the engine with the demo's real filler for DURATION (default 30m), typed
# utterances as fast as it fills them and a live rename every 200 utterances,
# checking after each rename that the new name is understood and the old one
# rejected. Prints the figures and writes them to docs/soak.json; exits non-zero on
# any wrong command. Not part of scripts/test.sh (too long for CI).
#
# Usage: scripts/soak.sh [DURATION]     e.g. scripts/soak.sh 30m
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
duration=${1:-30m}
go build -o build/voicecmd ./cmd/voicecmd
build/voicecmd bench soak --duration "$duration" --json | tee docs/soak.json
python3 - docs/soak.json <<'PY' 2>/dev/null || true
import json, sys
r = json.load(open(sys.argv[1]))
print(f"soak: {r['duration_s']:.0f} s, {r['utterances']} utterances, {r['renames']} renames, "
      f"{r['wrong_commands']} wrong commands, RSS {r['rss_after_warmup_mb']:.1f} -> {r['rss_end_mb']:.1f} MB ({r['rss_growth_pct']:+.1f}%)")
PY
