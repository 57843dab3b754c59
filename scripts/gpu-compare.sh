#!/usr/bin/env bash
# Kernel comparison for a GPU machine (driver, no Go), from the binaries that
# scripts/gpu-check-build.sh put in .gpubin/ (this script is copied there): the
# benchmark table of the old kernel (v1), then for each candidate kernel
# (VOICECMD_CUDA_KERNEL) its parity tests and, if they pass, its table; the old
# kernel's table again last (clock drift shows as a difference between the two).
# Everything goes to one log and one table file in OUTDIR (default $OUT, else
# /tmp/gpu-compare).
#   .gpubin/gpu-compare.sh [OUTDIR] [CANDIDATES (default "v5 v6")]
set -uo pipefail
bin="$(cd "$(dirname "$0")" && pwd)"
out="${1:-${OUT:-/tmp/gpu-compare}}"
cands="${2:-v5 v6}"
mkdir -p "$out"
t="$bin/cuda.test"
log="$out/compare.log"
tab="$out/tables.txt"
: >"$log"
: >"$tab"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee -a "$log"
table() { # kernel
  VOICECMD_CUDA_KERNEL=$1 timeout 60 "$t" -test.run 'TestBenchTable' -test.v -cuda.table -cuda.tableout "$out/t.txt" >>"$log" 2>&1 ||
    echo "table $1: failed (see compare.log)"
  cat "$out/t.txt" >>"$tab" 2>/dev/null
  rm -f "$out/t.txt"
}
table v1
for k in $cands; do
  s=$(date +%s)
  # the kernel's parity (random weights, three configs) gates its table; the dev-set
  # test also needs examples/monstertrainer/model.vcw to match commands.vcg, which
  # other work can break, so it is reported but does not gate
  VOICECMD_CUDA_KERNEL=$k timeout 120 "$t" -test.v -test.count=1 \
    -test.run 'TestLayout|TestDecodeParity|TestFillParity|TestPending|TestBadInput' >"$out/p.log" 2>&1
  rc=$?
  VOICECMD_CUDA_KERNEL=$k timeout 60 "$t" -test.v -test.count=1 -test.run 'TestDevSetParity' >"$out/d.log" 2>&1
  drc=$?
  { echo "== parity $k (rc $rc, dev set rc $drc, $(($(date +%s) - s)) s)"; cat "$out/p.log" "$out/d.log"; } >>"$log"
  echo "parity $k: rc $rc, $(grep -c -- '--- PASS' "$out/p.log") pass, $(grep -c -- '--- FAIL' "$out/p.log") fail, $(grep -c -- '--- SKIP' "$out/p.log") skip; dev set rc $drc; $(($(date +%s) - s)) s"
  grep -E -- '--- FAIL|panic|batch 70|n=200' "$out/p.log" | head -8
  grep -E -- '--- FAIL|dev set|cuda_test' "$out/d.log" | head -3
  rm -f "$out/p.log" "$out/d.log"
  if [ $rc = 0 ]; then table $k; else echo "table $k: skipped (parity failed)"; fi
done
table v1
cat "$tab"
# optional: Nsight Compute instruction and scheduler statistics of one kernel at
# batch 1, K=2 (NCU_KERNEL=v5 ...)
if [ -n "${NCU_KERNEL:-}" ]; then
  ncu=$(command -v ncu || ls /usr/local/cuda*/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
  if [ -n "$ncu" ]; then
    VOICECMD_CUDA_KERNEL=$NCU_KERNEL timeout "${NCU_TIMEOUT:-40}" "$ncu" --clock-control none -k regex:vc_fill --launch-skip 20 -c 1 \
      --section SpeedOfLight --section WarpStateStats --section SchedulerStats --section InstructionStats \
      "$t" -test.run '^$' -test.bench 'BenchmarkFill1K2$' -test.benchtime 40x >"$out/ncu.txt" 2>&1
    echo "== ncu $NCU_KERNEL BenchmarkFill1K2"
    grep -E "Duration|Issued Warp Per Scheduler|Warp Cycles Per Issued|Executed Instructions  |Eligible Warps|No Eligible" "$out/ncu.txt" | sed 's/  */ /g'
  fi
fi
