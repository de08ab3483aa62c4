#!/usr/bin/env bash
# Database failure drill: PostgreSQL stops for a while under load and comes back; the portal must
# answer only its clear 503 page meanwhile, be fully back within 5 s, and never restart.
#
# By default the drill never touches the machine's PostgreSQL: it makes a PostgreSQL instance of
# its own (initdb in a temporary directory, on 127.0.0.1:DRILL_PG_PORT, run as the postgres user
# when started as root), loads the demo into it (migrate + load_demo), serves the portal from it
# as in production (DEBUG off, gunicorn with WORKERS workers, on 127.0.0.1:DRILL_PORT), and runs
# bench/db_drill.py: client threads request a search (a query every time), an officer's
# dashboard, the cached home page and /healthz, while the instance is stopped (pg_ctl stop -m
# fast), kept down DRILL_DOWN_SECONDS and started again (pg_ctl start -w). Every response is
# recorded; the checks and figures are db_drill.py's. The instance and its files are removed at
# the end (DRILL_KEEP=1 keeps the directory), gunicorn is stopped.
#
#   bench/db_restart_drill.sh
#   DRILL_DOWN_SECONDS=20 DRILL_CLIENTS=8 bench/db_restart_drill.sh
# Knobs: DRILL_PG_PORT=5433 DRILL_PORT=8079 WORKERS=2 DRILL_BEFORE_SECONDS=5
# DRILL_DOWN_SECONDS=10 DRILL_AFTER_SECONDS=10 DRILL_CLIENTS=4 DRILL_PG_BIN (default: the newest
# /usr/lib/postgresql/*/bin). To drill a server you may restart instead of a side instance, give
# DRILL_DATABASE_URL (an existing database with the demo loaded), DRILL_STOP_CMD and
# DRILL_START_CMD (each must return once the server is down / accepting connections).
# Exit status 0 when every check is met (PASS), 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN=${DRILL_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_PORT=${DRILL_PG_PORT:-5433}
PORT=${DRILL_PORT:-8079}
WORKERS=${WORKERS:-2}
HOST=127.0.0.1
BASE="http://$HOST:$PORT"
PY=.venv/bin/python
WORK=$(mktemp -d /tmp/db-drill.XXXXXX)
chmod 755 "$WORK"
PGDATA_DIR="$WORK/pgdata"
GUNICORN=
SIDE_INSTANCE=

[ -x "$PY" ] || { echo "No virtualenv: run make setup first." >&2; exit 1; }

as_postgres() {  # initdb and pg_ctl refuse to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  if [ -n "$GUNICORN" ]; then kill "$GUNICORN" 2>/dev/null || true; wait "$GUNICORN" 2>/dev/null || true; fi
  if [ -n "$SIDE_INSTANCE" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ "${DRILL_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

if [ -n "${DRILL_DATABASE_URL:-}" ]; then
  : "${DRILL_STOP_CMD:?with DRILL_DATABASE_URL, give DRILL_STOP_CMD too}"
  : "${DRILL_START_CMD:?with DRILL_DATABASE_URL, give DRILL_START_CMD too}"
  export DATABASE_URL=$DRILL_DATABASE_URL
  STOP_CMD=$DRILL_STOP_CMD
  START_CMD=$DRILL_START_CMD
  echo "== database $DATABASE_URL (stopped with: $STOP_CMD)"
else
  [ -x "$PG_BIN/initdb" ] || { echo "No PostgreSQL server binaries (initdb) in $PG_BIN: set DRILL_PG_BIN." >&2; exit 1; }
  if pg_isready -q -h "$HOST" -p "$PG_PORT"; then
    echo "Something already answers on $HOST:$PG_PORT: choose another DRILL_PG_PORT." >&2
    exit 1
  fi
  echo "== a PostgreSQL instance of its own: $PG_BIN, $HOST:$PG_PORT, $PGDATA_DIR"
  mkdir -p "$PGDATA_DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA_DIR"
  as_postgres "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; exit 1; }
  PG_CTL=("$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log")
  PG_OPTIONS="-p $PG_PORT -k $PGDATA_DIR -c listen_addresses=$HOST"
  printf -v START_CMD '%q ' "${PG_CTL[@]}" -o "$PG_OPTIONS" -w start
  printf -v STOP_CMD '%q ' "${PG_CTL[@]}" -m fast -w stop
  if [ "$(id -u)" = 0 ]; then START_CMD="runuser -u postgres -- $START_CMD"; STOP_CMD="runuser -u postgres -- $STOP_CMD"; fi
  eval "$START_CMD" >/dev/null
  SIDE_INSTANCE=1
  createdb -h "$HOST" -p "$PG_PORT" -U postgres portal_drill
  export DATABASE_URL="postgres://postgres@$HOST:$PG_PORT/portal_drill"
  echo "== the demo into $DATABASE_URL"
  DEBUG=true LOG_LEVEL=WARNING "$PY" manage.py migrate --no-input -v0 >"$WORK/setup.log" 2>&1 \
    || { cat "$WORK/setup.log" >&2; exit 1; }
  DEBUG=true LOG_LEVEL=WARNING "$PY" manage.py load_demo >>"$WORK/setup.log" 2>&1 \
    || { cat "$WORK/setup.log" >&2; exit 1; }
fi

export DEBUG=false TESTING=0 SECRET_KEY="drill-only-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ALLOWED_HOSTS=$HOST SECURE_SSL_REDIRECT=false STATIC_ROOT="$WORK/static" LOG_LEVEL=WARNING
"$PY" manage.py collectstatic --no-input -v0 >"$WORK/static.log" 2>&1 || { cat "$WORK/static.log" >&2; exit 1; }

echo "== gunicorn on $BASE ($WORKERS workers)"
.venv/bin/gunicorn hanoi_ict.wsgi --workers "$WORKERS" --bind "$HOST:$PORT" --log-level info \
  >"$WORK/gunicorn.log" 2>&1 &
GUNICORN=$!
for _ in $(seq 1 50); do
  curl -sf -o /dev/null "$BASE/healthz" && break
  sleep 0.2
done
curl -sf -o /dev/null "$BASE/healthz" || { echo "gunicorn did not start:" >&2; cat "$WORK/gunicorn.log" >&2; exit 1; }
sleep 1  # every worker booted

echo "== drill: ${DRILL_BEFORE_SECONDS:-5} s under load, database down ${DRILL_DOWN_SECONDS:-10} s, ${DRILL_AFTER_SECONDS:-10} s after ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
status=0
"$PY" bench/db_drill.py --base "$BASE" --gunicorn-pid "$GUNICORN" \
  --stop-cmd "$STOP_CMD" --start-cmd "$START_CMD" \
  --before "${DRILL_BEFORE_SECONDS:-5}" --down "${DRILL_DOWN_SECONDS:-10}" \
  --after "${DRILL_AFTER_SECONDS:-10}" --clients "${DRILL_CLIENTS:-4}" || status=$?

# What gunicorn itself said: a worker timeout, crash or reboot would show here.
restarts=$(grep -cE "WORKER TIMEOUT|Worker exiting|Booting worker|exited with code|Shutting down" "$WORK/gunicorn.log" || true)
booted=$(grep -c "Booting worker" "$WORK/gunicorn.log" || true)
echo "gunicorn log: $booted workers booted (at start: $WORKERS expected); $((restarts - booted)) worker timeouts, exits or shutdowns"
if [ "$booted" != "$WORKERS" ] || [ "$((restarts - booted))" != 0 ]; then
  grep -E "WORKER TIMEOUT|Worker exiting|Booting worker|exited with code|Shutting down" "$WORK/gunicorn.log" >&2
  status=1
fi
exit "$status"
