#!/usr/bin/env bash
# Stops the Virtuoso that scripts/virtuoso/start.sh started in DATA_DIR (checkpoint + clean shutdown).
# Usage: scripts/virtuoso/stop.sh DATA_DIR [--purge]   (--purge also deletes the database files)
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 DATA_DIR [--purge]" >&2
  exit 2
fi
data_dir="$(cd "$1" && pwd)"
purge="${2:-}"

pid=""
if [ -f "$data_dir/virtuoso.lck" ]; then
  pid="$(sed -n 's/^VIRT_PID=//p' "$data_dir/virtuoso.lck")"
fi
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  # shellcheck disable=SC1091
  source "$data_dir/credentials.env"
  # shellcheck disable=SC1091
  source "$data_dir/endpoints.env"
  echo "shutdown;" | isql-vt "127.0.0.1:$TF_VIRTUOSO_SQL_PORT" dba "$TF_DBA_PASSWORD" >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "stop.sh: Virtuoso (pid $pid) ignored shutdown; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  echo "stop.sh: stopped Virtuoso pid $pid"
else
  echo "stop.sh: no Virtuoso running in $data_dir"
fi

if [ "$purge" = "--purge" ]; then
  rm -f "$data_dir"/virtuoso* "$data_dir"/credentials.env "$data_dir"/endpoints.env \
        "$data_dir"/start.out "$data_dir"/setup.out
  echo "stop.sh: purged database files in $data_dir"
fi
