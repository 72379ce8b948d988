#!/usr/bin/env bash
# A private PostgreSQL server for mlvc: never the system cluster, never systemd.
#
#   scripts/pg.sh start DATA_DIR PORT [--fast]   initdb when DATA_DIR is new, start on
#                                                127.0.0.1:PORT, create role+database "mlvc"
#   scripts/pg.sh stop DATA_DIR                  fast shutdown; OK when not running
#   scripts/pg.sh uri PORT                       prints the connection URI
#
# --fast turns fsync and synchronous_commit off: for throwaway test servers only.
# Works as root (runs the server as user "postgres") or as an ordinary user.
set -euo pipefail

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || { echo "pg.sh: PostgreSQL server binaries not found (install postgresql)" >&2; exit 1; }
  echo "$dir"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

cmd=${1:-}
case "$cmd" in
  start)
    data=$(realpath -m "${2:?data dir}"); port=${3:?port}; fast=${4:-}
    bin=$(pg_bin)
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$data"; chmod 700 "$data"; fi
    # A parent folder that user postgres cannot enter would stop the server from starting.
    if [ "$(id -u)" = 0 ]; then
      d=$(dirname "$data"); while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
      {
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $port"
        echo "unix_socket_directories = '$data'"
        echo "max_connections = 200"
        if [ "$fast" = --fast ]; then
          echo "fsync = off"; echo "synchronous_commit = off"; echo "full_page_writes = off"
        fi
      } | as_owner tee -a "$data/postgresql.conf" >/dev/null
    fi
    if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      # The port on the command line: a folder made earlier for another port serves this one.
      as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -o "-p $port" -w -t 60 start >/dev/null
    fi
    psql_() { "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
    if [ "$(psql_ -c "SELECT 1 FROM pg_roles WHERE rolname='mlvc'")" != 1 ]; then
      psql_ -c "CREATE ROLE mlvc LOGIN SUPERUSER"
    fi
    if [ "$(psql_ -c "SELECT 1 FROM pg_database WHERE datname='mlvc'")" != 1 ]; then
      psql_ -c "CREATE DATABASE mlvc OWNER mlvc"
    fi
    ;;
  stop)
    data=$(realpath -m "${2:?data dir}")
    bin=$(pg_bin)
    if [ -f "$data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  uri)
    echo "postgresql://mlvc@127.0.0.1:${2:?port}/mlvc"
    ;;
  *)
    sed -n '2,10p' "$0" >&2; exit 2 ;;
esac
