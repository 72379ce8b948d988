#!/usr/bin/env bash
# A private S3-compatible server for tests: s3rver (npm), on 127.0.0.1 only.
#
#   scripts/s3.sh start DIR PORT [BUCKET] [--tls]
#                                           start s3rver with its data in DIR/data (wiped
#                                           first), BUCKET (default mlvc-test) created;
#                                           returns once it answers HTTP. --tls: https with
#                                           a new self-signed DIR/cert.pem for 127.0.0.1
#   scripts/s3.sh stop DIR                  stop it (by the pid in DIR/s3rver.pid); OK when
#                                           not running
#
# Credentials: s3rver's built-in account, access key S3RVER, secret S3RVER. It checks the
# access key (a wrong one gets 403) but not SigV4 signatures: the signer has its own tests.
# s3rver is installed by scripts/install-deps.sh into .tools/ of the checkout.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
s3rver="$root/.tools/node_modules/s3rver/bin/s3rver.js"

running() {  # running PIDFILE
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

answers() {  # answers PORT http|https: any HTTP answer counts
  node -e '
    const req = require(process.argv[2]).get({host: "127.0.0.1", port: Number(process.argv[1]), path: "/",
        timeout: 1000, rejectUnauthorized: false},
      res => { res.resume(); process.exit(0); });
    req.on("error", () => process.exit(1));
    req.on("timeout", () => { req.destroy(); process.exit(1); });' "$1" "$2"
}

cmd=${1:-}
case "$cmd" in
  start)
    dir=$(realpath -m "${2:?dir}"); port=${3:?port}; bucket=${4:-mlvc-test}; tls=${5:-}
    command -v node >/dev/null || { echo "s3.sh: node is not installed (scripts/install-deps.sh)" >&2; exit 1; }
    [ -f "$s3rver" ] || { echo "s3.sh: s3rver is not installed (run scripts/install-deps.sh)" >&2; exit 1; }
    mkdir -p "$dir"
    pidfile="$dir/s3rver.pid"
    if running "$pidfile"; then
      "$0" stop "$dir"
    fi
    rm -rf "$dir/data"
    mkdir -p "$dir/data"
    scheme=http; tls_args=()
    if [ "$tls" = --tls ]; then
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
      scheme=https; tls_args=(--key "$dir/key.pem" --cert "$dir/cert.pem")
    fi
    # node directly, not npx: stopping npx would leave its child holding the port.
    nohup node "$s3rver" -d "$dir/data" -a 127.0.0.1 -p "$port" --silent "${tls_args[@]}" \
      --configure-bucket "$bucket" >"$dir/s3rver.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 1 300); do
      if answers "$port" "$scheme"; then exit 0; fi
      if ! running "$pidfile"; then
        echo "s3.sh: s3rver exited; its log:" >&2; cat "$dir/s3rver.log" >&2; exit 1
      fi
      sleep 0.1
    done
    echo "s3.sh: s3rver did not answer on 127.0.0.1:$port within 30 s" >&2
    "$0" stop "$dir"; exit 1
    ;;
  stop)
    dir=$(realpath -m "${2:?dir}")
    pidfile="$dir/s3rver.pid"
    if running "$pidfile"; then
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    ;;
  *)
    sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
