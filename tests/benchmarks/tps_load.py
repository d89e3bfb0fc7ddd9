"""`make bench-tps`: loading a 2,000,000-line TPS file, and a claim against it.

Not a test: a measurement, printed. It needs only PostgreSQL (127.0.0.1, user postgres).

1. A fresh database (campaign_bench_tps) is migrated; 10,000 contacts without consent go on
   a screened list, 1 in 10 of them registered in the file to come.
2. A TPS file of 2,000,000 lines (national numbers, as the TPS writes them, with a blank or
   garbage line in every 1,000) is written to a temporary directory.
3. It is loaded through the same service as admin's upload
   (services/screening.screening_file_load), reading the file line by line, then loaded
   again (the second replaces the first's rows, as a monthly file does). Printed: the time
   of each, the process's peak resident memory (ru_maxrss) before and after, and the peak
   of Python allocations during a load (tracemalloc, in a third load: it slows the load).
4. Claims on the screened list (the registered contacts are passed over by the index).

    make bench-tps
    make bench-tps BENCH_ARGS="--lines 200000"
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
DATABASE = "campaign_bench_tps"
CONTACTS = 10_000


def configure() -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="campaign_site.settings",
        DJANGO_SECRET_KEY="bench-secret-key-bench-secret-key-bench-secret-key",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        CAMPAIGN_VAR_DIR=str(PROJECT / "var" / "bench-tps"),
        SITE_URL="http://localhost:8000",
        SINGLE_PROCESS="1",  # one process: tasks in-process, a local cache
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DJANGO_DEBUG", None)
    sys.path.insert(0, str(PROJECT))


def national(n: int) -> str:
    """The n-th number of the file: landlines 01xxx xxxxxx, spread over area codes."""
    return f"01{200 + n % 700:03d} {n // 700 % 1_000_000:06d}"


def contact_phone(n: int) -> str:
    """Contact n's number; every 10th is in the file (the file's line n * 150)."""
    if n % 10 == 0:
        number = national(n * 150).replace(" ", "")
        return f"+44{number[1:]}"
    return f"+4478{n:08d}"


def file_write(path: Path, lines: int) -> int:
    garbage = 0
    with path.open("w") as out:
        chunk = []
        for n in range(lines):
            if n % 1000 == 999:
                chunk.append("" if n % 2000 == 999 else "not a number")
                garbage += 1
            else:
                chunk.append(national(n))
            if len(chunk) == 50_000:
                out.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            out.write("\n".join(chunk) + "\n")
    return garbage


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    args = parser.parse_args()
    configure()
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.utils import timezone

    from events.models import Event, Rsvp
    from events.phonebank.models import (
        CallAssignment,
        CallList,
        Contact,
        ScreeningFile,
        Script,
        TpsNumber,
    )
    from events.phonebank.services import call_list_create, contact_claim_next
    from events.phonebank.services.screening import screening_file_load
    from events.phonebank.tps import phone_hasher
    from volunteers.models import Supporter

    now = timezone.now()
    session = Event.objects.create(
        kind=Event.Kind.PHONEBANK,
        title="Bench phonebank",
        slug="bench-phonebank",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
        status=Event.Status.PUBLISHED,
        format=Event.Format.ONLINE,
        online_link="https://meet.example.org/bench",
    )
    script = Script.objects.create(name="Bench script")
    call_list = call_list_create(
        name="Bench constituents",
        script=script,
        sessions=[session],
        basis=CallList.Basis.SCREENED,
    )
    digest = phone_hasher()
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                first_name=f"Pat{n}",
                phone=contact_phone(n),
                phone_hash=digest(contact_phone(n)),
                created_at=now,
            )
            for n in range(CONTACTS)
        ],
        batch_size=2000,
    )
    CallAssignment.objects.bulk_create(
        [CallAssignment(call_list=call_list, contact=c, next_try_at=now) for c in contacts],
        batch_size=2000,
    )
    screening_file_load(kind=ScreeningFile.Kind.CTPS, lines=["01332 000001"], now=now)

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "tps.txt"
        started = time.monotonic()
        garbage = file_write(path, args.lines)
        size_mb = path.stat().st_size / 1e6
        print(
            f"TPS file: {args.lines:,} lines ({garbage:,} blank or garbage), "
            f"{size_mb:.1f} MB, written in {time.monotonic() - started:.1f}s"
        )
        print(f"Peak memory (ru_maxrss) before loading: {rss_mb():.0f} MB")
        for attempt in ("first load", "second load (replaces the first)"):
            started = time.monotonic()
            with path.open("rb") as lines:
                loaded = screening_file_load(kind=ScreeningFile.Kind.TPS, lines=lines, now=now)
            took = time.monotonic() - started
            print(
                f"{attempt}: {took:.1f}s ({args.lines / took:,.0f} lines/s), "
                f"{loaded.numbers_kept:,} numbers kept, {loaded.lines_skipped:,} skipped; "
                f"peak memory (ru_maxrss) now {rss_mb():.0f} MB"
            )
        print(f"Rows in the hash table: {TpsNumber.objects.count():,}")
        tracemalloc.start()
        with path.open("rb") as lines:
            screening_file_load(kind=ScreeningFile.Kind.TPS, lines=lines, now=now)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"Peak Python allocations during a load (tracemalloc): {peak / 1e6:.1f} MB")

    callers = [
        Rsvp.objects.create(
            event=session,
            supporter=Supporter.objects.create(
                email=f"caller{n}@bench.example.org", name="Caller", source="rsvp"
            ),
            first_name=f"Caller{n}",
            status=Rsvp.Status.GOING,
            going_since=now - timedelta(days=1),
        )
        for n in range(20)
    ]
    started = time.monotonic()
    served = [contact_claim_next(caller=c, call_list=call_list, now=now) for c in callers]
    took = time.monotonic() - started
    in_file = {contact_phone(n) for n in range(0, CONTACTS, 10)}
    registered = sum(1 for a in served if a is not None and a.contact.phone in in_file)
    print(
        f"20 claims on the screened list: {took / 20 * 1000:.1f} ms each; "
        f"registered numbers served: {registered}"
    )


if __name__ == "__main__":
    main()
