"""Benchmark: an update to N confirmed supporters, delivered by a real Celery worker to a
local SMTP server, against the ceiling of a plain loop over one SMTP connection.

Run it against a scratch database and a Redis that no real worker listens on, e.g.:

    createdb campaign_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench
    export REDIS_URL=redis://127.0.0.1:6379/14 DJANGO_SECRET_KEY=bench
    .venv/bin/python manage.py migrate && .venv/bin/python -m tests.benchmarks.update_send

(`make bench-update-send` does exactly that.) The worker is started by the same helper the
tests use (tests/support/worker.py).

It refuses a database that holds real supporters, and removes what it created.
"""

import logging
import os
import sys
import threading
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign_site.settings")
django.setup()

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from campaign_site.core.models import OutboundEmail
from tests.support.worker import CeleryWorker
from volunteers.models import Supporter, Update
from volunteers.selectors import supporter_email_links, supporter_list_unsubscribe_headers
from volunteers.update_services import (
    PREFERENCES_MARK,
    UNSUBSCRIBE_MARK,
    update_render,
    update_request_send,
    update_save,
)

BENCH_DOMAIN = "bench.invalid"
BODY = """Thank you to everyone who came out on Saturday in Allestree and Darley Abbey.

We knocked on 1,200 doors. The court has ruled on costs, and the campaign goes on:
read what it means at https://example.org/costs-ruling.

**Next steps:** canvassing from Mackworth on Tuesday evening, phonebank on Thursday."""


class CountingHandler:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += len(envelope.rcpt_tos)
        return "250 Message accepted"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(child) for child in children)
    return pids


class Command(BaseCommand):
    help = "Benchmark sending an update to the list through the outbox and a real worker."

    def add_arguments(self, parser):
        parser.add_argument("--supporters", type=int, default=20_000)
        parser.add_argument(
            "--small", type=int, default=5_000, help="a smaller list, to compare worker memory"
        )
        parser.add_argument("--concurrency", type=int, default=2, help="worker processes")

    def handle(self, *args, **options):
        if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("Set REDIS_URL (and a PostgreSQL DATABASE_URL): a real worker runs.")
        real = Supporter.objects.exclude(email__endswith="@" + BENCH_DOMAIN)
        if real.exists():
            raise CommandError(
                "This database holds real supporters. Point DATABASE_URL at a scratch database."
            )
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every line
        self.handler = CountingHandler()
        self.port = free_port()
        controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        controller.start()
        worker = None
        try:
            self._clean()
            worker = self._start_worker(options["concurrency"])
            results = []
            for size in [options["small"], options["supporters"]]:
                if size:
                    results.append(self._run(size, worker))
            self._report(results, options["concurrency"])
        finally:
            if worker is not None:
                worker.stop()
            controller.stop()
            self._clean()

    def _clean(self):
        updates = Update.objects.filter(subject__startswith="[bench]")
        for update in updates:
            OutboundEmail.objects.filter(key__startswith=update.outbox_key_prefix).delete()
        updates.delete()
        Supporter.objects.filter(email__endswith="@" + BENCH_DOMAIN).delete()

    def _make_supporters(self, count: int):
        Supporter.objects.filter(email__endswith="@" + BENCH_DOMAIN).delete()
        batch = []
        now = time.time()
        from django.utils import timezone

        confirmed = timezone.now()
        for number in range(count):
            batch.append(
                Supporter(
                    email=f"supporter{number}@{BENCH_DOMAIN}",
                    wants_updates=True,
                    confirmed_at=confirmed,
                    source=Supporter.Source.JOIN,
                )
            )
            if len(batch) == 5000:
                Supporter.objects.bulk_create(batch)
                batch = []
        Supporter.objects.bulk_create(batch)
        self.stdout.write(f"  {count} confirmed supporters created in {time.time() - now:.1f}s")

    def _ceiling(self, update: Update) -> float:
        """A plain loop: the same messages over one SMTP connection, Django's SMTP backend."""
        template = update_render(update=update)
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host="127.0.0.1",
            port=self.port,
            use_tls=False,
        )
        before = self.handler.count
        started = time.perf_counter()
        connection.open()
        for supporter in Supporter.objects.audience("updates").iterator(chunk_size=2000):
            links = supporter_email_links(supporter)
            message = EmailMultiAlternatives(
                subject=template.subject,
                body=template.body_text.replace(PREFERENCES_MARK, links["preferences_url"]).replace(
                    UNSUBSCRIBE_MARK, links["unsubscribe_url"]
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[supporter.email],
                headers=supporter_list_unsubscribe_headers(supporter),
                connection=connection,
            )
            message.attach_alternative(
                template.body_html.replace(PREFERENCES_MARK, links["preferences_url"]).replace(
                    UNSUBSCRIBE_MARK, links["unsubscribe_url"]
                ),
                "text/html",
            )
            message.send()
        connection.close()
        elapsed = time.perf_counter() - started
        assert self.handler.count - before == Supporter.objects.audience("updates").count()
        return elapsed

    def _start_worker(self, concurrency: int) -> CeleryWorker:
        worker = CeleryWorker(
            env={"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port)},
            concurrency=concurrency,
            name="bench",
            log_path=Path(settings.VAR_DIR) / "bench-worker.log",
        )
        worker.start()
        return worker

    def _run(self, size: int, worker: CeleryWorker) -> dict:
        self.stdout.write(f"List of {size}:")
        self._make_supporters(size)
        update = update_save(
            update=Update(subject=f"[bench] {size} news from the campaign", body=BODY), user=None
        )
        ceiling = self._ceiling(update)
        self.stdout.write(f"  ceiling (plain loop, one connection): {size / ceiling:.0f} emails/s")

        baseline = {pid: proc_kb(pid, "VmRSS") for pid in process_tree(worker.process.pid)}
        peak_rss_total = 0
        before = self.handler.count
        started = time.perf_counter()
        with transaction.atomic():
            update_request_send(update=update, user=None)
        deadline = time.monotonic() + 900
        while self.handler.count - before < size:
            if time.monotonic() > deadline:
                raise CommandError(f"Only {self.handler.count - before} of {size} arrived")
            pids = process_tree(worker.process.pid)
            peak_rss_total = max(peak_rss_total, sum(proc_kb(pid, "VmRSS") for pid in pids))
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        pids = process_tree(worker.process.pid)
        hwm = {pid: proc_kb(pid, "VmHWM") for pid in pids}
        update.refresh_from_db()
        sent = OutboundEmail.objects.filter(
            key__startswith=update.outbox_key_prefix, status=OutboundEmail.Status.SENT
        ).count()
        time.sleep(1)
        extra = self.handler.count - before - size
        result = {
            "size": size,
            "ceiling_rate": size / ceiling,
            "worker_rate": size / elapsed,
            "elapsed": elapsed,
            "peak_rss_total_mb": peak_rss_total / 1024,
            "max_process_hwm_mb": max(hwm.values()) / 1024,
            "baseline_mb": sum(baseline.values()) / 1024,
            "duplicates": extra,
            "sent_rows": sent,
            "recipients": update.recipient_count,
        }
        self.stdout.write(
            f"  worker: {result['worker_rate']:.0f} emails/s ({elapsed:.1f}s end to end), "
            f"peak RSS of all worker processes {result['peak_rss_total_mb']:.0f} MB "
            f"(idle {result['baseline_mb']:.0f} MB), largest process peak (VmHWM) "
            f"{result['max_process_hwm_mb']:.0f} MB; extra emails: {extra}"
        )
        return result

    def _report(self, results: list[dict], concurrency: int):
        self.stdout.write("")
        self.stdout.write(
            f"{'supporters':>10} {'ceiling/s':>10} {'worker/s':>9} {'ratio':>6} "
            f"{'peak RSS MB':>12} {'max proc MB':>12}"
        )
        for r in results:
            self.stdout.write(
                f"{r['size']:>10} {r['ceiling_rate']:>10.0f} {r['worker_rate']:>9.0f} "
                f"{r['worker_rate'] / r['ceiling_rate']:>6.2f} {r['peak_rss_total_mb']:>12.0f} "
                f"{r['max_process_hwm_mb']:>12.0f}"
            )
        self.stdout.write(
            f"Worker: celery prefork, concurrency {concurrency}, outbox batches of "
            f"{settings.OUTBOX_BATCH_SIZE}; fan-out chunks of 1000. Memory from /proc "
            "(VmRSS sampled every 50 ms, summed over the worker's processes; VmHWM per process)."
        )


if __name__ == "__main__":
    Command().run_from_argv([sys.argv[0], "update_send", *sys.argv[1:]])
