#!/usr/bin/env bash
# Installs the Debian packages that `make test` needs beyond Python, when they are missing: chromium (the browser
# tests), man-db, groff-base, manpages and manpages-de (the eval haystack of real man pages), debian-reference-de and
# debian-reference-en (the heading probe of make eval, evals/headings.py). Needs root for
# apt-get; without it, says what to install and fails.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
for pkg in man-db groff-base manpages manpages-de debian-reference-de debian-reference-en; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "make test needs these Debian packages: ${need[*]}" >&2
  echo "install them with: sudo apt-get install ${need[*]}   (then run make test again)" >&2
  exit 1
fi
echo "== installing Debian packages for the tests: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }; then
  echo "could not install ${need[*]} with apt-get; install them by hand and run make test again" >&2
  exit 1
fi
