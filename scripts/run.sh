#!/usr/bin/env bash
# THE run command: a local mlvc server and a short demo, all under ./var.
#
#   scripts/run.sh        install missing packages, build mlvcd and mlvc, start Postgres
#                         (./var/pg, port 5544), migrate, start mlvcd on 127.0.0.1:7070,
#                         create an admin (token in ./var/admin-token), run a demo
#   scripts/run.sh stop   stop mlvcd and Postgres
#
# Re-running is safe: the database, blobs and admin token are kept; mlvcd is restarted on the
# freshly built binary and the demo working copy is checked out again.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
var="$root/var"
pg_port=5544
listen=127.0.0.1:7070
db_uri=$(bash scripts/pg.sh uri "$pg_port")

stop_mlvcd() {
  if [ -f "$var/mlvcd.pid" ]; then
    local pid
    pid=$(cat "$var/mlvcd.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
      echo "run.sh: stopped mlvcd (pid $pid)"
    fi
    rm -f "$var/mlvcd.pid"
  fi
}

if [ "${1:-}" = stop ]; then
  stop_mlvcd
  bash scripts/pg.sh stop "$var/pg"
  echo "run.sh: stopped Postgres ($var/pg)"
  exit 0
elif [ $# -gt 0 ]; then
  sed -n '2,10p' "$0" >&2; exit 2
fi

bash scripts/install-deps.sh

# The same configuration as scripts/test.sh's normal build, so the two share build/ and ccache.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
cmake -G Ninja -S "$root" -B "$root/build" -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DMLVC_TEST_PG_PORT="${MLVC_TEST_PG_PORT:-55432}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$root/build" mlvcd mlvc
find_bin() {
  find "$root/build" -type f -name "$1" -perm -u+x -not -path '*/CMakeFiles/*' | head -n 1
}
mlvcd=$(find_bin mlvcd); mlvc=$(find_bin mlvc)
[ -n "$mlvcd" ] && [ -n "$mlvc" ] || { echo "run.sh: built binaries not found under build/" >&2; exit 1; }

mkdir -p "$var/blobs" "$var/home"
bash scripts/pg.sh start "$var/pg" "$pg_port"
"$mlvcd" migrate --db "$db_uri"

stop_mlvcd
nohup "$mlvcd" serve --db "$db_uri" --blobs "$var/blobs" --listen "$listen" </dev/null >>"$var/mlvcd.log" 2>&1 &
echo $! >"$var/mlvcd.pid"
disown || true

# The demo never touches the user's own configuration.
export HOME="$var/home"
unset XDG_CONFIG_HOME MLVC_TOKEN MLVC_SERVER

# Up when it answers an RPC: a bogus token gets "not logged in" (3), never "unreachable" (7).
up=0
for _ in $(seq 150); do
  kill -0 "$(cat "$var/mlvcd.pid")" 2>/dev/null || break
  rc=0; MLVC_TOKEN=probe "$mlvc" repo list --server "$listen" >/dev/null 2>&1 || rc=$?
  if [ "$rc" != 7 ]; then up=1; break; fi
  sleep 0.2
done
if [ "$up" != 1 ]; then
  echo "run.sh: mlvcd did not start; last lines of $var/mlvcd.log:" >&2
  tail -n 20 "$var/mlvcd.log" >&2
  exit 1
fi
echo "run.sh: mlvcd is serving on $listen (pid $(cat "$var/mlvcd.pid"), log $var/mlvcd.log)"

if [ ! -s "$var/admin-token" ]; then
  out=$("$mlvcd" admin create-user admin --admin --db "$db_uri" 2>&1) ||
    out=$("$mlvcd" admin create-user "admin-$(date +%s)" --admin --db "$db_uri")
  (umask 077; printf '%s\n' "$out" | tail -n 1 >"$var/admin-token")
fi
chmod 600 "$var/admin-token"
token=$(cat "$var/admin-token")
echo "run.sh: admin token: $token"

echo "=== demo (HOME=$HOME)"
demo() { echo "\$ mlvc$(printf ' %q' "$@")"; "$mlvc" "$@"; }
rm -rf "$var/demo"; mkdir -p "$var/demo"; cd "$var/demo"
demo login "$listen" --token "$token"
if ! "$mlvc" repo list --server "$listen" | grep -qx demo; then
  demo repo create demo --server "$listen"
fi
demo checkout "$listen/demo"
cd demo
mkdir -p config
printf 'learning_rate: 0.0003\nbatch_size: 64\nrun: %s\n' "$(date -u +%FT%TZ)" >config/train.yaml
printf 'import sys\nprint("training", sys.argv[1:])\n' >train.py
demo add config train.py
demo status
demo commit -m "Demo: training script and config ($(date -u +%FT%TZ))"
demo log -n 3
# The ML record: what CI does after training, then the questions it answers.
printf 'torch==2.1.0\nnumpy==1.26.0\n' >requirements.txt
printf '{"accuracy": 0.91, "loss": [0.9, 0.6, 0.4]}\n' >metrics.json
mkdir -p models
printf 'weights trained at %s\n' "$(date -u +%FT%TZ)" >models/model.bin
demo push-model models/model.bin -m "Demo: a trained model" --params config/train.yaml \
  --metrics metrics.json --env requirements.txt --env-var gpu=none
demo explain models/model.bin

cat <<EOT

mlvc is running.
  server    $listen   (log: $var/mlvcd.log)
  admin     token in $var/admin-token
  demo      working copy in $var/demo/demo

Use it from anywhere (mlvc is $mlvc):
  mlvc login $listen --token \$(cat $var/admin-token)
  mlvc repo create NAME
  mlvc checkout $listen/NAME
  cd NAME; mlvc add FILES; mlvc status; mlvc commit -m MESSAGE; mlvc update; mlvc log
  mlvc help

Stop it with:   scripts/run.sh stop
EOT
