"""The production settings, plus a trivial view for the benchmark's floor (see urls.py)."""

from campaign_site.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.urls"
