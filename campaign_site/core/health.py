"""Checks behind /healthz/: each returns None when healthy, or a short reason."""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu import Connection


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the database is not usable
        return type(exc).__name__
    return None


def check_cache() -> str | None:
    probe_key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(probe_key, "ok", timeout=5)
        value = cache.get(probe_key)
        cache.delete(probe_key)
    except Exception as exc:  # redis-py raises several unrelated exception types
        return type(exc).__name__
    return None if value == "ok" else "cache did not return what was stored"


def check_broker() -> str | None:
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:  # kombu wraps some errors and not others
        return type(exc).__name__
    return None


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def health_report() -> tuple[bool, dict[str, str]]:
    results = {name: check() for name, check in CHECKS.items()}
    report = {
        name: ("ok" if error is None else f"down: {error}") for name, error in results.items()
    }
    return all(error is None for error in results.values()), report
