"""`make bench-erasure`: erasing 50,000 supporters whose outbox holds 2,000,000 emails.

Not a test: a measurement, printed. It needs only PostgreSQL (127.0.0.1, user postgres).

1. A fresh database (campaign_bench_erasure) is migrated and filled in SQL
   (generate_series): 50,000 confirmed supporters with a consent each, and 2,000,000 outbox
   rows, 40 per supporter, linked to them as every writer now links its rows; 1 in 50 is
   still queued. Then VACUUM ANALYZE, as autovacuum would leave a live site.
2. Before: what erasing one supporter cost on the code as it was. Its supporter_erase()
   found a person's emails by address (`to__iexact`: UPPER("to") = UPPER(%s), which no
   index serves), deleting the unsent ones and blanking the rest: two scans of the whole
   outbox per supporter. Those two statements run, exactly as they were, for a sample of
   supporters (each in a transaction rolled back afterwards, so the data stays as filled);
   the time for 50,000 is the sample's mean times 50,000 (running them all would take many
   hours).
3. After: the real retention run (volunteers.retention.retention_erase_due), which erases
   every supporter in chunks of 500 and finds their emails by the outbox's person link
   (an index), in full. Its outbox statements are timed apart as well.

    make bench-erasure                      # the full size
    make bench-erasure BENCH_ARGS="--supporters 5000 --rows 200000 --sample 5"
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
DATABASE = "campaign_bench_erasure"


def configure() -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="campaign_site.settings",
        DJANGO_SECRET_KEY="bench-secret-key-bench-secret-key-bench-secret-key",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        CAMPAIGN_VAR_DIR=str(PROJECT / "var" / "bench-erasure"),
        SITE_URL="http://localhost:8000",
        SINGLE_PROCESS="1",  # one process: tasks in-process, a local cache
    )
    # Tasks run in-process and the cache is local: the run needs no Redis.
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DJANGO_DEBUG", None)
    sys.path.insert(0, str(PROJECT))


def psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qc", sql], check=True
    )


def fill(*, supporters: int, rows: int) -> float:
    from django.db import connection, transaction

    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            """
            INSERT INTO volunteers_supporter (email, name, postcode, phone, wants_updates,
                wants_canvass_alerts, wants_phonebank_alerts, source, created_at,
                confirmed_at, manage_token)
            SELECT 'bench-' || n || '@example.org', 'Supporter ' || n, 'DE22 1AA',
                '07700900' || lpad((n %% 1000)::text, 3, '0'), true, n %% 3 = 0, n %% 4 = 0,
                'join', now() - interval '60 days', now() - interval '59 days', md5('t' || n)
            FROM generate_series(1, %s) AS n
            """,
            [supporters],
        )
        cursor.execute("SELECT min(id) FROM volunteers_supporter")
        first_id = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO volunteers_consent (given_at, source, page, wording, wants_updates,
                wants_canvass_alerts, wants_phonebank_alerts, confirmed_at, token,
                supporter_id)
            SELECT s.created_at, 'join', '/join/', 'I agree to hear from the campaign.', true,
                s.wants_canvass_alerts, s.wants_phonebank_alerts, s.confirmed_at,
                md5('c' || s.id), s.id
            FROM volunteers_supporter s
            """
        )
        cursor.execute(
            """
            INSERT INTO campaign_site_outboundemail (key, "to", subject, body_text,
                body_html, headers, attachments, status, tries, last_error, created_at,
                next_attempt_at, sent_at, person_type, about_type, person_id, is_bulk,
                esp_message_id, permanent_failure)
            SELECT 'bench:' || g, 'bench-' || (g %% %(n)s + 1) || '@example.org',
                'News from the campaign', repeat('A line of the update. ', 20),
                repeat('<p>A line of the update.</p>', 20),
                '{"List-Unsubscribe": "<https://example.org/unsubscribe/token/>"}'::jsonb,
                '[]'::jsonb,
                CASE WHEN g %% 50 = 0 THEN 'queued' ELSE 'sent' END, 1, '',
                now() - (g %% 90) * interval '1 day', now(),
                CASE WHEN g %% 50 = 0 THEN NULL ELSE now() - (g %% 90) * interval '1 day' END,
                'volunteers.supporter', '', %(first)s + g %% %(n)s, true, '', false
            FROM generate_series(0, %(rows)s - 1) AS g
            """,
            {"n": supporters, "rows": rows, "first": first_id},
        )
        cursor.execute(
            "UPDATE campaign_site_campaignsettings "
            "SET volunteer_data_retained_until = current_date - 2"
        )
    connection.close()
    psql("VACUUM ANALYZE", DATABASE)
    return time.monotonic() - started


def before_per_supporter(*, sample: int, supporters: int) -> float:
    """The outbox statements of the old supporter_erase(), for `sample` supporters."""
    from django.db import transaction

    from campaign_site.core.models import OutboundEmail
    from volunteers.models import Supporter

    step = max(1, supporters // sample)
    ids = list(Supporter.objects.order_by("pk").values_list("pk", flat=True)[::step][:sample])
    took = 0.0
    for supporter in Supporter.objects.filter(pk__in=ids):
        with transaction.atomic():
            started = time.monotonic()
            # As they were in volunteers/services.py supporter_erase():
            email = supporter.email
            unsent = [OutboundEmail.Status.QUEUED, OutboundEmail.Status.FAILED]
            OutboundEmail.objects.filter(to__iexact=email, status__in=unsent).delete()
            OutboundEmail.objects.filter(to__iexact=email).update(
                to="erased@erased.invalid",
                subject="(erased)",
                body_text="",
                body_html="",
                headers={},
            )
            took += time.monotonic() - started
            transaction.set_rollback(True)
    return took / len(ids)


def after() -> tuple[float, float, int]:
    """The real retention run; returns its time, the time in outbox statements, erased."""
    from campaign_site.core import outbox
    from volunteers import retention, services

    in_outbox = 0.0
    erase_people = outbox.outbox_erase_people

    def timed_erase_people(**kwargs):
        nonlocal in_outbox
        started = time.monotonic()
        try:
            return erase_people(**kwargs)
        finally:
            in_outbox += time.monotonic() - started

    services.outbox_erase_people = timed_erase_people
    started = time.monotonic()
    erased = retention.retention_erase_due()
    took = time.monotonic() - started
    services.outbox_erase_people = erase_people
    return took, in_outbox, erased


def minutes(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--supporters", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--sample", type=int, default=10, help="supporters timed before")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
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
    print(f"Filling {args.supporters:,} supporters and {args.rows:,} outbox rows ...", flush=True)
    print(f"  filled in {minutes(fill(supporters=args.supporters, rows=args.rows))}", flush=True)

    per_supporter = before_per_supporter(sample=args.sample, supporters=args.supporters)
    before_total = per_supporter * args.supporters
    print(
        f"Before (address scan, the old supporter_erase's outbox statements): "
        f"{per_supporter * 1000:,.0f} ms per supporter (mean of {args.sample}), "
        f"so {minutes(before_total)} for {args.supporters:,} supporters",
        flush=True,
    )

    took, in_outbox, erased = after()
    print(
        f"After (retention by the person link, chunks of 500): {erased:,} supporters erased in "
        f"{minutes(took)} ({took / erased * 1000:.1f} ms each), of which "
        f"{minutes(in_outbox)} in the outbox statements "
        f"({in_outbox / erased * 1000:.2f} ms per supporter)"
    )
    print(f"Outbox part: {before_total / in_outbox:,.0f} times faster")

    from django.db import connections

    connections.close_all()
    if not args.keep:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)


if __name__ == "__main__":
    main()
