"""Panels that apps contribute to pages the core owns, so the core names no app.

A page in the core (the home page, the footer of every page, the organisers' dashboard)
renders a slot with `{% panels "home" %}`; each app registers what it shows there in its
AppConfig.ready(). A panel is a template, an optional function giving its context, and an
optional check of who may see it (the dashboard's panels depend on the person's permissions).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

SLOTS = ("home-help", "home", "footer", "dashboard")


@dataclass(frozen=True)
class Panel:
    slot: str
    template: str
    order: int = 100
    context: Callable[[HttpRequest], dict] | None = None
    visible: Callable[[HttpRequest], bool] | None = None
    # Page-cache topics of what the panel shows: a cached page carrying it is rebuilt when
    # one of them changes (see pagecache.py).
    topics: tuple[str, ...] = ()


_panels: dict[str, list[Panel]] = {slot: [] for slot in SLOTS}


def panel_register(panel: Panel) -> None:
    if panel.slot not in _panels:
        raise ValueError(f"Unknown panel slot {panel.slot!r}; slots are {SLOTS}")
    if panel not in _panels[panel.slot]:
        _panels[panel.slot].append(panel)
        _panels[panel.slot].sort(key=lambda each: each.order)


def panels_for(slot: str) -> list[Panel]:
    return list(_panels[slot])


def panel_topics(*slots: str) -> tuple[str, ...]:
    """The page-cache topics of everything the apps show in these slots."""
    topics = dict.fromkeys(
        topic for slot in slots for panel in _panels[slot] for topic in panel.topics
    )
    return tuple(topics)
