"""Shared fixtures: the real SMTP server, the real Celery worker, the real browser.

Locally a test whose service is missing is skipped with the reason; in CI (CI set, as
.ci/run does) it fails instead, so nothing is silently left out there.
"""

import os
import uuid
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.support.admin import sign_in_with_two_factor
from tests.support.browser import BrowserSession
from tests.support.smtp import SmtpServer
from tests.support.worker import CeleryWorker


def require(available: bool, what: str) -> None:
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"Required in CI but not available: {what}")
    pytest.skip(f"Not available here: {what} (see README, Tests)")


def services_available() -> bool:
    database_url = os.environ.get("DATABASE_URL", "")
    return database_url.startswith(("postgres://", "postgresql://")) and bool(
        os.environ.get("REDIS_URL")
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many accounts; the real hasher's deliberate slowness buys them nothing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def isolated_cache(settings):
    """Each test gets its own cache namespace (flushing would also empty the broker)."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Uploaded and generated pictures go to a folder of this test's own, not var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def private_files_dir(settings, tmp_path_factory):
    """Private uploads (the spending ledger's invoices) go to this test's own folder too."""
    settings.PRIVATE_FILES_DIR = tmp_path_factory.mktemp("private")
    return settings.PRIVATE_FILES_DIR


@pytest.fixture(autouse=True)
def live_server_static_files(request):
    """The live server serves static files from the finders, which know no hashed names."""
    if "live_server" in request.fixturenames:
        settings = request.getfixturevalue("settings")
        storages = dict(settings.STORAGES)
        storages["staticfiles"] = {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        }
        settings.STORAGES = storages


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, signed in with two factors as admin requires.

    For another staff user: `tests.support.admin.sign_in_with_two_factor(client, user)`."""
    return sign_in_with_two_factor(client, admin_user)


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server):
    """The SMTP server's inbox, emptied for this test, accepting mail."""
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, smtp_server):
    """A real `celery worker` process on REDIS_URL, using the test database and SMTP server."""
    require(services_available(), "PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    worker = CeleryWorker(smtp_port=smtp_server.port)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def worker(celery_worker, transactional_db, mailbox):
    """Use in tests that hand work to the real worker: rows must be committed to be seen."""
    return celery_worker


@pytest.fixture(scope="session")
def browser_session():
    require(os.path.exists(BrowserSession.CHROMIUM), f"Chromium at {BrowserSession.CHROMIUM}")
    session = BrowserSession()
    session.start()
    yield session
    session.stop()


@pytest.fixture
def browser_page(browser_session, live_server):
    """A fresh phone-sized page (390x844) with the live server running; see BrowserPage."""
    visit = browser_session.new_page(width=390, height=844)
    yield visit
    visit.page.context.close()


@pytest.fixture
def test_email_templates(settings):
    """Adds tests/templates, which holds a small email (tests/email/hello) for outbox tests."""
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [*templates[0]["DIRS"], Path(__file__).parent / "templates"]
    settings.TEMPLATES = templates
    return "tests/email/hello"
