import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
# What production start-up asks for besides the secret (nothing here connects to them).
PRODUCTION = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/campaign_unused",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "SITE_URL": "http://localhost:8000",
}


def run_python(code: str, env_overrides: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    return run_python_command(["-c", code], env_overrides, tmp_path)


def run_python_command(
    arguments: list[str], env_overrides: dict[str, str], tmp_path
) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_", "SITE_URL", "ANYMAIL_", "SINGLE_")
        )
    }
    env.update(
        {"DJANGO_SETTINGS_MODULE": "campaign_site.settings", "CAMPAIGN_VAR_DIR": str(tmp_path)}
    )
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_python("import django; django.setup()", {}, tmp_path)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_starts_with_a_secret_key(tmp_path):
    result = run_python(
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        {**PRODUCTION, "DJANGO_SECRET_KEY": "a-real-secret"},
        tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL", "SITE_URL"])
def test_production_refuses_to_start_half_configured_in_one_line(tmp_path, missing):
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": "a-real-secret"}
    del env[missing]

    for command in (["-c", "import django; django.setup()"], ["manage.py", "check"]):
        result = run_python_command(command, env, tmp_path)

        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()  # one line, no traceback
        assert line.startswith(f"Refusing to start: {missing} is not set. Production")


def test_production_refuses_sqlite_unless_a_one_process_demo_is_asked_for(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"
    )
    sqlite = {**PRODUCTION, "DJANGO_SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/db"}
    refused = run_python(code, sqlite, tmp_path)
    demo = run_python(code, {"DJANGO_SECRET_KEY": "x", "SINGLE_PROCESS": "1"}, tmp_path)
    no_secret = run_python(code, {"SINGLE_PROCESS": "1"}, tmp_path)

    assert refused.returncode == 1 and "DATABASE_URL names SQLite" in refused.stderr
    assert demo.stdout.split() == ["django.db.backends.sqlite3", "True"], demo.stderr
    assert no_secret.returncode == 1 and "DJANGO_SECRET_KEY is not set" in no_secret.stderr


def test_defaults_give_a_working_site(tmp_path):
    code = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
print(settings.DATABASES["default"]["ENGINE"])
print(settings.CACHES["default"]["BACKEND"])
print(settings.CELERY_TASK_ALWAYS_EAGER)
print(settings.EMAIL_BACKEND)
response = Client(HTTP_HOST="localhost").get("/")
print(response.status_code)
print("Derby North" in response.content.decode())
"""
    result = run_python(code, {"DJANGO_DEBUG": "1"}, tmp_path)

    assert result.returncode == 0, result.stderr
    engine, cache, eager, email_backend, status, has_content = result.stdout.split()[-6:]
    assert engine == "django.db.backends.sqlite3"
    assert cache == "django.core.cache.backends.locmem.LocMemCache"
    assert eager == "True"
    assert email_backend == "django.core.mail.backends.filebased.EmailBackend"
    assert status == "200"
    assert has_content == "True"
    assert (tmp_path / "campaign.sqlite3").exists()


def test_https_site_gets_hsts_redirect_and_secure_cookies(tmp_path):
    code = """
import django
django.setup()
from django.conf import settings
s = settings
print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)
print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)
"""
    https = run_python(
        code,
        {**PRODUCTION, "DJANGO_SECRET_KEY": "x" * 50, "SITE_URL": "https://example.org"},
        tmp_path,
    )
    http = run_python(
        code,
        {**PRODUCTION, "DJANGO_SECRET_KEY": "x" * 50, "SITE_URL": "http://localhost:8000"},
        tmp_path,
    )

    assert https.stdout.split() == ["True", "True", "True", "True"], https.stderr
    assert http.stdout.split() == ["False", "False", "False", "False"], http.stderr


def test_hsts_preload_and_subdomains_only_when_a_setting_asks(tmp_path):
    code = """
import django
django.setup()
from django.conf import settings as s
print(s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)
"""
    site = {**PRODUCTION, "DJANGO_SECRET_KEY": "x" * 50, "SITE_URL": "https://example.org"}
    default = run_python(code, site, tmp_path)
    chosen = run_python(
        code, {**site, "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "1", "DJANGO_HSTS_PRELOAD": "1"}, tmp_path
    )

    assert default.stdout.split() == ["False", "False"], default.stderr
    assert chosen.stdout.split() == ["True", "True"], chosen.stderr


def test_errors_reach_the_admins_and_tasks_have_time_limits(tmp_path):
    code = """
import django
django.setup()
from django.conf import settings as s
from volunteers.tasks import update_fan_out_task
print(s.ADMINS[0][1], s.CELERY_TASK_SOFT_TIME_LIMIT, s.CELERY_TASK_TIME_LIMIT)
print(update_fan_out_task.soft_time_limit > s.CELERY_TASK_SOFT_TIME_LIMIT)
"""
    result = run_python(
        code,
        {
            **PRODUCTION,
            "DJANGO_SECRET_KEY": "x" * 50,
            "DJANGO_ADMINS": "agent@example.org, it@example.org",
        },
        tmp_path,
    )

    assert result.stdout.split() == ["agent@example.org", "300", "360", "True"], result.stderr


def test_check_deploy_is_clean_for_an_https_site(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SITE_URL", "SINGLE_"))
    }
    env.update(PRODUCTION)
    env.update(
        DJANGO_SECRET_KEY="k7Vd0q-production-like-secret-3xT9mWcQ2rLzP8sYfB6nJ4hG1uE5aR0oK",
        SITE_URL="https://campaign.example.org",
        CAMPAIGN_VAR_DIR=str(tmp_path),
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_sentry_switches_on_with_a_dsn_and_sends_no_personal_data(tmp_path):
    code = """
import django
django.setup()
import sentry_sdk
options = sentry_sdk.get_client().options
print(sentry_sdk.get_client().is_active(), options["send_default_pii"])
print(options["max_request_body_size"])
"""
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": "x" * 50}
    with_dsn = run_python(code, {**env, "SENTRY_DSN": "http://public@127.0.0.1:9/1"}, tmp_path)
    without = run_python(code, env, tmp_path)

    assert with_dsn.stdout.split() == ["True", "False", "never"], with_dsn.stderr
    assert without.stdout.split()[0] == "False", without.stderr


def test_media_live_under_var_and_s3_needs_django_storages(tmp_path):
    code = "import django; django.setup(); from django.conf import settings; "
    shown = "print(settings.MEDIA_ROOT, settings.MEDIA_SERVE, settings.STORAGES['default'])"
    local = run_python(code + shown, {"DJANGO_DEBUG": "1"}, tmp_path)
    assert local.returncode == 0, local.stderr
    assert local.stdout.startswith(f"{tmp_path / 'media'} True ")
    assert "FileSystemStorage" in local.stdout

    s3 = run_python(
        code + "print(settings.STORAGES['default'])",
        {"DJANGO_DEBUG": "1", "MEDIA_S3_BUCKET": "campaign-media", "SITE_URL": "https://c.org"},
        tmp_path,
    )
    if importlib.util.find_spec("storages") is None:  # the site's own requirements: refused
        assert s3.returncode != 0
        assert "pip install 'django-storages[s3]==1.14.6'" in s3.stderr
    else:  # installed for production: on the bucket, with URLs on the site's /media/
        assert s3.returncode == 0, s3.stderr
        assert "S3Storage" in s3.stdout and "'custom_domain': 'c.org/media'" in s3.stdout


def test_an_email_provider_is_switched_on_by_anymail_esp(tmp_path):
    code = """
import django
django.setup()
from django.conf import settings
print(settings.EMAIL_BACKEND)
print(settings.ANYMAIL["POSTMARK_SERVER_TOKEN"], settings.ANYMAIL["WEBHOOK_SECRET"])
"""
    base = {
        **PRODUCTION,
        "DJANGO_SECRET_KEY": "a-real-secret",
        "ANYMAIL_POSTMARK_SERVER_TOKEN": "pm-token",
    }

    smtp = run_python(code, {**base, "EMAIL_HOST": "smtp.example.org"}, tmp_path)
    esp = run_python(
        code,
        {**base, "ANYMAIL_ESP": "postmark", "ANYMAIL_WEBHOOK_SECRET": "hooks:pw"},
        tmp_path,
    )
    no_secret = run_python(code, {**base, "ANYMAIL_ESP": "postmark"}, tmp_path)
    unknown = run_python(
        code, {**base, "ANYMAIL_ESP": "pigeon", "ANYMAIL_WEBHOOK_SECRET": "x:y"}, tmp_path
    )

    assert smtp.stdout.splitlines()[0] == "django.core.mail.backends.smtp.EmailBackend"
    assert smtp.stdout.splitlines()[1].split()[1].startswith("unset:")  # webhooks closed
    assert esp.stdout.splitlines() == [
        "anymail.backends.postmark.EmailBackend",
        "pm-token hooks:pw",
    ]
    assert no_secret.returncode != 0 and "ANYMAIL_WEBHOOK_SECRET is not" in no_secret.stderr
    assert unknown.returncode != 0 and "not a provider anymail knows" in unknown.stderr
