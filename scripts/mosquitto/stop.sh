#!/usr/bin/env bash
# Stops the Mosquitto that scripts/mosquitto/start.sh started in DATA_DIR.
# Usage: scripts/mosquitto/stop.sh DATA_DIR [--purge]   (--purge also deletes accounts and data)
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 DATA_DIR [--purge]" >&2
  exit 2
fi
data_dir="$(cd "$1" && pwd)"
purge="${2:-}"

pid=""
[ -f "$data_dir/mosquitto.pid" ] && pid="$(cat "$data_dir/mosquitto.pid")"
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "stop.sh: Mosquitto (pid $pid) ignored SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  echo "stop.sh: stopped Mosquitto pid $pid"
else
  echo "stop.sh: no Mosquitto running in $data_dir"
fi
rm -f "$data_dir/mosquitto.pid"

if [ "$purge" = "--purge" ]; then
  rm -rf "$data_dir/devices"
  rm -f "$data_dir"/mosquitto.conf "$data_dir"/mosquitto.log "$data_dir"/mosquitto.db \
        "$data_dir"/passwd "$data_dir"/acl "$data_dir"/credentials.env "$data_dir"/endpoint.env
  echo "stop.sh: purged broker files in $data_dir"
fi
