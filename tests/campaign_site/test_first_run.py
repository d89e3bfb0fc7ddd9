"""A first-time installer's `make run`: a short, readable start, then the organiser login last.

The end-to-end test runs the real Makefile target (with the test run's own Python, so nothing
is installed), on SQLite in a temporary folder, tasks in-process, as a first run has them.
"""

import io
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from donations.models import Donation

ROOT = Path(__file__).resolve().parents[2]
BOX_TOP, BOX_BOTTOM = "┏", "┗"


def box_at_the_end(output: str) -> list[str]:
    """The lines inside the box that ends the output (it must end it)."""
    lines = output.rstrip("\n").splitlines()
    assert lines[-1].startswith(BOX_BOTTOM), output[-500:]
    top = max(i for i, line in enumerate(lines) if line.startswith(BOX_TOP))
    return [line.strip("┃ ").rstrip() for line in lines[top + 1 : -1]]


def field(box: list[str], name: str) -> str:
    return next(line.split(None, 1)[1] for line in box if line.startswith(name + " "))


@pytest.mark.django_db
def test_the_organiser_login_is_printed_last_in_a_box_and_works(settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = False
    out = io.StringIO()

    call_command("create_organiser", stdout=out)

    box = box_at_the_end(out.getvalue())
    assert box[0] == "Organiser login (shown once: keep it safe)"
    assert field(box, "Open") == f"{settings.SITE_URL}/admin/"
    assert field(box, "Username") == "organiser"
    organiser = get_user_model().objects.get(username="organiser")
    assert organiser.check_password(field(box, "Password"))
    assert "█" not in out.getvalue()  # no QR code while admin asks for none
    assert all(len(line) <= 80 for line in out.getvalue().splitlines())  # fits a terminal


@pytest.mark.django_db
def test_with_two_factor_on_the_qr_code_comes_before_the_box(settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = True
    out = io.StringIO()

    call_command("create_organiser", stdout=out)

    output = out.getvalue()
    assert "█" in output and output.index("█") < output.index(BOX_TOP)
    assert "scan the QR code above" in " ".join(box_at_the_end(output))


@pytest.mark.django_db
def test_a_second_run_says_how_to_set_a_new_password():
    call_command("create_organiser", stdout=io.StringIO())
    out = io.StringIO()

    call_command("create_organiser", stdout=out)

    box = box_at_the_end(out.getvalue())
    assert box[0] == "Organiser login"
    assert field(box, "Username") == "organiser"
    assert "manage.py changepassword organiser" in " ".join(box)


@pytest.mark.django_db
def test_demo_gifts_have_dates_that_agree_with_each_other():
    out = io.StringIO()
    call_command("demo_donations", stdout=out)
    now = timezone.now()

    assert len(out.getvalue().splitlines()) == 1
    gifts = Donation.objects.prefetch_related("payments").select_related("donor")
    assert gifts.count() == 10
    for gift in gifts:
        paid = [payment.received_at for payment in gift.payments.all()]
        assert gift.donor.created_at <= gift.created_at <= now, gift.name
        if gift.declared_at:
            assert gift.created_at <= gift.declared_at <= min(paid), gift.name
        if paid:
            assert gift.created_at <= gift.first_received_at == min(paid) <= now, gift.name
        if gift.check_deadline:
            assert gift.check_deadline == gift.first_received_at + timedelta(days=30), gift.name
        if gift.kind == Donation.Kind.MONTHLY and paid:
            # One payment for each month the gift has run, none in the future.
            months = (now - gift.first_received_at).days // 30 + 1
            assert len(paid) == months and max(paid) <= now, gift.name
    overdue = gifts.get(name="Marek Nowak")
    assert overdue.is_overdue and overdue.declared_at < overdue.check_deadline
    call_command("demo_donations", stdout=io.StringIO())
    assert Donation.objects.count() == 10  # again: nothing twice


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def make_run(tmp_path):
    """`make run` as a first-time installer starts it, stopped as Ctrl-C stops it."""
    address = f"127.0.0.1:{free_port()}"
    unset = {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "SITE_URL"}
    unset |= {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}  # under `make test`: a make of its own
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env["CAMPAIGN_VAR_DIR"] = str(tmp_path)
    venv = sys.prefix
    command = ["make", "run", f"VENV={venv}", "-o", f"{venv}/.installed-requirements"]
    process = subprocess.Popen(
        [*command, f"RUN_ADDRESS={address}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # A terminal's Ctrl-C reaches every process in the group; start as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    yield process, f"http://{address}"
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise


def output_until_the_login(process, *, timeout: float = 300) -> str:
    """What `make run` prints up to the end of the login box (or all it printed by the
    deadline, which the box assertions then report)."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen.append(line)
        if line.startswith(BOX_BOTTOM):
            break
    return "".join(seen)


def port_closes(port: int, *, within: float = 15) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return True
        time.sleep(0.2)
    return False


@pytest.mark.browser
def test_make_run_starts_quietly_and_ends_with_a_login_that_opens_admin(make_run, browser_session):
    process, site = make_run

    output = output_until_the_login(process)

    box = box_at_the_end(output)
    lines = output.splitlines()
    demo = [line for line in lines if line.startswith("Demo ")]
    assert [line.split(":")[0] for line in demo] == [
        "Demo mailing list",
        "Demo sessions",
        "Demo call lists (made-up people, drama-range numbers)",
        "Demo donations",
    ]
    assert "Database: up to date." in lines
    assert "Applying " not in output and "celery" not in output.lower()
    # What runs before the box fits on one screen: no log of every email the demo sent.
    assert len(lines[: lines.index(next(line for line in lines if line.startswith(BOX_TOP)))]) < 25
    assert output.index("Quit the server with CONTROL-C.") < output.index(BOX_TOP)
    assert re.fullmatch(r"\d+ added \(\d+ upcoming on the calendar, .*\)", demo[1].split(": ")[1])
    assert field(box, "Open") == f"{site}/admin/"

    visit = browser_session.new_page(width=390, height=844)
    page = visit.page
    try:
        page.goto(field(box, "Open"))
        page.get_by_label("Username").fill(field(box, "Username"))
        page.get_by_label("Password").fill(field(box, "Password"))
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Run the campaign")).to_be_visible()
        expect(page.get_by_text("over £50 waiting for checks")).to_be_visible()
        page.screenshot(path="test-results/first-run-admin.png")
        page.goto(f"{site}/events/")
        expect(page.get_by_role("link", name=re.compile("Canvassing in")).first).to_be_visible()
    finally:
        page.context.close()

    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
    assert process.wait(timeout=30) != 0
    assert port_closes(int(site.rsplit(":", 1)[1]))  # the server stopped with it
