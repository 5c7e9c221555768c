#!/usr/bin/env bash
# Installs what building and testing the appliance needs on Debian 12, as root. Safe to run again:
# packages already present are not fetched twice.
set -euo pipefail

# cr-sqlite's bindgen step (libclang), its build (make, patch, gcc) and the smoke test of the
# built extension (sqlite3); gpsd and gpsfake for the GPS tests (gpsd, gpsd-clients); pdftotext
# for the tests that read back the PDFs the appliance writes (poppler-utils); the officer's screen
# (Slint: fontconfig, the DejaVu fonts it embeds, Xvfb for the real window in tests) and the
# audible alert (rodio through ALSA; sox measures what the tests capture); the fonts the
# synthetic plate renderer draws with (images/src/synth/fonts.rs).
packages=(build-essential pkg-config clang libclang-dev make patch sqlite3 ca-certificates
  gpsd gpsd-clients poppler-utils libfontconfig-dev fonts-dejavu-core xvfb xauth
  libasound2-dev alsa-utils sox
  fonts-dejavu-extra fonts-liberation fonts-roboto-unhinted fonts-opendin fonts-urw-base35
  fonts-freefont-ttf)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# cr-sqlite's source comes by `npm pack`. Any npm will do: a machine with Node.js from elsewhere
# (whose nodejs package ships npm) must not get Debian's npm, which conflicts with it.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run as root, or install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: no cargo on PATH. The workspace needs Rust 1.91 or newer (Debian 12's own rustc is" >&2
  echo "       too old): install it with rustup, then run this again." >&2
  exit 1
fi
