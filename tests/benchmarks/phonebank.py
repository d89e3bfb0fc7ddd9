"""`make bench-phonebank`: 100 callers claiming contacts and saving results on the production
setup, against a 50,000-contact call list, beside the trivial view on the same run.

1. A fresh PostgreSQL database is migrated and filled (phonebank_fill.py): one phonebank session
   on now, its call list of 50,000 contacts with the sample script, 100 callers going to it,
   calling hours around the clock.
2. gunicorn starts as in production (campaign_site/gunicorn_conf.py), with Redis for the cache.
3. 100 simulated callers, each on its own keep-alive connection through its own signed link,
   loop: "Next call" (the claim: POST action=next, which holds a contact for them and renders
   the call page), then save a result (POST action=result; a mix of results, conversations
   with the script's answers). Three runs:
   - flat out: no pause between requests, so the server is saturated; its throughput is set
     against the trivial view (`/bench/trivial/`, a fixed answer through the same middleware)
     driven by the same client with the same 100 connections, measured just before and after;
   - the same flat out against `/bench/calling/<token>/` (tests/benchmarks/urls.py): the
     screen's two services with a one-line answer instead of the page, which shows what the
     page itself costs;
   - paced: each caller pauses 5 to 15 s between steps (a real call takes a minute or more,
     so this is still several times busier than 100 real callers), so the latency is the
     server's own work rather than the queue in front of it. (Flat out, a claim's latency
     is the queue: 100 connections over the throughput, by Little's law; the issue's aim of
     a p95 under 50 ms is read on this run.)
4. Afterwards the database says how many contacts were put in front of two callers (must be 0).

The client is Python's asyncio on raw HTTP/1.1 (no extra package), the same for the trivial
view and the callers, so the ratio compares like with like. Only loopback addresses are used.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.benchmarks.run import PROJECT, stop

PYTHON = sys.executable
DATABASE = os.environ.get("BENCH_DATABASE", "campaign_bench_phonebank")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
PORT = int(os.environ.get("BENCH_PORT", "8078"))
BASE = f"http://127.0.0.1:{PORT}"
CSRF_TOKEN = "benchbenchbenchbenchbenchbench42"  # 32 characters: a valid unmasked secret
ASSIGNMENT = re.compile(rb'name="assignment" value="(\d+)"')

# What callers record: mostly nobody answers, as on a real evening.
RESULTS = [
    ("no_answer", 50),
    ("voicemail", 15),
    ("busy", 8),
    ("spoke", 22),
    ("wrong_person", 2),
    ("not_in_use", 1),
    ("call_back", 2),
]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.benchmarks.settings",
        DJANGO_SECRET_KEY="bench-secret-key-bench-secret-key-bench-secret-key",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        SITE_URL=BASE,
        GUNICORN_BIND=f"127.0.0.1:{PORT}",
    )
    return env


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT, env=environment(), check=True, **kwargs)


def django(code: str):
    result = run(
        [PYTHON, "-c", f"import json, django; django.setup(); {code}"],
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def prepare_database(contacts: int, callers: int) -> dict:
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    subprocess.run(
        ["redis-cli", "-n", REDIS_URL.rsplit("/", 1)[1], "flushdb"], check=True, capture_output=True
    )
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"])
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"])
    filled = django(
        "from tests.benchmarks.phonebank_fill import fill; "
        f"print(json.dumps(fill(contacts={contacts}, callers={callers})))"
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DATABASE, "-qc", "ANALYZE"], check=True
    )
    return filled


def start_gunicorn(logs: Path) -> list[subprocess.Popen]:
    log = (logs / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "-c",
            "python:campaign_site.gunicorn_conf",
            "campaign_site.wsgi",
        ],
        cwd=PROJECT,
        env=environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{BASE}/healthz/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return [process]
        except OSError:
            time.sleep(0.5)
    stop([process])
    raise SystemExit(f"The server did not become healthy; see {logs}")


# --- A small HTTP/1.1 client: one keep-alive connection per simulated caller --------------


class Connection:
    def __init__(self, host: str = "127.0.0.1", port: int = PORT):
        self.host, self.port = host, port
        self.reader = None
        self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes]:
        body = urlencode(form or {}, doseq=True).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Cookie: csrftoken={CSRF_TOKEN}\r\n"
        )
        if method == "POST":
            head += (
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n"
            )
        for attempt in range(2):  # the server may have closed an idle connection
            if self.writer is None:
                await self.open()
            try:
                self.writer.write(head.encode() + b"\r\n" + body)
                await self.writer.drain()
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length, chunked, closing = 0, False, False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                closing = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await self.reader.readexactly(length)
        if closing:
            await self.close()
        return status, body


# --- The simulated callers ---------------------------------------------------------------


@dataclass
class Tally:
    claim_ms: list[float] = field(default_factory=list)
    result_ms: list[float] = field(default_factory=list)
    trivial_ms: list[float] = field(default_factory=list)
    claimed: list[int] = field(default_factory=list)  # assignment ids, in order
    empty: int = 0
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def result_form(assignment: int, steps: dict, rng: random.Random) -> dict:
    result = rng.choices([r for r, _ in RESULTS], weights=[w for _, w in RESULTS])[0]
    form = {
        "csrfmiddlewaretoken": CSRF_TOKEN,
        "action": "result",
        "assignment": str(assignment),
        "result": result,
    }
    if result == "call_back":
        form["callback_at"] = time.strftime("%Y-%m-%dT18:30", time.localtime(time.time() + 86400))
    if result == "spoke":
        agreed = rng.random() < 0.7
        form[f"step_{steps['Agreement']}"] = "Yes" if agreed else "No"
        if agreed:
            form[f"step_{steps['Voting intention']}"] = rng.choice(["Chris", "Someone else"])
        form[f"step_{steps['Help']}"] = rng.choice([["Leaflets"], ["Phoning", "Leaflets"], "No"])
    return form


async def caller_loop(path, steps, tally, deadline, pace, seed, address, until_empty=False):
    rng = random.Random(seed)
    connection = Connection(*address)
    claim = {"csrfmiddlewaretoken": CSRF_TOKEN, "action": "next"}
    try:
        while time.monotonic() < deadline:
            if pace:
                await asyncio.sleep(rng.uniform(*pace))
            started = time.perf_counter()
            status, body = await connection.request("POST", path, claim)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                tally.errors.append(f"claim {status}")
                continue
            found = ASSIGNMENT.search(body)
            if found is None:
                tally.empty += 1
                if until_empty:
                    break
                continue
            tally.claim_ms.append(elapsed)
            assignment = int(found.group(1))
            tally.claimed.append(assignment)
            if pace:
                await asyncio.sleep(rng.uniform(*pace))
            started = time.perf_counter()
            status, body = await connection.request(
                "POST", path, result_form(assignment, steps, rng)
            )
            if status != 200 or b"Saved:" not in body:
                tally.errors.append(f"result {status}")
                continue
            tally.result_ms.append((time.perf_counter() - started) * 1000)
    finally:
        await connection.close()


async def trivial_loop(tally, deadline):
    connection = Connection()
    try:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            status, _ = await connection.request("GET", "/bench/trivial/")
            if status != 200:
                tally.errors.append(f"trivial {status}")
                continue
            tally.trivial_ms.append((time.perf_counter() - started) * 1000)
    finally:
        await connection.close()


async def drive(loops) -> None:
    await asyncio.gather(*loops)


def run_callers(
    paths, steps, seconds, pace, host="127.0.0.1", port=PORT, until_empty=False
) -> Tally:
    tally = Tally()
    tally.started = time.monotonic()
    deadline = tally.started + seconds
    asyncio.run(
        drive(
            [
                caller_loop(path, steps, tally, deadline, pace, seed, (host, port), until_empty)
                for seed, path in enumerate(paths)
            ]
        )
    )
    tally.ended = time.monotonic()
    return tally


def run_trivial(connections, seconds) -> Tally:
    tally = Tally()
    tally.started = time.monotonic()
    deadline = tally.started + seconds
    asyncio.run(drive([trivial_loop(tally, deadline) for _ in range(connections)]))
    tally.ended = time.monotonic()
    return tally


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each run")
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--callers", type=int, default=100)
    parser.add_argument(
        "--pause", default="5,15", help="paced run: seconds between a caller's steps (min,max)"
    )
    args = parser.parse_args()
    pause = tuple(float(part) for part in args.pause.split(","))
    started = time.monotonic()
    print(f"Filling {DATABASE} ...", flush=True)
    filled = prepare_database(args.contacts, args.callers)
    paths, steps = filled["callers"], filled["steps"]
    print(f"   {filled['contacts']} contacts, {len(paths)} callers", flush=True)
    logs = Path(tempfile.mkdtemp(prefix="campaign-bench-phonebank-"))
    processes = start_gunicorn(logs)
    try:
        run_trivial(len(paths), 3)  # warm up workers, connections and caches
        run_callers(paths, steps, 3, None)
        floor_before = run_trivial(len(paths), args.seconds)
        flat = run_callers(paths, steps, args.seconds, None)
        services = run_callers(
            [p.replace("/events/calling/", "/bench/calling/") for p in paths],
            steps,
            args.seconds,
            None,
        )
        floor_after = run_trivial(len(paths), args.seconds)
        paced = run_callers(paths, steps, max(2 * args.seconds, 45), pause)
    finally:
        stop(processes)
    served = django(
        "from tests.benchmarks.phonebank_fill import served_twice; "
        "print(json.dumps(served_twice()))"
    )
    all_claims = flat.claimed + services.claimed + paced.claimed
    driver_twice = len(all_claims) - len(set(all_claims))

    floor_rps = (len(floor_before.trivial_ms) + len(floor_after.trivial_ms)) / (
        floor_before.seconds + floor_after.seconds
    )
    floor_ms = floor_before.trivial_ms + floor_after.trivial_ms
    print()
    print(
        f"{'run (100 callers)':<32} {'claims/s':>9} {'req/s':>8} {'claim p50':>10} "
        f"{'claim p95':>10} {'result p95':>11} {'errors':>7} {'vs trivial':>11}"
    )
    paced_label = f"paced ({pause[0]:g}-{pause[1]:g} s pauses)"
    runs = [("flat out", flat), ("  the services alone, no page", services), (paced_label, paced)]
    for label, tally in runs:
        requests = len(tally.claim_ms) + len(tally.result_ms) + tally.empty
        rps = requests / tally.seconds
        ratio = f"{rps / floor_rps:>10.0%}" if tally is not paced else f"{'(paced)':>10}"
        print(
            f"{label:<32} {len(tally.claim_ms) / tally.seconds:>9.1f} {rps:>8.1f} "
            f"{percentile(tally.claim_ms, 0.5):>8.1f}ms {percentile(tally.claim_ms, 0.95):>8.1f}ms "
            f"{percentile(tally.result_ms, 0.95):>9.1f}ms {len(tally.errors):>7} {ratio}"
        )
    print(
        f"{'trivial view, same client':<32} {'':>9} {floor_rps:>8.1f} "
        f"{percentile(floor_ms, 0.5):>8.1f}ms {percentile(floor_ms, 0.95):>8.1f}ms "
        f"{'':>11} {len(floor_before.errors) + len(floor_after.errors):>7}"
    )
    print()
    print(
        f"Claims: {len(all_claims)} ({flat.empty + paced.empty} found nobody to call); "
        f"calls saved: {served['calls_recorded']}."
    )
    print(
        f"Contacts served twice: {served['to_two_callers']} put in front of two callers, "
        f"{served['recorded_twice']} with two results, {driver_twice} claims of an "
        f"assignment already claimed in the run (all must be 0)."
    )
    print(f"Benchmark took {time.monotonic() - started:.0f}s; server log in {logs}")
    if served["to_two_callers"] or served["recorded_twice"] or driver_twice:
        raise SystemExit("A contact was served twice.")


if __name__ == "__main__":
    main()
