#!/usr/bin/env bash
# One-time setup for a fresh Debian machine: system packages, whisper.cpp libraries,
# Go modules. Safe to re-run; each step skips work already done.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin

# System packages (one list; add a package here, with the reason, when a test needs it).
APT_PACKAGES=(
  build-essential pkg-config   # cgo, whisper.cpp build
  portaudio19-dev libasound2-dev alsa-utils  # microphone capture (voice)
  espeak-ng sox                # synthesized speech for tests and benchmarks
  xvfb xauth                   # Ebiten window in tests (xauth: xvfb-run needs it)
  libx11-dev libxrandr-dev libxcursor-dev libxinerama-dev libxi-dev libxxf86vm-dev libgl1-mesa-dev  # Ebiten (GLFW)
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm fetches the pinned whisper.cpp sources; the Debian image ships it, but be sure.
if ! command -v npm >/dev/null; then
  echo "setup: installing npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

# whisper.cpp static libraries for the Go bindings (voice/whisper).
if [[ -x scripts/build-whisper.sh ]]; then
  scripts/build-whisper.sh
fi

go mod download
