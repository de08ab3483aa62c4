"""A scripted unit officer for bench/load.sh: log in, open the self-assessment form, save it again
and again, and time every save.

What a browser does when the officer presses "Save draft": the form is POSTed whole
(multipart, every indicator's fields, the CSRF token, ``then=save``), the portal answers 302 back
to the form, the browser GETs the form. Each save changes one value (a count or a rate's
numerator, in turn; a note when the form has neither) and the form read back must show it,
else the save counts as lost. Times: the POST (the save itself), the GET after it, and the two
together (what the officer waits for). An error is any other status, a connection failure or
timeout, or a lost value.

The portal runs with production settings (secure cookies, CSRF with origin checks) behind what
would be the TLS proxy: the requests carry ``X-Forwarded-Proto: https`` and an ``Origin``, and
the cookie jar sends the secure cookies over loopback HTTP.

    .venv/bin/python bench/officer.py --base http://127.0.0.1:8078 --duration 60 --summary out.json

Prints one line per 10 s and a summary; writes the summary (and every sample) as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

TIMEOUT = 30


class FormParser(HTMLParser):
    """The fields of the form whose action ends with ``action`` (what a browser would send)."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.found = False
        self.fields: dict[str, str] = {}
        self.files: list[str] = []
        self.order: list[str] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = urlsplit(a.get("action", "")).path == self.action
            self.found = self.found or self.inside
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "file":
                self.files.append(name)
            elif kind in ("radio", "checkbox"):
                if "checked" in a:
                    self._set(name, a.get("value", "on"))
            elif kind not in ("submit", "button", "image", "reset"):
                self._set(name, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._set(name, "")
        elif tag == "select" and name:
            self._select = name
            self._set(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self._set(self._select, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea:
            # Django writes a newline after <textarea>, which browsers drop.
            value = self.fields[self._textarea]
            self.fields[self._textarea] = value[1:] if value.startswith("\n") else value
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.inside:
            self.fields[self._textarea] += data

    def _set(self, name: str, value: str) -> None:
        if name not in self.fields:
            self.order.append(name)
        self.fields[name] = value


def parse_form(html: str, action: str) -> FormParser:
    parser = FormParser(action)
    parser.feed(html)
    if not parser.found:
        raise RuntimeError(f"No form posting to {action} on the page.")
    return parser


@dataclass
class Sample:
    at: float  # seconds since the start
    changed: str = ""  # field=value
    post_ms: float | None = None
    get_ms: float | None = None
    post_status: int | None = None
    get_status: int | None = None
    error: str = ""

    @property
    def total_ms(self) -> float | None:
        if self.post_ms is None or self.get_ms is None:
            return None
        return self.post_ms + self.get_ms


@dataclass
class Officer:
    base: str
    username: str
    password: str
    unit: str
    year: int
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        origin = "https://" + urlsplit(self.base).netloc
        self.session.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "Origin": origin,
                "User-Agent": "hanoi-ict-bench-officer",
            }
        )
        self.form_path = f"/my/{self.unit}/{self.year}/"
        self.form_url = urljoin(self.base, self.form_path)

    def request(self, method: str, url: str, **kwargs: object) -> requests.Response:
        """One request, without following redirects. The secure cookies (production settings)
        go back over this loopback HTTP too: the session copies its jar into every request,
        losing any cookie policy, so they are unmarked as they arrive."""
        response = self.session.request(
            method, url, allow_redirects=False, timeout=TIMEOUT, **kwargs
        )
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def log_in(self) -> None:
        login = urljoin(self.base, "/accounts/login/")
        page = self.request("GET", login)
        page.raise_for_status()
        form = parse_form(page.text, "/accounts/login/")
        data = {
            **form.fields,
            "username": self.username,
            "password": self.password,
            "next": self.form_path,
        }
        answer = self.request("POST", login, data=data, headers={"Referer": login})
        if answer.status_code != 302:
            raise RuntimeError(f"Login as {self.username} answered {answer.status_code}.")

    def open_form(self) -> FormParser:
        page = self.request("GET", self.form_url)
        if page.status_code != 200:
            raise RuntimeError(f"The form answered {page.status_code}.")
        return parse_form(page.text, self.form_path)

    @staticmethod
    def choose_change(form: FormParser, n: int) -> tuple[str, str]:
        """The field to change in save number ``n``, and its new value."""
        numbers = [
            name
            for name in form.order
            if name.endswith(("-count", "-numerator")) and form.fields[name].strip().isdigit()
        ]
        if not numbers:
            notes = [name for name in form.order if name.endswith("-note")]
            if not notes:
                raise RuntimeError("The form has nothing the officer could change.")
            name = notes[n % len(notes)]
            return name, f"Ghi chú lần lưu {n} (bench)"
        name = numbers[n % len(numbers)]
        current = int(form.fields[name])
        ceiling = 1_000_000
        if name.endswith("-numerator"):
            denominator = form.fields.get(name.replace("-numerator", "-denominator"), "")
            ceiling = int(denominator) if denominator.strip().isdigit() else current
        up = (n // len(numbers)) % 2 == 0
        new = current + 1 if (up and current < ceiling) or current == 0 else current - 1
        return name, str(new)

    def save(self, form: FormParser, n: int, started: float) -> tuple[Sample, FormParser | None]:
        name, value = self.choose_change(form, n)
        fields = {**form.fields, name: value, "then": "save"}
        parts: list[tuple[str, tuple]] = [(k, (None, v)) for k, v in fields.items()]
        parts += [(k, ("", b"", "application/octet-stream")) for k in form.files]
        sample = Sample(at=time.monotonic() - started, changed=f"{name}={value}")
        try:
            t0 = time.perf_counter()
            answer = self.request(
                "POST", self.form_url, files=parts, headers={"Referer": self.form_url}
            )
            sample.post_ms = (time.perf_counter() - t0) * 1000
            sample.post_status = answer.status_code
            location = answer.headers.get("Location", "")
            if answer.status_code != 302 or urlsplit(location).path != self.form_path:
                sample.error = f"save answered {answer.status_code} {location}".strip()
                return sample, None
            t0 = time.perf_counter()
            page = self.request("GET", urljoin(self.form_url, location))
            sample.get_ms = (time.perf_counter() - t0) * 1000
            sample.get_status = page.status_code
            if page.status_code != 200:
                sample.error = f"form answered {page.status_code}"
                return sample, None
            fresh = parse_form(page.text, self.form_path)
            if fresh.fields.get(name, "").strip() != value:
                sample.error = f"lost: {name}={value!r} read back {fresh.fields.get(name)!r}"
            return sample, fresh
        except (requests.RequestException, RuntimeError) as exc:
            sample.error = f"{type(exc).__name__}: {exc}"
            return sample, None


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]  # nearest rank


def summarise(samples: list[Sample], seconds: float) -> dict:
    def stats(values: list[float]) -> dict:
        return {
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "max": max(values) if values else None,
            "mean": statistics.fmean(values) if values else None,
        }

    return {
        "seconds": round(seconds, 1),
        "saves": len(samples),
        "errors": sum(1 for s in samples if s.error),
        "error_examples": [s.error for s in samples if s.error][:5],
        "save_ms": stats([s.post_ms for s in samples if s.post_ms is not None]),
        "form_ms": stats([s.get_ms for s in samples if s.get_ms is not None]),
        "round_trip_ms": stats([s.total_ms for s in samples if s.total_ms is not None]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8078")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between saves")
    parser.add_argument("--username", default="canbo-sotttt")
    parser.add_argument("--password", default="Demo@2014")
    parser.add_argument("--unit", default="so-thong-tin-va-truyen-thong")
    parser.add_argument("--year", type=int, default=2015)
    parser.add_argument(
        "--warmup", type=int, default=4, help="saves before timing (each worker's first is slow)"
    )
    parser.add_argument("--summary", help="write the summary and the samples here (JSON)")
    args = parser.parse_args()

    officer = Officer(args.base, args.username, args.password, args.unit, args.year)
    officer.log_in()
    form: FormParser | None = officer.open_form()
    n = 0
    for _ in range(args.warmup):  # not timed: imports and templates load on each worker
        if form is None:
            form = officer.open_form()
        _sample, form = officer.save(form, n, time.monotonic())
        n += 1
    samples: list[Sample] = []
    started = time.monotonic()
    next_report = 10.0
    while (elapsed := time.monotonic() - started) < args.duration:
        if form is None:  # after an error: read the form again, as the officer would
            try:
                form = officer.open_form()
            except (requests.RequestException, RuntimeError) as exc:
                samples.append(Sample(at=elapsed, error=f"reopen: {exc}"))
                time.sleep(0.5)
                continue
        sample, form = officer.save(form, n, started)
        samples.append(sample)
        n += 1
        if elapsed >= next_report:
            recent = [s.total_ms for s in samples[-20:] if s.total_ms is not None]
            print(
                f"  officer {elapsed:5.1f} s: {len(samples)} saves, "
                f"{sum(1 for s in samples if s.error)} errors, "
                f"last 20 round trips p50 {percentile(recent, 50) or 0:.0f} ms",
                flush=True,
            )
            next_report += 10
        if args.pause:
            time.sleep(args.pause)
    summary = summarise(samples, time.monotonic() - started)
    if args.summary:
        with open(args.summary, "w") as handle:
            json.dump({**summary, "samples": [asdict(s) for s in samples]}, handle, indent=1)
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
