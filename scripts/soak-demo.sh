#!/usr/bin/env bash
# Soak the scripted monster-trainer demo under Xvfb: build it once, run it RUNS times
# (JOBS at a time), each in its own Xvfb, and report every run that did not exit 0 with
# the head of its Go traceback. For rare crashes: the demo once died with
# "malloc(): unsorted double linked list corrupted" inside Mesa (see docs/game.md).
#
#   scripts/soak-demo.sh [RUNS [JOBS [DIR]]]      # defaults: 40 runs, 1 job, a temp dir
#
# Each run keeps its stderr, log, screenshot and exit code under DIR/runN; core files
# land there too (ulimit -c unlimited; `gdb BINARY DIR/runN/core`). Extra environment
# (MESA_*, LP_NUM_THREADS, GLIBC_TUNABLES, ...) passes through to the demo.
# Exit status: 0 when every run exited 0, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
runs=${1:-40}
jobs=${2:-1}
dir=${3:-$(mktemp -d /tmp/soak-demo.XXXXXX)}
mkdir -p "$dir"
repo=$(pwd)
bin=$dir/monstertrainer
go build -o "$bin" ./examples/monstertrainer || exit 1

run() { # run N: one scripted game in its own Xvfb
	local d=$dir/run$1
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		ulimit -c unlimited
		# -n: a separate display range per job, so that parallel xvfb-run -a do not
		# race for the same free display number.
		GOTRACEBACK=crash timeout 300 xvfb-run -a -n $((100 + 20 * ($1 % jobs))) \
			-s "-screen 0 1280x800x24" "$bin" --game "$repo/examples/monstertrainer" \
			--script "$repo/scripts/demo-script.txt" --frames 640 \
			--screenshot "$d/demo.png" --log "$d/demo.jsonl" >"$d/stdout" 2>"$d/stderr"
		echo $? >"$d/rc"
	)
}

i=0
while ((i < runs)); do
	for ((j = 0; j < jobs && i < runs; j++, i++)); do
		run "$i" &
	done
	wait
done

failed=0
for ((i = 0; i < runs; i++)); do
	rc=$(cat "$dir/run$i/rc" 2>/dev/null || echo missing)
	if [[ $rc != 0 ]]; then
		failed=$((failed + 1))
		echo "soak: run$i exit $rc ($dir/run$i/stderr):"
		head -n 12 "$dir/run$i/stderr" | sed 's/^/    /'
		# The Go traceback shows only goroutines; the C threads (Mesa's, X's) are in the core.
		for core in "$dir/run$i"/core*; do
			if [[ -f $core ]] && command -v gdb >/dev/null; then
				gdb -batch -ex 'info threads' -ex 'thread apply all bt 25' "$bin" "$core" \
					>"$dir/run$i/gdb.txt" 2>&1
				echo "    C stacks of every thread: $dir/run$i/gdb.txt"
			fi
		done
	fi
done
echo "soak: $runs runs, $failed failed; binary $bin, runs under $dir"
((failed == 0))
