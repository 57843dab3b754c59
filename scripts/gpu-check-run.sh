#!/usr/bin/env bash
# Second half of the GPU check, for a GPU machine with the NVIDIA driver and no Go:
# runs the binaries that scripts/gpu-check-build.sh put in .gpubin/ (this script is
# copied there): parity tests (GPU vs the CPU reference), the no-device fallback, the
# testing.B benchmarks, and the benchmark table, which it prints last. Logs go to
# OUTDIR (default $OUT, else /tmp/gpu-check). Exit status 1 if a test failed.
#   .gpubin/gpu-check-run.sh [OUTDIR]
set -uo pipefail
bin="$(cd "$(dirname "$0")" && pwd)"
out="${1:-${OUT:-/tmp/gpu-check}}"
mkdir -p "$out"
fail=0
t="$bin/cuda.test"

echo "== device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv,noheader | tee "$out/gpu.txt"

echo "== parity and behaviour tests (GPU vs CPU reference; both kernel builds where the GPU has sm_80+)"
timeout 300 "$t" -test.v -test.count=1 \
  -test.run 'TestLayout|TestDecodeParity|TestFillParity|TestDevSetParity|TestPending|TestBadInput|TestAuto' >"$out/parity.log" 2>&1 || fail=1
grep -E -- '--- (PASS|FAIL|SKIP)|max \||auto ->|dev set|Error|panic' "$out/parity.log" | head -60

echo "== no visible device: tests must skip with a reason, auto must fall back to cpu"
CUDA_VISIBLE_DEVICES= timeout 60 "$t" -test.v -test.count=1 -test.run 'TestAuto|TestPending' >"$out/fallback.log" 2>&1 || fail=1
grep -E -- '--- (PASS|FAIL|SKIP)|auto ->|no usable' "$out/fallback.log" | head

echo "== testing.B benchmarks (demo config, K=2)"
timeout 120 "$t" -test.run '^$' -test.bench 'BenchmarkFill' -test.benchtime 500x >"$out/bench.log" 2>&1 || fail=1
grep -E '^Benchmark|FAIL' "$out/bench.log"

game="$bin/../examples/monstertrainer"
if [ -x "$bin/voicecmd" ] && [ -f "$game/model.vcw" ]; then
  echo "== voicecmd bench fill (demo game dev set), cpu then cuda"
  # cuda: the compute_52 kernel build (VOICECMD_CUDA_KERNEL=cores); cuda-tensor: the compute_80 one (=tensor, the default on sm_80+)
  for be in cpu cuda cuda-tensor; do
    backend=${be%-tensor}
    kernel=cores
    [ "$be" = cuda-tensor ] && kernel=tensor
    VOICECMD_CUDA_KERNEL=$kernel LD_LIBRARY_PATH="$bin/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" timeout 150 \
      "$bin/voicecmd" bench fill --game "$game" --backend $backend --batch 1024 --reps 3 >"$out/cli-$be.log" 2>&1 ||
      echo "(voicecmd bench fill --backend $be failed, see cli-$be.log)"
    echo "-- $be"
    tail -n 12 "$out/cli-$be.log"
  done
fi

echo "== table"
(nvidia-smi dmon -s pc -d 1 >"$out/dmon.txt" 2>&1 &
 echo $! >"$out/dmon.pid")
timeout 240 "$t" -test.run 'TestBenchTable' -test.v -cuda.table -cuda.tableout "$out/table.txt" >"$out/table.log" 2>&1 || fail=1
kill "$(cat "$out/dmon.pid")" 2>/dev/null; rm -f "$out/dmon.pid"
grep -q -- '--- PASS: TestBenchTable' "$out/table.log" || tail -n 20 "$out/table.log"
echo "SM clock (MHz) while the table ran: $(awk '$1 ~ /^[0-9]+$/ {print $NF}' "$out/dmon.txt" | sort -n | uniq -c | sort -rn | head -4 | awk '{printf "%s@%ss ", $2, $1}')"
echo
echo "parity: $(grep -c -- '--- PASS' "$out/parity.log") pass, $(grep -c -- '--- FAIL' "$out/parity.log") fail, $(grep -c -- '--- SKIP' "$out/parity.log") skip; overall: $([ $fail = 0 ] && echo OK || echo FAILED)"
cat "$out/table.txt" 2>/dev/null
exit $fail
