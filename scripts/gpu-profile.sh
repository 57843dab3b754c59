#!/usr/bin/env bash
# Optional GPU profiling (no Go needed): Nsight Compute on one fill kernel at batch 1
# and at batch 1024, from the test binary gpu-check-build.sh put in .gpubin/.
# Prints speed-of-light, warp stall reasons and scheduler statistics; full reports in
# OUTDIR (default $OUT, else /tmp/gpu-profile). Leaves the clocks alone.
#   .gpubin/gpu-profile.sh [OUTDIR]
set -uo pipefail
bin="$(cd "$(dirname "$0")" && pwd)"
out="${1:-${OUT:-/tmp/gpu-profile}}"
mkdir -p "$out"
ncu=$(command -v ncu || ls /usr/local/cuda*/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[ -n "$ncu" ] || { echo "no ncu on this machine"; exit 1; }
for b in 1K2 1024K2; do
  timeout 200 "$ncu" --clock-control none -k regex:vc_fill --launch-skip 20 -c 1 \
    --section SpeedOfLight --section WarpStateStats --section SchedulerStats --section Occupancy \
    --section LaunchStats --section InstructionStats --section MemoryWorkloadAnalysis --section SourceCounters \
    "$bin/cuda.test" -test.run '^$' -test.bench "BenchmarkFill$b\$" -test.benchtime 40x >"$out/ncu-$b.txt" 2>&1
  echo "== ncu BenchmarkFill$b"
  grep -E "Duration|SM Frequency|Compute \(SM\) Throughput|Memory Throughput|Stall|Warp Cycles Per Issued|Issued Warp Per Scheduler|No Eligible|Achieved Occupancy|Registers Per|Shared Memory Config|Dynamic Shared|L1/TEX Hit|L2 Hit|Executed Instructions  |Block Limit" "$out/ncu-$b.txt" | sed 's/  */ /g' | head -40
done
