#!/usr/bin/env bash
# The main job: set up this machine, then play the monster-trainer demo.
#   with a display: a window; type commands (ENTER), or pass --model FILE to speak them
#   without one:    a scripted battle under Xvfb -> out/demo.png and out/demo.jsonl
# Extra arguments go to the demo (see docs/game.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH=$PATH:/usr/local/go/bin
mkdir -p out
go build -o out/monstertrainer ./examples/monstertrainer
go build -o out/voicecmd ./cmd/voicecmd
if [[ -n "${DISPLAY:-}" ]]; then
  exec out/monstertrainer "$@"
fi
echo "run: no display; playing scripts/demo-script.txt under Xvfb"
xvfb-run -a -s "-screen 0 1280x800x24" out/monstertrainer --script scripts/demo-script.txt \
  --frames 640 --screenshot out/demo.png --log out/demo.jsonl "$@"
echo "run: what the game did (out/demo.jsonl):"
# one line per command or rejection: the utterance, then the intent or the reason
sed -nE \
  -e '/"effect":"",.*"type":"command"/{s/.*"error":"(([^"\\]|\\.)*)".*"text":"([^"]*)".*/  \3  ->  not done: \1/p;b}' \
  -e '/"type":"command"/{s/.*"effect":"([^"]*)".*"text":"([^"]*)".*/  \2  ->  \1/p}' \
  -e '/"type":"rejected"/{s/.*"reason":"(([^"\\]|\\.)*)".*"text":"([^"]*)".*/  \3  ->  rejected: \1/p}' \
  out/demo.jsonl
echo "run: screenshot out/demo.png, log out/demo.jsonl"
