#!/usr/bin/env bash
# Side-by-side benchmark of mlvc against Subversion, git and the machine's limits.
#
#   tests/bench/run.sh [--quick|--full] [--json FILE] [--build-dir DIR] [--repeat N] [--keep]
#
#   --quick (default)  64 MiB file, 1,000 small files, 256 MiB for the memory case (~2 min)
#   --full             1 GiB file, 10,000 small files, 4 GiB for the memory case; needs about
#                      4x the big sizes free under the temp folder (TMPDIR or --work-dir)
#   --build-dir DIR    where mlvcd and mlvc were built (default: build/, RelWithDebInfo)
#
# Installs its peers when missing (subversion, git; apt, as root or through sudo), then runs
# tests/bench/run.py, which starts private Postgres, mlvcd, svnserve and git daemon on
# 127.0.0.1 and free ports, prints the table and stops them all. Targets are reported, not
# asserted; see run.py for how each figure is measured.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

missing=()
command -v svnserve >/dev/null 2>&1 || missing+=(subversion)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: installing ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "bench: ${missing[*]} missing and not root, no sudo: install them first" >&2
    exit 2
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

exec python3 "$here/run.py" "$@"
