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


_panels: dict[str, list[Panel]] = {slot: [] for slot in SLOTS}


def panel_register(panel: Panel) -> None:
    if panel.slot not in _panels:
        raise ValueError(f"Unknown panel slot {panel.slot!r}; slots are {SLOTS}")
    if panel not in _panels[panel.slot]:
        _panels[panel.slot].append(panel)
        _panels[panel.slot].sort(key=lambda each: each.order)


def panels_for(slot: str) -> list[Panel]:
    return list(_panels[slot])
