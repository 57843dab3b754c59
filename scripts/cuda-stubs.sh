#!/usr/bin/env bash
# Puts cuda.h and the libcuda link stub into third_party/cuda (ignored by git), so that
# cgo can compile and link the `cuda` build tag on a machine without the NVIDIA driver
# or toolkit. Both files come from Debian's nvidia-cuda-dev package (non-free): if it is
# installed they are copied, else the .deb is fetched with `apt-get download` through a
# private apt state (the system's sources stay untouched) and only these two files are
# extracted with dpkg-deb; nothing is installed. The stub only satisfies the linker:
# binaries link against libcuda.so.1, which the driver provides where they run.
#
# Usage: scripts/cuda-stubs.sh            # prints the directory it filled
#        eval "$(scripts/cuda-stubs.sh --env)"   # exports CGO_CFLAGS / CGO_LDFLAGS
set -euo pipefail
cd "$(dirname "$0")/.."
dest="$PWD/third_party/cuda"
inc="usr/include/cuda.h"
stub="usr/lib/x86_64-linux-gnu/stubs/libcuda.so"

if [[ ! -f "$dest/include/cuda.h" || ! -f "$dest/lib/libcuda.so" ]]; then
  mkdir -p "$dest/include" "$dest/lib"
  if [[ -f "/$inc" && -f "/$stub" ]] && dpkg-query -W -f='${Status}' nvidia-cuda-dev 2>/dev/null | grep -q "install ok installed"; then
    cp "/$inc" "$dest/include/cuda.h"
    cp "/$stub" "$dest/lib/libcuda.so"
  else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$work/lists/partial" "$work/cache/partial"
    . /etc/os-release
    echo "deb http://deb.debian.org/debian ${VERSION_CODENAME:-bookworm} non-free" >"$work/sources.list"
    apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
    echo "cuda-stubs: fetching nvidia-cuda-dev (~770 MB) for cuda.h and the libcuda stub" >&2
    apt-get "${apt_opts[@]}" -qq update
    (cd "$work" && apt-get "${apt_opts[@]}" -qq download nvidia-cuda-dev)
    dpkg-deb --fsys-tarfile "$work"/nvidia-cuda-dev_*.deb | tar -x -C "$work" "./$inc" "./$stub"
    cp "$work/$inc" "$dest/include/cuda.h"
    cp "$work/$stub" "$dest/lib/libcuda.so"
  fi
fi

if [[ "${1:-}" == "--env" ]]; then
  echo "export CGO_ENABLED=1 CGO_CFLAGS='-I$dest/include' CGO_LDFLAGS='-L$dest/lib'"
else
  echo "$dest"
fi
