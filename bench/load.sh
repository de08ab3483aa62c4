#!/usr/bin/env bash
# Load test: public pages under wrk while a scripted officer saves a self-assessment.
#
# Serves the portal as in production (DEBUG off, gunicorn with 2 workers, collected static files,
# PostgreSQL) on 127.0.0.1 and, at the same time, for DURATION seconds:
#   - wrk with CONNECTIONS connections over the public pages (bench/load.lua): home, period
#     results, block pages, unit pages, methodology and search, in Vietnamese and English; every
#     FRESH_EVERY-th request a search nobody made before (it misses the page cache);
#   - bench/officer.py: canbo-sotttt logs in once and saves the 2015 self-assessment of Sở TT&TT
#     again and again (the whole form, one value changed each time, read back after the redirect).
# Prints wrk's requests per second, latency and errors, the officer's saves, errors and latency
# (the save, the form after it, and the two together), and PASS/FAIL against the targets:
# 0 errors (wrk: no non-2xx/3xx, no socket errors; officer: every save answered 302 and read
# back) and the officer's p95 < 500 ms (the save and the round trip).
#
# The database (LOAD_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_load) is
# dropped and rebuilt with the demo each run, so every run starts from the same data (REUSE_DB=1
# keeps it; only a database whose name ends in _load or contains "bench" is ever dropped).
# Before measuring, 5 s of the same traffic warm each worker's page cache (not counted).
# Only loopback traffic; gunicorn is stopped at the end. Exit status 1 when a target is missed.
#
#   bench/load.sh                                   # DURATION=60 CONNECTIONS=64
#   DURATION=10 CONNECTIONS=16 bench/load.sh        # a quick run
# Other knobs: BENCH_PORT=8078 WORKERS=2 THREADS=2 FRESH_EVERY=20 OFFICER_PAUSE=0 (seconds
# between saves) WARMUP=5.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${BENCH_PORT:-8078}
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-2}
FRESH_EVERY=${FRESH_EVERY:-20}
OFFICER_PAUSE=${OFFICER_PAUSE:-0}
WARMUP=${WARMUP:-5}
LOAD_DATABASE_URL=${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal_load}
HOST=127.0.0.1
BASE="http://$HOST:$PORT"
PY=.venv/bin/python
WORK=$(mktemp -d /tmp/bench-load.XXXXXX)

[ -x "$PY" ] || { echo "No virtualenv: run make setup first." >&2; exit 1; }
# The scripted officer uses requests, one of the development packages.
"$PY" -c "import requests" 2>/dev/null || make --no-print-directory .venv/.requirements-dev >/dev/null
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

GUNICORN=
cleanup() {
  if [ -n "$GUNICORN" ]; then kill "$GUNICORN" 2>/dev/null || true; wait "$GUNICORN" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export DATABASE_URL=$LOAD_DATABASE_URL LOG_LEVEL=WARNING
echo "== database $DATABASE_URL"
if [ "${REUSE_DB:-0}" != 1 ]; then
  "$PY" - <<'PYTHON'
import os, sys
import dj_database_url, psycopg
from psycopg import sql

db = dj_database_url.parse(os.environ["DATABASE_URL"])
name = db["NAME"]
if not db["ENGINE"].endswith("postgresql"):
    sys.exit("bench/load.sh needs PostgreSQL (LOAD_DATABASE_URL=postgres://...).")
if not (name.endswith("_load") or "bench" in name):
    sys.exit(f"Refusing to drop {name}: rebuilt databases must end in _load or contain 'bench' "
             "(or set REUSE_DB=1 to use it as it is).")
server = dict(dbname="postgres", user=db["USER"] or None, password=db["PASSWORD"] or None,
              host=db["HOST"] or None, port=db["PORT"] or None, autocommit=True)
with psycopg.connect(**server) as conn:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
PYTHON
  DEBUG=true "$PY" manage.py migrate --no-input -v0 >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }
  DEBUG=true "$PY" manage.py load_demo >>"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }
fi

export DEBUG=false TESTING=0 SECRET_KEY="bench-only-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ALLOWED_HOSTS=$HOST SECURE_SSL_REDIRECT=false STATIC_ROOT="$WORK/static"
"$PY" manage.py collectstatic --no-input -v0 >"$WORK/static.log" 2>&1 || { cat "$WORK/static.log"; exit 1; }

# The public pages of the demo: what a visitor browses.
"$PY" manage.py shell -v0 -c '
from urllib.parse import quote
from rankings.models import PublishedResult
rows = PublishedResult.objects.filter(publication__is_current=True)
years = sorted({r.period.year for r in rows.select_related("period")}, reverse=True)
blocks = sorted(set(rows.values_list("period__year", "block__code")))
units = sorted(set(rows.values_list("unit__code", flat=True)))
paths = ["/", "/en/"]
for year in years:
    paths += [f"/results/{year}/", f"/results/{year}/methodology/", f"/en/results/{year}/"]
paths += [f"/results/{y}/{b}/" for y, b in blocks] + [f"/en/results/{y}/{b}/" for y, b in blocks]
paths += [f"/units/{u}/" for u in units] + [f"/en/units/{u}/" for u in units[::5]]
words = ["quận", "huyện", "phường", "xã", "sở", "hoan kiem", "Hoàn Kiếm", "dong anh", "thuế",
         "cau giay", "y tế", "ba dinh", "tư pháp", "gia lâm", "kho bạc", "son tay"]
paths += [f"/search/?q={quote(w)}" for w in words]
print("\n".join(paths))
' >"$WORK/paths.txt" 2>"$WORK/paths.log" || { cat "$WORK/paths.log"; exit 1; }

echo "== gunicorn on $BASE ($WORKERS workers)"
.venv/bin/gunicorn hanoi_ict.wsgi --workers "$WORKERS" --bind "$HOST:$PORT" --log-level warning \
  >"$WORK/gunicorn.log" 2>&1 &
GUNICORN=$!
for _ in $(seq 1 50); do
  curl -sf -o /dev/null "$BASE/healthz" && break
  sleep 0.2
done
curl -sf -o /dev/null "$BASE/healthz" || { echo "gunicorn did not start:" >&2; cat "$WORK/gunicorn.log" >&2; exit 1; }
while read -r path; do
  code=$(curl -s -o /dev/null -w "%{http_code}" "$BASE$path")
  [ "$code" = 200 ] || { echo "$path answered $code" >&2; exit 1; }
done <"$WORK/paths.txt"
echo "   $(wc -l <"$WORK/paths.txt") public paths answer 200"

echo "== warm-up: ${WARMUP} s of the same traffic (not counted)"
wrk --threads "$THREADS" --connections "$CONNECTIONS" --duration "${WARMUP}s" \
  --script bench/load.lua "$BASE" -- "$WORK/paths.txt" 0 >/dev/null

echo "== ${DURATION} s: wrk ($CONNECTIONS connections) and the officer saving"
"$PY" bench/officer.py --base "$BASE" --duration "$DURATION" --pause "$OFFICER_PAUSE" \
  --summary "$WORK/officer.json" >"$WORK/officer.txt" 2>&1 &
OFFICER=$!
wrk --threads "$THREADS" --connections "$CONNECTIONS" --duration "${DURATION}s" --timeout 5s \
  --latency --script bench/load.lua "$BASE" -- "$WORK/paths.txt" "$FRESH_EVERY" >"$WORK/wrk.txt"
officer_status=0
wait "$OFFICER" || officer_status=$?
grep -v '^ *{' "$WORK/officer.txt" | grep '^  officer' || true
if [ "$officer_status" != 0 ] || [ ! -s "$WORK/officer.json" ]; then
  echo "The officer's script failed:" >&2; cat "$WORK/officer.txt" >&2; exit 1
fi

"$PY" - "$WORK/wrk.txt" "$WORK/officer.json" "$DURATION" "$CONNECTIONS" "$WORKERS" "$FRESH_EVERY" <<'PYTHON'
import json, os, re, sys

wrk_text = open(sys.argv[1]).read()
officer = json.load(open(sys.argv[2]))
duration, connections, workers, fresh = sys.argv[3:7]

def ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

rps = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk_text).group(1))
total = int(re.search(r"(\d+) requests in", wrk_text).group(1))
latency = {q: ms(v) for q, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", wrk_text, re.M)}
found = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk_text)
non2xx = int(found.group(1)) if found else 0
socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", wrk_text)
socket_errors = sum(map(int, socket.groups())) if socket else 0

load = os.getloadavg()
print()
print(f"Load: {duration} s, wrk {connections} connections over the public pages "
      f"(1 in {fresh} a new search), gunicorn {workers} workers, PostgreSQL; "
      f"{os.cpu_count()} cores, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
print(f"{'':<22}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  errors")
print(f"{'wrk public pages':<22}{total:>9}{rps:>9.0f}{latency['50']:>9.1f}{'':>9}"
      f"{latency['99']:>9.1f}{'':>9}  {non2xx} non-2xx/3xx, {socket_errors} socket"
      + (f" ({socket.group(0)})" if socket_errors else ""))
for key, label in (("save_ms", "officer: save (POST)"), ("form_ms", "officer: form after"),
                   ("round_trip_ms", "officer: round trip")):
    s = officer[key]
    count = officer["saves"] if key == "save_ms" else ""
    rate = f"{officer['saves'] / officer['seconds']:.1f}" if key == "save_ms" else ""
    errors = officer["errors"] if key == "save_ms" else ""
    print(f"{label:<22}{count!s:>9}{rate:>9}{s['p50']:>9.1f}{s['p95']:>9.1f}{'':>9}{s['max']:>9.1f}  {errors}")
for example in officer["error_examples"]:
    print(f"   officer error: {example}")

checks = [
    ("wrk: 0 non-2xx/3xx and 0 socket errors", non2xx == 0 and socket_errors == 0),
    ("officer: 0 errors (every save answered 302 and read back)", officer["errors"] == 0),
    ("officer: save p95 < 500 ms", officer["save_ms"]["p95"] < 500),
    ("officer: round trip (save + form) p95 < 500 ms", officer["round_trip_ms"]["p95"] < 500),
]
print()
for label, ok in checks:
    print(f"  {label}: {'met' if ok else 'MISSED'}")
passed = all(ok for _, ok in checks)
print("PASS" if passed else "FAIL")
sys.exit(0 if passed else 1)
PYTHON
