"""The measuring half of bench/db_restart_drill.sh: load the portal, stop and start its
PostgreSQL, record every response, and judge.

Client threads loop over four requests, each recorded with its start time, status, time taken
and whether it was the portal's clear 503 page (status 503, ``Retry-After``, the page's message
in Vietnamese or English):

  search     /search/?q=<new text>   a public page that queries the database every time
  dashboard  /my/                    an officer's page: session, user, units (logged in first)
  home       /                       a public page from the page cache (the publication state
                                     is re-read from the database every 5 s)
  healthz    /healthz                no database: says whether the process itself answers

After ``--before`` seconds it runs ``--stop-cmd`` (returns once the server is down), waits
``--down`` seconds, runs ``--start-cmd`` (returns once the server accepts connections) and goes
on for ``--after`` seconds. Then it checks:

  1. every response was a 200 or the clear 503 page: never a 500, another status, a refused or
     reset connection or a timeout;
  2. while the database was down, every search and dashboard request got the clear 503;
  3. full service within ``--recovery-limit`` seconds (5) of the start command's return: the
     last request that was not a 200 started at most that long after it, and the first 200 of
     a database page came within it;
  4. the portal was not restarted: gunicorn's master and worker PIDs are the same at the end,
     and none was added or replaced.

Prints the figures and PASS or FAIL (exit status 0 or 1).
"""

from __future__ import annotations

import argparse
import gettext
import html
import itertools
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = "The portal cannot reach its database at the moment. Please try again in a few minutes."
DB_KINDS = ("search", "dashboard")
KINDS = ("search", "dashboard", "home", "healthz")


def clear_page_texts() -> set[str]:
    """The 503 page's message in English and in the Vietnamese catalogue."""
    catalogue = gettext.translation("django", ROOT / "locale", ["vi"], fallback=True)
    return {MESSAGE, catalogue.gettext(MESSAGE)}


@dataclass
class Record:
    kind: str
    start: float
    end: float
    status: int | None
    clear_503: bool = False
    error: str = ""

    @property
    def ok_200(self) -> bool:
        return self.status == 200 and not self.error


class Client(threading.Thread):
    def __init__(self, number: int, base: str, texts: set[str], stop: threading.Event, t0: float):
        super().__init__(daemon=True)
        self.number = number
        self.base = base
        self.texts = texts
        self.stop_event = stop
        self.t0 = t0
        self.records: list[Record] = []
        self.session = requests.Session()
        origin = "https://" + urlsplit(base).netloc
        # Production settings behind a TLS proxy (see bench/officer.py).
        self.session.headers.update({"X-Forwarded-Proto": "https", "Origin": origin})

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        response = self.session.request(
            method, urljoin(self.base, path), allow_redirects=False, timeout=10, **kwargs
        )
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def log_in(self, username: str, password: str) -> None:
        page = self.request("GET", "/accounts/login/")
        token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        answer = self.request(
            "POST",
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": username, "password": password},
            headers={"Referer": urljoin(self.base, "/accounts/login/")},
        )
        if answer.status_code != 302:
            raise RuntimeError(f"login answered {answer.status_code}")

    def path(self, kind: str, n: int) -> str:
        return {
            "search": f"/search/?q=drill+{self.number}+{n}",
            "dashboard": "/my/",
            "home": "/",
            "healthz": "/healthz",
        }[kind]

    def run(self) -> None:
        for n in itertools.count():
            if self.stop_event.is_set():
                return
            kind = KINDS[(n + self.number) % len(KINDS)]
            start = time.monotonic() - self.t0
            try:
                response = self.request("GET", self.path(kind, n))
            except requests.RequestException as exc:
                reason = type(exc).__name__
                self.records.append(
                    Record(kind, start, time.monotonic() - self.t0, None, error=reason)
                )
                time.sleep(0.05)
                continue
            end = time.monotonic() - self.t0
            record = Record(kind, start, end, response.status_code)
            if response.status_code == 503:
                body = html.unescape(response.text)
                record.clear_503 = "Retry-After" in response.headers and any(
                    text in body for text in self.texts
                )
            elif response.status_code != 200:
                record.error = f"status {response.status_code}"
            self.records.append(record)


def gunicorn_processes(master: int) -> tuple[int, list[int]]:
    """The master's PID (checked alive) and its children's, from /proc."""
    if not Path(f"/proc/{master}").exists():
        return 0, []
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == master:
            children.append(int(entry.name))
    return master, sorted(children)


def run_command(command: str) -> float:
    started = time.monotonic()
    subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--gunicorn-pid", type=int, required=True)
    parser.add_argument("--stop-cmd", required=True)
    parser.add_argument("--start-cmd", required=True)
    parser.add_argument("--before", type=float, default=5)
    parser.add_argument("--down", type=float, default=10)
    parser.add_argument("--after", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--recovery-limit", type=float, default=5)
    parser.add_argument("--username", default="canbo-sotttt")
    parser.add_argument("--password", default="Demo@2014")
    args = parser.parse_args()

    texts = clear_page_texts()
    processes_before = gunicorn_processes(args.gunicorn_pid)
    stop = threading.Event()
    t0 = time.monotonic()
    clients = [Client(i, args.base, texts, stop, t0) for i in range(args.clients)]
    for client in clients:
        client.log_in(args.username, args.password)
    t0 = time.monotonic()
    for client in clients:
        client.t0 = t0
        client.start()

    time.sleep(args.before)
    stop_begin = time.monotonic() - t0
    stop_took = run_command(args.stop_cmd)
    down_from = stop_begin + stop_took
    print(f"  {down_from:6.2f} s  database stopped (the stop took {stop_took:.2f} s)", flush=True)
    time.sleep(args.down)
    start_begin = time.monotonic() - t0
    start_took = run_command(args.start_cmd)
    back_at = start_begin + start_took
    print(f"  {back_at:6.2f} s  database accepting connections again", flush=True)
    time.sleep(args.after)
    stop.set()
    for client in clients:
        client.join(timeout=15)
    end = time.monotonic() - t0
    processes_after = gunicorn_processes(args.gunicorn_pid)

    records = sorted((r for c in clients for r in c.records), key=lambda r: r.start)
    phases = [
        ("before", 0.0, stop_begin),
        ("stopping", stop_begin, down_from),
        ("down", down_from, start_begin),
        ("starting", start_begin, back_at),
        ("after", back_at, end),
    ]

    def in_phase(low: float, high: float) -> list[Record]:
        return [r for r in records if low <= r.start < high]

    print()
    print(
        f"{'phase':<10}{'from s':>8}{'to s':>8}{'requests':>10}{'200':>7}{'clear 503':>11}"
        f"{'other':>7}  other answers"
    )
    for name, low, high in phases:
        rows = in_phase(low, high)
        bad = [r for r in rows if not (r.ok_200 or r.clear_503)]
        shown = ", ".join(sorted({f"{r.kind}: {r.error or r.status}" for r in bad}))[:80]
        print(
            f"{name:<10}{low:>8.2f}{high:>8.2f}{len(rows):>10}{sum(r.ok_200 for r in rows):>7}"
            f"{sum(r.clear_503 for r in rows):>11}{len(bad):>7}  {shown}"
        )
    down_rows = in_phase(down_from, start_begin)
    print()
    print("While the database was down, by request:")
    for kind in KINDS:
        rows = [r for r in down_rows if r.kind == kind]
        times = sorted(r.end - r.start for r in rows)
        p95 = times[int(0.95 * (len(times) - 1))] * 1000 if times else 0
        print(
            f"  {kind:<10} {len(rows):>5} requests: {sum(r.ok_200 for r in rows):>5} × 200, "
            f"{sum(r.clear_503 for r in rows):>5} × clear 503, "
            f"{sum(not (r.ok_200 or r.clear_503) for r in rows):>3} other; p95 {p95:.0f} ms"
        )

    after = [r for r in records if r.start >= back_at]
    failures_after = [r for r in after if not r.ok_200]
    last_failure = max((r.start - back_at for r in failures_after), default=0.0)
    first_db_success = min(
        (r.end - back_at for r in after if r.ok_200 and r.kind in DB_KINDS), default=None
    )
    # Requests that began while the database was starting or before but ended after it.
    print()
    print(
        f"Recovery: database back at {back_at:.2f} s; first 200 of a database page "
        + (f"+{first_db_success:.2f} s" if first_db_success is not None else "never")
        + f"; last request that was not a 200 started +{last_failure:.2f} s "
        f"({len(failures_after)} after the return)"
    )
    print(
        f"gunicorn: master {processes_before[0]} workers {processes_before[1]} before; "
        f"master {processes_after[0]} workers {processes_after[1]} after"
    )

    everything_clear = all(r.ok_200 or r.clear_503 for r in records)
    down_db = [r for r in down_rows if r.kind in DB_KINDS]
    down_all_503 = bool(down_db) and all(r.clear_503 for r in down_db)
    recovered = (
        first_db_success is not None
        and first_db_success <= args.recovery_limit
        and last_failure <= args.recovery_limit
    )
    not_restarted = processes_before == processes_after and bool(processes_before[1])
    # Requests in flight when the stop began may meet the 503: only those done before count.
    baseline = all(r.ok_200 for r in records if r.end < stop_begin)
    checks = [
        ("full service before the stop (every request done by then 200)", baseline),
        ("only 200 or the clear 503 page: no 500, no refused connection", everything_clear),
        ("while down, every database page answered the clear 503 (with Retry-After)", down_all_503),
        (f"full service within {args.recovery_limit:g} s of the database's return", recovered),
        ("no restart of the portal (same gunicorn master and worker PIDs)", not_restarted),
    ]
    print()
    for label, ok in checks:
        print(f"  {label}: {'met' if ok else 'MISSED'}")
    passed = all(ok for _, ok in checks)
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
