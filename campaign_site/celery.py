import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign_site.settings")

app = Celery("campaign_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
