#!/usr/bin/env bash
# Where the fill kernel's instructions go (no Go needed): Nsight Compute's per-SASS-
# instruction execution counts for one fill at batch 1 and at batch 1024, from the
# test binary that gpu-check-build.sh put in .gpubin/, as CSV (one file per batch
# size, tarred into OUTDIR/sass-counts.tgz). scripts/sass-breakdown.go sums them
# per kernel function (mm, attention, layerNorm, ...). Leaves the clocks alone.
#   .gpubin/gpu-sass-counts.sh [OUTDIR]
set -uo pipefail
bin="$(cd "$(dirname "$0")" && pwd)"
out="${1:-${OUT:-/tmp/gpu-sass}}"
work=$(mktemp -d)
ncu=$(command -v ncu || ls /usr/local/cuda*/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[ -n "$ncu" ] || { echo "no ncu on this machine"; exit 1; }
for b in 1K2 1024K2; do
  timeout 200 "$ncu" --clock-control none -k regex:vc_fill --launch-skip 20 -c 1 --section SourceCounters \
    --section SpeedOfLight -f -o "$work/r$b" \
    "$bin/cuda.test" -test.run '^$' -test.bench "BenchmarkFill$b\$" -test.benchtime 40x >"$work/ncu-$b.log" 2>&1
  "$ncu" -i "$work/r$b.ncu-rep" --page source --csv --print-source sass >"$work/sass-$b.csv" 2>"$work/sass-$b.err"
  echo "== $b: $(wc -l <"$work/sass-$b.csv") SASS rows; $(head -c 300 "$work/sass-$b.err")"
  head -3 "$work/sass-$b.csv" | cut -c1-300
done
mkdir -p "$out"
tar -C "$work" -czf "$out/sass-counts.tgz" .
