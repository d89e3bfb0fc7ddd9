"""`make bench`: the production setup under load, page by page, against Django's own floor.

1. A fresh PostgreSQL database (campaign_bench) is migrated and filled with 50,000 supporters,
   1,000 sessions, 20,000 sign-ups and 10,000 donations (fill.py).
2. The production setup starts on this machine: gunicorn (campaign_site/gunicorn_conf.py), a
   Celery worker on Redis, and a local SMTP sink for the sign-up confirmations.
3. wrk drives each page at several concurrency levels. `/bench/trivial/` returns a fixed
   response through the same middleware: every page's throughput is shown as a ratio of it,
   measured right before the page at the same level.
   Visitors without cookies (all of a spike) get public pages from the page cache
   (campaign_site/core/pagecache.py); one more row measures the home page for a visitor with a
   session cookie, which is rendered for them every time: the cost without that cache.
4. The slowest GET page is profiled in-process (cProfile) to show where its time goes, as
   served and as rendered for a visitor with a session.

Only loopback addresses are used; every load run is bounded in time.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.support.worker import CeleryWorker

PROJECT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DATABASE = "campaign_bench"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/7"
PORT = 8077
SMTP_PORT = 8025
BASE = f"http://127.0.0.1:{PORT}"
CSRF_TOKEN = "benchbenchbenchbenchbenchbench42"  # 32 characters: a valid unmasked secret
HERE = Path(__file__).resolve().parent


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.benchmarks.settings",
        DJANGO_SECRET_KEY="bench-secret-key-bench-secret-key-bench-secret-key",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        SITE_URL=BASE,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(SMTP_PORT),
        STRIPE_SECRET_KEY="sk_test_bench",
        STRIPE_PUBLISHABLE_KEY="pk_test_bench",
        STRIPE_WEBHOOK_SECRET="whsec_bench",
        GUNICORN_BIND=f"127.0.0.1:{PORT}",
    )
    return env


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT, env=environment(), check=True, **kwargs)


def prepare_database() -> dict:
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    subprocess.run(
        ["redis-cli", "-n", REDIS_URL.rsplit("/", 1)[1], "flushdb"], check=True, capture_output=True
    )
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"])
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"])
    code = (
        "import json, django; django.setup(); from tests.benchmarks.fill import fill; "
        "print(json.dumps(fill()))"
    )
    result = run([PYTHON, "-c", code], capture_output=True, text=True)
    # Fresh statistics, as autovacuum would have them on a live site after a bulk load.
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DATABASE, "-qc", "ANALYZE"], check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def start_services(logs: Path) -> list[subprocess.Popen]:
    def start(name, command):
        log = (logs / f"{name}.log").open("wb")
        return subprocess.Popen(
            command, cwd=PROJECT, env=environment(), stdout=log, stderr=subprocess.STDOUT
        )

    processes = [
        start(
            "smtp",
            [
                PYTHON,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{SMTP_PORT}",
                "-c",
                "aiosmtpd.handlers.Sink",
            ],
        ),
        start(
            "gunicorn",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "-c",
                "python:campaign_site.gunicorn_conf",
                "campaign_site.wsgi",
            ],
        ),
    ]
    worker = CeleryWorker(
        env=environment(), concurrency=1, name="bench", log_path=logs / "worker.log"
    )
    worker.start()
    processes.append(worker.process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{BASE}/healthz/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return processes
        except OSError:
            time.sleep(0.5)
    stop(processes)
    raise SystemExit(f"The server did not become healthy; see {logs}")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def upcoming_session_path() -> str:
    code = (
        "import django; django.setup(); from events.models import Event; "
        "print(Event.objects.published().upcoming().order_by('starts_at').first().slug)"
    )
    slug = run([PYTHON, "-c", code], capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return f"/events/{slug}/"


SESSION_COOKIE = "sessionid=bench-visitor-with-a-session"


def wrk(url: str, connections: int, seconds: int, script: str, cookie: str = "") -> dict:
    threads = min(2, connections)
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    result = subprocess.run(
        [
            "wrk",
            *headers,
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(HERE / script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CSRF_TOKEN": CSRF_TOKEN},
    )
    report = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    report["rps"] = report["requests"] / (report["duration_us"] / 1e6)
    return report


def profile_page(path: str, renders: int = 200, cookie: str = "") -> str:
    code = f"""
import cProfile, io, pstats, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1", HTTP_COOKIE={cookie!r})
client.get({path!r})
profile = cProfile.Profile()
profile.enable()
for _ in range({renders}):
    client.get({path!r})
profile.disable()
out = io.StringIO()
pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
print(out.getvalue())
"""
    return run([PYTHON, "-c", code], capture_output=True, text=True).stdout


def check_page(path: str, script: str, cookie: str) -> None:
    """Each page answers 200 before it is measured (wrk counts other answers as errors)."""
    if script != "report.lua":
        return
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(BASE + path, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=6, help="length of each load run")
    parser.add_argument("--levels", default="1,8,32", help="concurrency levels")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does this)")

    started = time.monotonic()
    print("Filling the database ...", flush=True)
    print("  ", prepare_database(), flush=True)
    session = upcoming_session_path()
    trivial = ("trivial view (floor)", "/bench/trivial/", "report.lua", "")
    pages = [
        ("home /", "/", "report.lua", ""),
        ("/events/", "/events/", "report.lua", ""),
        (f"session {session}", session, "report.lua", ""),
        ("/donate/", "/donate/", "report.lua", ""),
        ("sign-up POST /join/", "/join/", "signup.lua", ""),
        ("home /, visitor with a session", "/", "report.lua", SESSION_COOKIE),
    ]
    logs = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
    processes = start_services(logs)
    # The floor is measured again right before each page at each level, so that each ratio
    # compares two runs a few seconds apart (this machine's load drifts over minutes).
    results = []
    try:
        check_page(trivial[1], trivial[2], trivial[3])
        wrk(BASE + trivial[1], 4, 2, trivial[2])
        for label, path, script, cookie in pages:
            check_page(path, script, cookie)
            wrk(BASE + path, 4, 2, script, cookie)  # warm caches and connections
            for level in levels:
                floor = wrk(BASE + trivial[1], level, args.seconds, trivial[2])
                report = wrk(BASE + path, level, args.seconds, script, cookie)
                results.append((label, level, report, floor))
                print(
                    f"  {label:<38} c={level:<3} {report['rps']:8.0f} req/s "
                    f"(floor {floor['rps']:.0f})",
                    flush=True,
                )
    finally:
        stop(processes)

    print()
    print(
        f"{'page':<38} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'errors':>7} {'floor':>7} {'vs floor':>9}"
    )
    for label, level, report, floor in results:
        print(
            f"{label:<38} {level:>4} {report['rps']:>8.0f} {report['p50_us'] / 1000:>8.1f} "
            f"{report['p95_us'] / 1000:>8.1f} {report['errors']:>7} {floor['rps']:>7.0f} "
            f"{report['rps'] / floor['rps']:>8.0%}"
        )
    floors = {}
    for _, level, _, floor in results:
        floors.setdefault(level, []).append(floor)
    for level, runs in floors.items():
        print(
            f"{'trivial view (floor), mean of runs':<38} {level:>4} "
            f"{sum(r['rps'] for r in runs) / len(runs):>8.0f} "
            f"{sum(r['p50_us'] for r in runs) / len(runs) / 1000:>8.1f} "
            f"{sum(r['p95_us'] for r in runs) / len(runs) / 1000:>8.1f} "
            f"{sum(r['errors'] for r in runs):>7}"
        )
    gets = [(label, path) for label, path, script, cookie in pages if script == "report.lua"][:4]
    slowest_label, slowest_path = min(
        gets,
        key=lambda page: sum(r["rps"] / f["rps"] for label, _, r, f in results if label == page[0]),
    )
    print(f"\nProfile of the slowest GET page, {slowest_label} (200 requests, in-process):")
    print(profile_page(slowest_path))
    print("\nThe same page rendered for a visitor with a session (200 renders, in-process):")
    print(profile_page(slowest_path, cookie=SESSION_COOKIE))
    print(f"Benchmark took {time.monotonic() - started:.0f}s; server logs in {logs}")


if __name__ == "__main__":
    main()
