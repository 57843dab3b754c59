#!/usr/bin/env bash
# Static numbers for the fill kernel, no GPU needed (needs nvcc: Debian's
# nvidia-cuda-toolkit, non-free): compiles internal/cuda/kernels/fill.cu for an
# sm_90 (H100/H200) in both builds — CUDA-core products (VC_MMA=0, what the
# compute_52 PTX becomes) and tensor-core products (VC_MMA=1, the compute_80 PTX)
# — and prints ptxas' registers and spills, then the matrix-product inner loops
# of the SASS: instructions per iteration and per 1024 useful multiply-adds (an
# FFMA is 32 of them per warp; three HMMA.1688.TF32 make one 16×8×8 tile, 1024).
# Fewer instructions per multiply-add is what batch 1024 needs (it is issue-bound,
# docs/gpu.md); it says nothing about latency, which batch 1 is bound by.
#   scripts/kernel-stats.sh [ARCH]     (default sm_90)
set -euo pipefail
cd "$(dirname "$0")/.."
arch="${1:-sm_90}"
command -v nvcc >/dev/null || { echo "kernel-stats: no nvcc; apt-get install nvidia-cuda-toolkit (Debian non-free)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for mma in 0 1; do
  name=$([ $mma = 1 ] && echo "tensor-core products (VC_MMA=1)" || echo "CUDA-core products (VC_MMA=0)")
  echo "== $arch, $name"
  nvcc -cubin -arch="$arch" -O3 -DVC_MMA=$mma -Xptxas -v -o "$tmp/k$mma.cubin" internal/cuda/kernels/fill.cu 2>&1 |
    awk '/Function properties for/ {f=$NF; sub(/^_Z[0-9]+/, "", f); sub(/P.*$/, "", f); next}
         /spill/ {sub(/^ +/, ""); printf "  %-10s %s\n", f, $0}
         /Used [0-9]+ registers/ {sub(/^.*: /, ""); printf "  %-10s %s\n", "", $0}'
  cuobjdump -sass "$tmp/k$mma.cubin" >"$tmp/k$mma.sass"
  python3 - "$tmp/k$mma.sass" <<'EOF'
import re, sys
ins = []
for line in open(sys.argv[1]):
    m = re.match(r'\s+/\*([0-9a-f]{4,})\*/\s+(.*?)\s*;', line)
    if m:
        ins.append((int(m.group(1), 16), m.group(2)))
at = {a: i for i, (a, _) in enumerate(ins)}
loops = []
for i, (a, text) in enumerate(ins):
    m = re.search(r'\bBRA (0x[0-9a-f]+)', text)
    if not m or int(m.group(1), 16) >= a or int(m.group(1), 16) not in at:
        continue
    body = [t for _, t in ins[at[int(m.group(1), 16)]:i + 1]]
    if len(body) > 400 or any(re.search(r'\bBRA\b', t) and int(re.search(r'BRA (0x[0-9a-f]+)', t).group(1), 16) < a
                              for t in body[:-1] if re.search(r'BRA (0x[0-9a-f]+)', t)):
        continue  # not an innermost loop
    op = lambda t: re.sub(r'^@!?U?P\w+\s+', '', t).split()[0].split('.')[0]
    ops = [op(t) for t in body]
    ffma, hmma = ops.count('FFMA'), ops.count('HMMA')
    fmas = 32 * ffma + 1024 * hmma // 3
    if fmas >= 256:
        loops.append((fmas, len(body), ffma, hmma, sum(o in ('LDS', 'LDG', 'LD', 'LDL') for o in ops)))
loops.sort(key=lambda l: -l[0])
print("  product inner loops (innermost, >= 256 multiply-adds per iteration):")
print("  %8s %6s %5s %5s %6s %s" % ("madd/it", "instr", "FFMA", "HMMA", "loads", "instr per 1024 madd"))
for fmas, n, ffma, hmma, loads in loops:
    print("  %8d %6d %5d %5d %6d %8.1f" % (fmas, n, ffma, hmma, loads, 1024.0 * n / fmas))
EOF
done
