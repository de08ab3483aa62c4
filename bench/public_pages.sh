#!/usr/bin/env bash
# Benchmark of the public pages: gunicorn on loopback, measured with wrk (Debian's package).
#
# Serves the portal as in production (DEBUG off, 2 gunicorn workers, collected static files) on
# 127.0.0.1 and measures, each for 10 s at 16 connections (wrk --latency):
#   bare       /healthz, a bare Django view through the same middleware (no database, no template)
#   home       /                                 (cached: rendered once per worker, then kept)
#   block      /results/2014/so-nganh/           (cached)
#   unit       /units/quan-hoan-kiem/            (cached)
#   bare-after /healthz again: the cached pages are compared with the mean of the two bare runs,
#              since this machine's speed drifts from minute to minute
#   block-uncached  the block page served by a second gunicorn with the server's page cache off
#              (PUBLIC_PAGE_CACHE=false), each request sorted by one of the table's columns:
#              every request renders the page (what a new published version costs until the
#              cache is warm)
# and prints requests per second, p99 latency, non-2xx responses, each page's ratio to the bare
# view, the CPU time gunicorn spent per request, and whether the targets are met: 0 non-2xx;
# cached pages >= 70 % of the bare view; uncached block page >= 300 req/s with p99 < 150 ms.
#
# Uses a ready portal (make setup: venv, SQLite, demo data; idempotent) and DATABASE_URL if set.
# Only loopback traffic; gunicorn is stopped at the end. Exit status 0 even if a target is missed.
#   bench/public_pages.sh            # BENCH_PORT=8077 BENCH_DURATION=10s BENCH_CONNECTIONS=16
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${BENCH_PORT:-8077}
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
HOST=127.0.0.1
BASE="http://$HOST:$PORT"
WORK=$(mktemp -d /tmp/bench-public-pages.XXXXXX)

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing wrk"
    apt-get install -y --no-install-recommends wrk >/dev/null 2>&1 \
      || { apt-get update >/dev/null && apt-get install -y --no-install-recommends wrk >/dev/null; }
  else
    echo "wrk is missing: sudo apt-get install wrk" >&2
    exit 1
  fi
fi

echo "== a ready portal (make setup)"
make --no-print-directory setup >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }

export DEBUG=false TESTING=0 SECRET_KEY="bench-only-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ALLOWED_HOSTS=$HOST SECURE_SSL_REDIRECT=false STATIC_ROOT="$WORK/static" LOG_LEVEL=WARNING
.venv/bin/python manage.py collectstatic --no-input -v0

echo "== gunicorn on $BASE (2 workers)"
.venv/bin/gunicorn hanoi_ict.wsgi --workers 2 --bind "$HOST:$PORT" --log-level warning \
  >"$WORK/gunicorn.log" 2>&1 &
GUNICORN=$!
UNCACHED_PORT=$((PORT + 1))
UNCACHED_BASE="http://$HOST:$UNCACHED_PORT"
echo "== gunicorn on $UNCACHED_BASE (2 workers, PUBLIC_PAGE_CACHE=false)"
PUBLIC_PAGE_CACHE=false .venv/bin/gunicorn hanoi_ict.wsgi --workers 2 \
  --bind "$HOST:$UNCACHED_PORT" --log-level warning >"$WORK/gunicorn-uncached.log" 2>&1 &
GUNICORN_UNCACHED=$!
cleanup() {
  kill "$GUNICORN" "$GUNICORN_UNCACHED" 2>/dev/null || true
  wait "$GUNICORN" "$GUNICORN_UNCACHED" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for base in "$BASE" "$UNCACHED_BASE"; do
  for _ in $(seq 1 50); do
    curl -sf -o /dev/null "$base/healthz" && break
    sleep 0.2
  done
  curl -sf -o /dev/null "$base/healthz" \
    || { echo "gunicorn did not start on $base:" >&2; cat "$WORK"/gunicorn*.log >&2; exit 1; }
done

declare -A URLS=(
  [bare]="/healthz"
  [bare-after]="/healthz"
  [home]="/"
  [block]="/results/2014/so-nganh/"
  [unit]="/units/quan-hoan-kiem/"
  [block-uncached]="/results/2014/so-nganh/"
)
ORDER=(bare home block unit bare-after block-uncached)
for name in home block unit; do  # each worker renders and keeps the page before measuring
  for _ in 1 2 3 4 5 6; do
    code=$(curl -s -o /dev/null -w "%{http_code}" "$BASE${URLS[$name]}")
    [ "$code" = 200 ] || { echo "$name answered $code" >&2; exit 1; }
  done
done
cat >"$WORK/uncached.lua" <<'LUA'
local sorts = {"rank", "-rank", "unit", "-unit", "i", "ii", "iii", "iv", "total", "-total",
               "index", "change"}
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/results/2014/so-nganh/?sort=" .. sorts[n % #sorts + 1])
end
LUA

# CPU time (user + system, in clock ticks) of a gunicorn master and its workers.
cpu_ticks() {
  local pid
  for pid in "$1" $(pgrep -P "$1"); do awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null; done \
    | awk '{s += $1} END {print s + 0}'
}
TICKS_PER_SECOND=$(getconf CLK_TCK)

declare -A RPS P99 NON2XX CPU_MS
for name in "${ORDER[@]}"; do
  echo "== $name: ${URLS[$name]} ($DURATION, $CONNECTIONS connections)"
  script=()
  base=$BASE
  server=$GUNICORN
  if [ "$name" = block-uncached ]; then
    script=(--script "$WORK/uncached.lua"); base=$UNCACHED_BASE; server=$GUNICORN_UNCACHED
  fi
  before=$(cpu_ticks "$server")
  wrk --threads 2 --connections "$CONNECTIONS" --duration "$DURATION" --latency "${script[@]}" \
    "$base${URLS[$name]}" >"$WORK/$name.txt"
  after=$(cpu_ticks "$server")
  requests=$(awk '/ requests in / {print $1}' "$WORK/$name.txt")
  CPU_MS[$name]=$(awk -v t=$((after - before)) -v n="${requests:-0}" -v hz="$TICKS_PER_SECOND" \
    'BEGIN {if (n > 0) printf "%.2f", 1000 * t / hz / n; else print "-"}')
  RPS[$name]=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/$name.txt")
  P99[$name]=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}' "$WORK/$name.txt")
  NON2XX[$name]=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$WORK/$name.txt")
  NON2XX[$name]=${NON2XX[$name]:-0}
  errors=$(awk '/Socket errors:/ {print}' "$WORK/$name.txt")
  [ -n "$errors" ] && echo "   $errors"
done

echo
echo "Public pages, gunicorn 2 workers, $CONNECTIONS connections, $DURATION each ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf "%-16s %10s %10s %8s %9s %9s  %s\n" page "req/s" "p99 (ms)" non-2xx "vs bare" "cpu ms" target
# The cached pages ran between the two bare runs: their mean is what they are compared with.
bare=$(awk -v a="${RPS[bare]}" -v b="${RPS[bare-after]}" 'BEGIN {printf "%.2f", (a + b) / 2}')
for name in "${ORDER[@]}"; do
  ratio=$(awk -v a="${RPS[$name]}" -v b="$bare" 'BEGIN {printf "%.0f%%", 100 * a / b}')
  case $name in
    bare | bare-after) target="0 non-2xx"; ok=$([ "${NON2XX[$name]}" = 0 ] && echo met || echo MISSED) ;;
    block-uncached)
      target=">= 300 req/s, p99 < 150 ms, 0 non-2xx"
      ok=$(awk -v r="${RPS[$name]}" -v p="${P99[$name]}" -v e="${NON2XX[$name]}" \
        'BEGIN {print (r >= 300 && p < 150 && e == 0) ? "met" : "MISSED"}') ;;
    *)
      target=">= 70% of bare, 0 non-2xx"
      ok=$(awk -v r="${RPS[$name]}" -v b="$bare" -v e="${NON2XX[$name]}" \
        'BEGIN {print (r >= 0.7 * b && e == 0) ? "met" : "MISSED"}') ;;
  esac
  printf "%-16s %10s %10s %8s %9s %9s  %s: %s\n" "$name" "${RPS[$name]}" "${P99[$name]}" \
    "${NON2XX[$name]}" "$ratio" "${CPU_MS[$name]}" "$target" "$ok"
done
echo "vs bare: against the mean of the two bare runs ($bare req/s), one before and one after the"
echo "cached pages. cpu ms: CPU time the serving gunicorn (master and workers) spent per request;"
echo "it depends less than req/s on what else the machine runs (wrk and PostgreSQL share its cores)."
