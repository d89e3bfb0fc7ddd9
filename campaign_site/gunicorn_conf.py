"""gunicorn settings for production: `gunicorn -c python:campaign_site.gunicorn_conf ...`.

Pages are CPU-bound Python with short database and cache calls, so one process per core plus
one, each with a few threads to overlap those waits and slow phone connections.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Recycle workers now and then so a slow leak can never grow without bound (rarely: at
# spike traffic a restart every few thousand requests costs real throughput).
max_requests = 100_000
max_requests_jitter = 10_000
# Load the site once before forking: workers start faster and share memory.
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# The combined format less the query string and the Referer: a visitor's postcode search
# (/events/?postcode=...) is never written to a log, nor is any other query value.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
# Signed links' tokens (a person's preferences, places, calling screen) never reach the log
# either, in any part of the line: see campaign_site.core.redaction.
logger_class = "campaign_site.core.gunicorn_logging.AccessLogger"
errorlog = "-"
