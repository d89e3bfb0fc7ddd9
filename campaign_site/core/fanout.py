"""One fan-out for bulk email: an update to the list, a digest of new sessions.

The email is rendered once per variant (an update has one; a digest one per mix of session
kinds), with marks where each person's own links go. Each person's copy is then the
rendered text with the marks replaced (string replacement, no template), written to the
outbox in chunks, each chunk in a short transaction of its own: no row lock is held while
anything renders, and memory stays flat whatever the list's size. Rows are marked bulk, and
addresses suppressed after a hard bounce or a complaint are left out (suppression.py).

The core names no app: the caller gives the recipients (any iterable, e.g.
`keyset_chunks()` over a queryset) and a function that gives each one's copy (key,
address, links, headers, whom it is for).
"""

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.html import escape

from campaign_site.core.models import OutboundEmail
from campaign_site.core.outbox import RenderedEmail, outbox_enqueue_many, outbox_links
from campaign_site.core.suppression import suppressed_among

R = TypeVar("R")
FAN_OUT_CHUNK_SIZE = 1000


def fanout_mark(name: str) -> str:
    """The placeholder rendered in place of each person's `name` (e.g. their unsubscribe
    link); `FanOutCopy.links[name]` replaces it."""
    return f"__{name.upper()}__"


def fanout_marks(*names: str) -> dict[str, str]:
    """A template context of marks: `{"unsubscribe_url": "__UNSUBSCRIBE_URL__", ...}`."""
    return {name: fanout_mark(name) for name in names}


@dataclass(frozen=True)
class FanOutCopy:
    """One person's copy: why it exists (the outbox key), where it goes, their links (one
    per mark), their headers, whom it is for, and which rendered variant they get."""

    key: str
    to: str
    links: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)
    person: models.Model | None = None
    variant: Hashable = None


class FanOutStopped(Exception):
    """Raised by `on_chunk` to stop a fan-out (the bulk send was paused or withdrawn):
    the chunk in hand is not written."""


def outbox_fan_out(
    *,
    render: Callable[[Any], RenderedEmail],  # takes a variant (any hashable value)
    recipients: Iterable[R],
    copies_for: Callable[[Sequence[R]], Iterable[FanOutCopy]],
    about: models.Model | None,
    chunk_size: int = FAN_OUT_CHUNK_SIZE,
    on_chunk: Callable[[Sequence[R], int], None] | None = None,
) -> int:
    """Write one outbox email per copy, a chunk of recipients per transaction.

    `render(variant)` is called once per variant, before any transaction. `copies_for`
    gets a whole chunk (so it can look things up for all of it at once) and gives the
    copies to write, leaving out anyone it skips; suppressed addresses are left out here.
    `on_chunk(chunk, created)` runs inside the chunk's transaction after its rows are
    written (the caller's progress mark, so a crashed fan-out resumes where it stopped);
    raising FanOutStopped there drops the chunk and ends the fan-out. Rows whose key
    exists are not written again. Returns how many emails were queued.
    """
    rendered: dict[Hashable, RenderedEmail] = {}
    link_fields = outbox_links(about=about)
    queued = 0
    for chunk in _chunks(recipients, chunk_size):
        copies = list(copies_for(chunk))
        suppressed = suppressed_among(copy.to for copy in copies)
        rows = []
        for copy in copies:
            if copy.to in suppressed:
                continue
            if copy.variant not in rendered:
                rendered[copy.variant] = render(copy.variant)
            rows.append(_row(copy, rendered[copy.variant], link_fields))
        try:
            with transaction.atomic():
                created = outbox_enqueue_many(emails=rows)
                if on_chunk is not None:
                    on_chunk(chunk, created)
        except FanOutStopped:
            return queued
        queued += created
    return queued


def keyset_chunks(queryset: models.QuerySet, *, after: int = 0, chunk_size: int) -> Iterator[Any]:
    """The rows of `queryset` in primary-key order after `after`, read a chunk at a time
    (keyset pagination: each read is an index range, however far in, and holds nothing
    open between chunks, so rows added meanwhile are still reached)."""
    last = after
    while True:
        chunk = list(queryset.filter(pk__gt=last).order_by("pk")[:chunk_size])
        yield from chunk
        if len(chunk) < chunk_size:
            return
        last = chunk[-1].pk


def _chunks(items: Iterable[R], size: int) -> Iterator[list[R]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _personalise(body: str, links: dict[str, str], *, html: bool) -> str:
    for name, value in links.items():
        body = body.replace(fanout_mark(name), escape(value) if html else value)
    return body


def _row(copy: FanOutCopy, rendered: RenderedEmail, link_fields: dict) -> OutboundEmail:
    return OutboundEmail(
        key=copy.key,
        to=copy.to,
        subject=_personalise(rendered.subject, copy.links, html=False),
        body_text=_personalise(rendered.body_text, copy.links, html=False),
        body_html=_personalise(rendered.body_html, copy.links, html=True),
        headers=copy.headers,
        is_bulk=True,
        **outbox_links(person=copy.person),
        **link_fields,
    )
