#!/usr/bin/env bash
# Installs the Debian packages mlvc needs to build, run and test, but only those missing:
# on a machine that has them all this touches nothing (no apt-get update, no network).
# Runs as root, or as a normal user through sudo.
set -euo pipefail

packages=(
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libpqxx-dev libpq-dev postgresql libboost-dev libssl-dev libabsl-dev
  catch2 cmake ninja-build libcli11-dev nlohmann-json3-dev libzstd-dev ccache
  python3-botocore openssl libyaml-cpp-dev clang libclang-rt-14-dev systemd
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done

# Node.js and npm run s3rver, the S3-compatible server of the tests (scripts/s3.sh); the
# machine's nodejs package may come with its own npm, so Debian's npm only when none is there.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "install-deps: missing packages (${missing[*]}) and not root, no sudo: install them first" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# s3rver from npm into the checkout's .tools/ (git-ignored), only when missing.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
s3rver_version=3.7.1
if [ ! -f "$root/.tools/node_modules/s3rver/bin/s3rver.js" ]; then
  echo "install-deps: installing s3rver@$s3rver_version into .tools/"
  npm install --prefix "$root/.tools" --no-audit --no-fund --loglevel=error "s3rver@$s3rver_version"
else
  echo "install-deps: s3rver present"
fi
