#!/usr/bin/env bash
# Builds the whisper.cpp static libraries that voice/whisper (through the Go bindings
# github.com/ggerganov/whisper.cpp/bindings/go) links against, and installs them where
# gcc looks by default, so that plain `go build ./...` and `go test ./...` need no
# CGO_* or LIBRARY_PATH variables.
#
# Sources: the npm package whisper.rn (its cpp/ folder is whisper.cpp + ggml with the
# ggml symbols prefixed wsp_), pinned by version and SHA-512. Nothing fetched or built
# here is committed: sources go to third_party/ (ignored), objects and libraries to a
# per-user cache keyed by the pin and the compiler's view of this CPU, and the install
# is two static libraries plus headers.
#
# Usage: scripts/build-whisper.sh [--force]
#   WHISPER_SRC=DIR     build from DIR instead (a whisper.cpp checkout's root with
#                       include/ src/ ggml/, or a folder laid out like whisper.rn's cpp/)
#   WHISPER_PREFIX=DIR  install prefix (default /usr/local; gcc searches its include/ and lib/)
#   WHISPER_JOBS=N      parallel compiles (default: nproc)
# Safe to re-run: when the installed stamp matches, it prints one line and exits.
set -euo pipefail
cd "$(dirname "$0")/.."

PKG=whisper.rn
VERSION=0.7.4
SHA512=9MyWFoRmUWHDHLhjm4dZgZzxG2fFNuClOPE/Ne5KXlm0vSi4It5oS2xZi9WfPEfUGHcgPMiVviv9t18zC4BSNw==
PREFIX=${WHISPER_PREFIX:-/usr/local}
JOBS=${WHISPER_JOBS:-$(nproc 2>/dev/null || echo 2)}
CC=${CC:-gcc}
CXX=${CXX:-g++}
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

# -march=native: the libraries are built on the machine that runs them (setup runs
# on every machine and in CI). The key below changes when the CPU or compiler does.
ARCHFLAGS=${WHISPER_ARCHFLAGS:--march=native -mtune=native}
# OpenMP threads (libgomp) instead of ggml's own spinning thread pool: the Go
# bindings link with -fopenmp anyway, and libgomp stops spinning when the machine
# is oversubscribed, where ggml's pool stalls (see docs/voice.md).
OPENMP=${WHISPER_OPENMP:-1}
[[ $OPENMP == 1 ]] && ARCHFLAGS="$ARCHFLAGS -fopenmp"
cpukey=$({ $CC --version | head -1; $CC $ARCHFLAGS -Q --help=target 2>/dev/null | grep -E '^\s+-m(arch|tune|avx|fma|f16c|sse|bmi)' ; echo "$ARCHFLAGS"; } | sha256sum | cut -c1-12)
srckey="$PKG-$VERSION"
[[ -n "${WHISPER_SRC:-}" ]] && srckey="src-$(cd "$WHISPER_SRC" && pwd | sha256sum | cut -c1-12)"
KEY="$srckey-$cpukey"
STAMP_NAME=voicecmd-whisper.stamp

if [[ $FORCE == 0 && -z "${WHISPER_SRC:-}" && -f "$PREFIX/lib/$STAMP_NAME" && "$(cat "$PREFIX/lib/$STAMP_NAME")" == "$KEY" \
      && -f "$PREFIX/lib/libwhisper.a" && -f "$PREFIX/include/whisper.h" ]]; then
  echo "build-whisper: $KEY already installed in $PREFIX"
  exit 0
fi

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/voicecmd/whisper-$KEY
OUT=$CACHE/out
if [[ $FORCE == 1 || ! -f "$OUT/lib/libwhisper.a" ]]; then
  # 1. Sources.
  if [[ -n "${WHISPER_SRC:-}" ]]; then
    S=$(cd "$WHISPER_SRC" && pwd)
    if [[ -d "$S/ggml/src" ]]; then   # a whisper.cpp checkout: symbols are ggml_, not wsp_ggml_
      INC=(-I"$S/include" -I"$S/ggml/include" -I"$S/ggml/src" -I"$S/ggml/src/ggml-cpu")
      BASE=("$S"/ggml/src/{ggml.c,ggml.cpp,ggml-alloc.c,ggml-backend.cpp,ggml-backend-reg.cpp,ggml-opt.cpp,ggml-threading.cpp,ggml-quants.c,gguf.cpp})
      CPU=("$S"/ggml/src/ggml-cpu/{ggml-cpu.c,ggml-cpu.cpp,quants.c,traits.cpp,repack.cpp,unary-ops.cpp,binary-ops.cpp,vec.cpp,ops.cpp} "$S"/ggml/src/ggml-cpu/arch/x86/{quants.c,repack.cpp})
      WSRC=("$S/src/whisper.cpp")
      HDRS=("$S/include/whisper.h" "$S"/ggml/include/*.h)
      DEFS=(-DGGML_USE_CPU -DGGML_VERSION=\"0\" -DGGML_COMMIT=\"unknown\" -DWHISPER_VERSION=\"0\")
      [[ $OPENMP == 1 ]] && DEFS+=(-DGGML_USE_OPENMP)
    else
      S_CPP=$S
    fi
  else
    TP=third_party/$PKG-$VERSION
    if [[ ! -f "$TP/cpp/whisper.cpp" ]]; then
      mkdir -p third_party
      tmp=$(mktemp -d)
      trap 'rm -rf "$tmp"' EXIT
      echo "build-whisper: fetching $PKG@$VERSION"
      (cd "$tmp" && npm pack --silent "$PKG@$VERSION" >/dev/null)
      tgz=$(ls "$tmp"/*.tgz)
      got=$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)
      if [[ "$got" != "$SHA512" ]]; then
        echo "build-whisper: integrity mismatch for $PKG@$VERSION: got sha512-$got, want sha512-$SHA512" >&2
        exit 1
      fi
      rm -rf "$TP" && mkdir -p "$TP"
      tar -xzf "$tgz" -C "$TP" --strip-components=1 package/cpp package/LICENSE
    fi
    S_CPP=$(cd "$TP/cpp" && pwd)
  fi
  if [[ -n "${S_CPP:-}" ]]; then
    S=$S_CPP
    INC=(-I"$S" -I"$S/ggml-cpu")
    BASE=("$S"/{ggml.c,ggml.cpp,ggml-alloc.c,ggml-backend.cpp,ggml-backend-meta.cpp,ggml-backend-reg.cpp,ggml-backend-dl.cpp,ggml-opt.cpp,ggml-threading.cpp,ggml-quants.c,gguf.cpp})
    CPU=("$S"/ggml-cpu/{ggml-cpu.c,ggml-cpu.cpp,quants.c,traits.cpp,repack.cpp,unary-ops.cpp,binary-ops.cpp,vec.cpp,ops.cpp} "$S"/ggml-cpu/arch/x86/{quants.c,repack.cpp})
    WSRC=("$S/whisper.cpp")
    HDRS=("$S"/{whisper.h,ggml.h,ggml-cpu.h,ggml-backend.h,ggml-alloc.h})
    DEFS=(-DWSP_GGML_USE_CPU -DWSP_GGML_USE_CPU_REPACK -DGGML_USE_CPU)
    [[ $OPENMP == 1 ]] && DEFS+=(-DWSP_GGML_USE_OPENMP)
  fi

  # 2. Compile (objects in parallel through make), 3. archive.
  echo "build-whisper: compiling whisper.cpp ($KEY, $JOBS jobs; takes a few minutes once)"
  rm -rf "$CACHE" && mkdir -p "$CACHE/obj" "$OUT/lib" "$OUT/include"
  COMMON=(-O3 -DNDEBUG $ARCHFLAGS -fPIC -pthread -D_GNU_SOURCE -D_XOPEN_SOURCE=600 "${DEFS[@]}" "${INC[@]}" -w)
  common=$(printf '%q ' "${COMMON[@]}")
  mk=$CACHE/Makefile
  {
    echo ".PHONY: all"
    objs=()
    for f in "${BASE[@]}" "${CPU[@]}" "${WSRC[@]}"; do
      rel=${f#"$S"/}
      o="$CACHE/obj/${rel//\//_}.o"
      objs+=("$o")
      if [[ $f == *.c ]]; then
        printf '%s: %s\n\t%s -std=gnu11 %s -c %q -o %q\n' "$o" "$f" "$CC" "$common" "$f" "$o"
      else
        printf '%s: %s\n\t%s -std=gnu++17 %s -c %q -o %q\n' "$o" "$f" "$CXX" "$common" "$f" "$o"
      fi
    done
    echo "all: ${objs[*]}"
  } >"$mk"
  make -s -f "$mk" -j"$JOBS" all
  nb=$(( ${#BASE[@]} + ${#CPU[@]} ))
  gobjs=("${objs[@]:0:$nb}")
  wobjs=("${objs[@]:$nb}")
  # One archive holds all of ggml: ld rescans an archive until nothing new resolves,
  # which the bindings' order (-lwhisper -lggml -lggml-base -lggml-cpu) would not do
  # across three. ggml-base and ggml-cpu stay as empty archives so those -l flags resolve.
  ar rcs "$OUT/lib/libggml.a" "${gobjs[@]}"
  ar rcs "$OUT/lib/libwhisper.a" "${wobjs[@]}"
  for l in ggml-base ggml-cpu; do rm -f "$OUT/lib/lib$l.a"; ar rc "$OUT/lib/lib$l.a"; done
  cp "${HDRS[@]}" "$OUT/include/"
  rm -rf "$CACHE/obj" "$mk"
fi

# 4. Install. gcc searches $PREFIX/include and $PREFIX/lib by default for /usr/local,
# which is what lets the bindings package (its own cgo directives name no paths) build.
install_cmd=()
if [[ ! -w "$PREFIX" && $(id -u) != 0 ]]; then
  if command -v sudo >/dev/null; then install_cmd=(sudo); else
    echo "build-whisper: cannot write $PREFIX; set WHISPER_PREFIX to a folder you own and export" >&2
    echo "  C_INCLUDE_PATH=\$WHISPER_PREFIX/include LIBRARY_PATH=\$WHISPER_PREFIX/lib" >&2
    exit 1
  fi
fi
"${install_cmd[@]}" mkdir -p "$PREFIX/include" "$PREFIX/lib"
"${install_cmd[@]}" cp "$OUT"/include/*.h "$PREFIX/include/"
"${install_cmd[@]}" cp "$OUT"/lib/*.a "$PREFIX/lib/"
echo "$KEY" | "${install_cmd[@]}" tee "$PREFIX/lib/$STAMP_NAME" >/dev/null
echo "build-whisper: installed libwhisper.a, libggml*.a and headers into $PREFIX ($KEY)"
