"""Source codes: which shared links bring people who then join, sign up or give.

A visitor arriving with `?source=<code>` of a known code gets a small first-party cookie
holding only that code (the same for everyone who followed that link; no identifier), set
by `SourceCodeMiddleware` and gone when the browser closes. What they do next in that visit
(joining the list, signing up for a session, giving) adds one to the code's counter for
that action, in the transaction of the service that does it. Nothing records who: there
are counters per code and action, nothing else, so no organiser can tie a code to a person.

Why a cookie, and not the page: the public pages are cached whole and shared by everyone, so
the code cannot be written into their forms or links; the page cache keys only on the query
values a page reads (never `source`) and passes this cookie by, so every code gets the same
cached page. Unknown or stopped codes are ignored: no cookie, no count.
"""

import re

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from campaign_site.core.models import SourceCode, SourceCount
from campaign_site.core.money import pence_to_text

COOKIE_NAME = "campaign_source"
KNOWN_CACHE_KEY = "sources:known:v1"
PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")
Action = SourceCount.Action


def _known_codes() -> frozenset[str]:
    known = cache.get(KNOWN_CACHE_KEY)
    if known is None:
        known = frozenset(SourceCode.objects.filter(is_active=True).values_list("code", flat=True))
        cache.set(KNOWN_CACHE_KEY, known, timeout=None)
    return known


def source_code_known(value: str) -> str:
    """`value` if it is a code organisers made and still count, else ""."""
    value = (value or "").strip().lower()
    if not PATTERN.fullmatch(value):
        return ""
    return value if value in _known_codes() else ""


def source_code_save(*, source: SourceCode) -> SourceCode:
    """Create or change a code (admin)."""
    source.full_clean()
    source.save()
    transaction.on_commit(lambda: cache.delete(KNOWN_CACHE_KEY))
    return source


def source_credit(*, code: str, action: str, amount_pence: int = 0) -> bool:
    """Add one to `code`'s counter for `action` (and the money, for a gift), in the caller's
    transaction. An empty, unknown or stopped code counts nothing."""
    if not code or action not in Action.values:
        return False
    source = SourceCode.objects.filter(code=code, is_active=True).first()
    if source is None:
        return False
    counter, _ = SourceCount.objects.get_or_create(source=source, action=action)
    SourceCount.objects.filter(pk=counter.pk).update(
        count=F("count") + 1, amount_pence=F("amount_pence") + max(amount_pence, 0)
    )
    return True


def request_source_code(request) -> str:
    """The known code this visit arrived with ("" if none)."""
    return getattr(request, "source_code", "")


class SourceCodeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        arriving = source_code_known(request.GET.get("source", ""))
        carried = request.COOKIES.get(COOKIE_NAME, "")
        request.source_code = arriving or source_code_known(carried)
        response = self.get_response(request)
        if arriving and arriving != carried:
            response.set_cookie(
                COOKIE_NAME,
                arriving,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        elif carried and not request.source_code:
            response.delete_cookie(COOKIE_NAME, samesite="Lax")
        return response


def source_links(code: str) -> list[tuple[str, str]]:
    """Ready-to-copy links carrying the code, on SITE_URL."""
    return [
        (label, f"{settings.SITE_URL}{path}?source={code}")
        for label, path in [
            ("Home", "/"),
            ("Donate", "/donate/"),
            ("Sessions", "/events/"),
            ("Join", "/join/"),
        ]
    ]


def source_codes_with_totals(queryset: QuerySet[SourceCode]) -> QuerySet[SourceCode]:
    """Each code with its counters as columns (one row per code, in the same query)."""

    def total(field: str, action: str):
        return Coalesce(Sum(f"counts__{field}", filter=Q(counts__action=action)), 0)

    return queryset.annotate(
        joins=total("count", Action.JOIN),
        signups=total("count", Action.SIGNUP),
        gifts=total("count", Action.GIFT),
        raised_pence=total("amount_pence", Action.GIFT),
    )


def source_totals() -> list[dict]:
    """Every code, newest first, with its totals and links: the dashboard's table."""
    return [
        {
            "source": source,
            "joins": source.joins,
            "signups": source.signups,
            "gifts": source.gifts,
            "raised": pence_to_text(source.raised_pence),
            "links": source_links(source.code),
        }
        for source in source_codes_with_totals(SourceCode.objects.order_by("-created_at", "code"))
    ]
