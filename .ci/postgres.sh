#!/usr/bin/env bash
# Install PostgreSQL from Debian if needed, start a throwaway server on loopback, print its URL.
# Usage: eval "$(bash .ci/postgres.sh)"  -> exports CORRIDOR_TEST_POSTGRES_URL and PGDATA_CORRIDOR
set -euo pipefail
PORT="${CORRIDOR_PG_PORT:-55432}"
if [ -z "${CORRIDOR_PG_PORT:-}" ] && ! python3 -c "import socket; socket.create_server(('127.0.0.1', $PORT)).close()" 2>/dev/null; then
  # the default port is taken (another server on this machine): use a free one
  PORT="$(python3 -c "import socket; s = socket.create_server(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")"
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) 1>&2
fi
BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")"
DATA="$(mktemp -d /tmp/corridor-pg.XXXXXX)"
chown postgres:postgres "$DATA"
runuser -u postgres -- "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
runuser -u postgres -- "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
  -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=${CORRIDOR_PG_FSYNC:-off}" start >/dev/null
runuser -u postgres -- "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres corridor_test
echo "export CORRIDOR_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PORT/corridor_test"
echo "export CORRIDOR_PG_STOP='runuser -u postgres -- $BIN/pg_ctl -D $DATA -m fast stop'"
