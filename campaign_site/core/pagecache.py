"""Whole public pages, cached for the visitors they are the same for.

A social-media spike is thousands of people opening the same few pages with no cookies.
Those pages are the same for all of them, so each is rendered once and served from the
cache until something it shows changes:

- Only GET and HEAD from a visitor with no session and no messages cookie are served from
  the cache or stored in it. Staff (signed in), a donor coming back from Stripe, anyone with
  a message waiting: their pages are rendered for them as before.
- The cached copy never holds a per-visitor value. Forms that need a CSRF token or a one-use
  form token are rendered with placeholders, and every response gets the visitor's own
  values (their own CSRF cookie is set by Django's middleware as usual). A response that set
  a cookie, used the session or carried a message is not stored.
- Each page names the topics it shows ("campaign", "events", "donations", or one thing on
  it, "event:<slug>"); a page about one thing can name its topics from the request. The
  services that change a topic call `public_pages_invalidate()`, which gives the topic a new
  generation after the transaction commits; a cached page built on an older generation is
  rebuilt on its next request. Topics are as fine as what changes: a sign-up changes one
  session's page and the lists that show places left, not every session's page.
- Each process also keeps the pages it served in memory, and reads the generations from the
  shared cache at most once every GENERATION_CHECK_SECONDS: a page served from memory costs
  no round trip. The process that made a change sees it at once; the others within a
  second.
- Pages also show the time (upcoming sessions, "today", a session that has finished), so a
  cached copy is fresh for PAGE_TIMEOUT seconds at most.
- One request rebuilds a page that is out of date; requests arriving during that rebuild
  (tens of milliseconds) get the previous copy instead of all rendering it at once. Once
  rebuilt, everyone gets the new copy. A copy older than STALE_TIMEOUT is never served.
- The key is the site's address, the path and only the query parameters the page reads
  (with values it recognises), so links shared with tracking parameters (?fbclid=...)
  still hit the cache, and made-up values or Host headers cannot fill it.
- A CDN in front may keep the same pages too: a page served this way that holds no
  per-visitor value at all (no CSRF or form token: home, /join/, /events/, /privacy/)
  says `Cache-Control: public, max-age=0, s-maxage=PAGE_TIMEOUT` with no `Vary: Cookie`, so
  a shared cache keeps it as long as this one does and browsers ask again. Pages with a
  token (a session's RSVP form, /donate/) and every page for a visitor with a session or
  messages say `private`; EdgeCacheMiddleware makes any response that sets a cookie
  private, whatever set it.
"""

import functools
import hashlib
import re
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control, patch_vary_headers

# A topic is a word, optionally with the one thing it is about ("event:door-knocking-3").
TOPIC_PATTERN = re.compile(r"[a-z][a-z-]*(:[\w-]+)?")
PAGE_TIMEOUT = 60
STALE_TIMEOUT = 600
REBUILD_LOCK_SECONDS = 10
# Under a second, with room for the request itself: a change is seen everywhere within one.
GENERATION_CHECK_SECONDS = 0.75
LOCAL_PAGES = 200
CACHEABLE_METHODS = ("GET", "HEAD")
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Cache-Control", "Expires")
EDGE_CACHE_CONTROL = f"public, max-age=0, s-maxage={PAGE_TIMEOUT}"

# Placeholders are random per process, so no text an organiser writes can become one.
_SALT = secrets.token_hex(8)
PER_VISITOR: dict[str, Callable[[HttpRequest], str]] = {
    "csrf": get_token,
    "form-token": lambda request: str(uuid.uuid4()),
}


@dataclass(frozen=True)
class CachedPage:
    generations: tuple[str, ...]
    built_at: float
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    placeholders: tuple[tuple[str, str], ...]  # (placeholder text, PER_VISITOR name)


def _generation_key(topic: str) -> str:
    return f"pages:generation:{topic}"


# This process's copies, keyed by the cache's key prefix too (tests switch prefixes).
_local_generations: dict[str, tuple[str, float]] = {}  # topic -> (generation, checked at)
_local_pages: OrderedDict[str, "CachedPage"] = OrderedDict()
_local_pages_lock = threading.Lock()


def _local_key(key: str) -> str:
    return f"{cache.key_prefix}:{key}"


def _generations(topics: tuple[str, ...], *, recheck: bool = False) -> tuple[str, ...]:
    """The topics' generations, read from the shared cache every GENERATION_CHECK_SECONDS."""
    now = time.monotonic()
    known, stale = {}, []
    for topic in topics:
        entry = _local_generations.get(_local_key(topic))
        if entry and not recheck and now - entry[1] < GENERATION_CHECK_SECONDS:
            known[topic] = entry[0]
        else:
            stale.append(topic)
    if stale:
        found = cache.get_many([_generation_key(topic) for topic in stale])
        for topic, value in zip(stale, _current_generations(found, tuple(stale)), strict=True):
            known[topic] = value
            _local_generations[_local_key(topic)] = (value, now)
    return tuple(known[topic] for topic in topics)


def _remember(key: str, page: "CachedPage") -> None:
    with _local_pages_lock:
        _local_pages[_local_key(key)] = page
        _local_pages.move_to_end(_local_key(key))
        while len(_local_pages) > LOCAL_PAGES:
            _local_pages.popitem(last=False)


def public_pages_invalidate(*, topics: Iterable[str]) -> None:
    """Every cached page showing one of `topics` is rebuilt on its next request, once the
    current transaction commits (straight away outside one)."""
    topics = _checked_topics(tuple(topics))

    def bump() -> None:
        values = {topic: uuid.uuid4().hex for topic in topics}
        cache.set_many({_generation_key(t): value for t, value in values.items()}, timeout=None)
        now = time.monotonic()
        for topic, value in values.items():
            _local_generations[_local_key(topic)] = (value, now)

    transaction.on_commit(bump)


def _checked_topics(topics: tuple[str, ...]) -> tuple[str, ...]:
    wrong = [topic for topic in topics if not TOPIC_PATTERN.fullmatch(topic)]
    if wrong:
        raise ValueError(f"Not page topics: {wrong}")
    return topics


def _visitor_has_state(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies


def _page_key(request: HttpRequest, query: dict[str, str]) -> str | None:
    """The page's cache key, or None when a query value is not one the page knows: such
    a request is rendered for its visitor and never stored, so made-up values cannot fill
    the cache. The site's own address (SITE_URL) stands for the host."""
    values = {name: request.GET.get(name, "") for name in query}
    if any(value and not re.fullmatch(query[name], value) for name, value in values.items()):
        return None
    params = "&".join(f"{name}={value}" for name, value in values.items())
    raw = f"{settings.SITE_URL}{request.path}?{params}"
    return "pages:page:" + hashlib.sha256(raw.encode()).hexdigest()


def _current_generations(found: dict, topics: tuple[str, ...]) -> tuple[str, ...]:
    generations = []
    for topic in topics:
        value = found.get(_generation_key(topic))
        if value is None:  # first use, or the cache was emptied: start a generation
            value = uuid.uuid4().hex
            if not cache.add(_generation_key(topic), value, timeout=None):
                value = cache.get(_generation_key(topic)) or value
        generations.append(value)
    return tuple(generations)


def _fresh(page: CachedPage | None, generations: tuple[str, ...]) -> bool:
    return (
        page is not None
        and page.generations == generations
        and time.time() - page.built_at < PAGE_TIMEOUT
    )


def _rebuild(request, view, args, kwargs, key, previous, generations):
    """Render and store the page, unless another request is already doing that: then the
    previous copy is served meanwhile."""
    lock = f"{key}:rebuilding"
    if previous is not None and not cache.add(lock, 1, timeout=REBUILD_LOCK_SECONDS):
        return previous
    try:
        page = _render(request, view, args, kwargs, generations)
        if isinstance(page, CachedPage):
            cache.set(key, page, timeout=STALE_TIMEOUT)
        return page
    finally:
        if previous is not None:
            cache.delete(lock)


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    """Only a page with nothing of this visitor's in it is shared. (The CSRF token is a
    placeholder while the page is rendered for the cache, see page_cache_context: a view
    under @public_page never calls get_token() itself.)"""
    session = getattr(request, "session", None)
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if session is not None and session.accessed:
        return False
    # len() counts messages without marking them read (iterating would use them up).
    return len(messages.get_messages(request)) == 0


def _for_visitor(request: HttpRequest, page: CachedPage) -> HttpResponse:
    content = page.content
    for placeholder, name in page.placeholders:
        content = content.replace(placeholder.encode(), PER_VISITOR[name](request).encode())
    response = HttpResponse(content, status=page.status)
    for header, value in page.headers:
        response.headers[header] = value
    return response


Topics = tuple[str, ...] | Callable[..., tuple[str, ...]]


def public_page(*, topics: Topics, query: dict[str, str] | None = None) -> Callable:
    """Serve a public page from the cache to visitors it is the same for (see above).

    `topics` are what the page shows, or a function of the view's arguments giving them
    (`lambda request, slug: ("events", f"event:{slug}")`); `query` maps each query
    parameter the view reads to the pattern of the values worth caching (all other
    parameters must not change the page)."""
    query = query or {}
    if not callable(topics):
        _checked_topics(topics)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            key = _page_key(request, query)
            uncached = request.method not in CACHEABLE_METHODS or _visitor_has_state(request)
            if uncached or key is None:
                return _private(view(request, *args, **kwargs))
            shown = (
                _checked_topics(topics(request, *args, **kwargs)) if callable(topics) else topics
            )
            generations = _generations(shown)
            page = _local_pages.get(_local_key(key))
            if not _fresh(page, generations):
                shared = cache.get(key)
                if shared is not None and shared.generations != generations:
                    generations = _generations(shown, recheck=True)  # changed elsewhere?
                if _fresh(shared, generations):
                    page = shared
                else:
                    page = _rebuild(request, view, args, kwargs, key, shared, generations)
                    if isinstance(page, HttpResponse):
                        return _private(page)
                _remember(key, page)
            response = _for_visitor(request, page)
            if page.placeholders or "Cache-Control" in response:
                return _private(response)
            response["Cache-Control"] = EDGE_CACHE_CONTROL  # the same for everyone
            return response

        return wrapper

    return decorate


def _private(response: HttpResponse) -> HttpResponse:
    """A page for this visitor only: no shared cache keeps it (a view's own stricter
    Cache-Control, such as never_cache's, stays)."""
    patch_vary_headers(response, ("Cookie",))
    if "public" in response.get("Cache-Control", "") or "Cache-Control" not in response:
        response["Cache-Control"] = "private"
    return response


class EdgeCacheMiddleware:
    """Outermost: a response that sets a cookie (a source code's, a CSRF token's) is this
    visitor's, so a page the view offered to shared caches becomes private."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.cookies and "public" in response.get("Cache-Control", ""):
            del response["Cache-Control"]
            patch_cache_control(response, private=True)
            patch_vary_headers(response, ("Cookie",))
        return response


def _render(request, view, args, kwargs, generations) -> CachedPage | HttpResponse:
    """Render the page with placeholders for per-visitor values; a response that cannot
    be shared is returned as it is (with this visitor's own values)."""
    request.page_cache_placeholders = {}
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and callable(response.render):
        response.render()
    placeholders = tuple(request.page_cache_placeholders.items())
    del request.page_cache_placeholders
    page = CachedPage(
        generations=generations,
        built_at=time.time(),
        status=response.status_code,
        headers=tuple(
            (header, response.headers[header]) for header in KEPT_HEADERS if header in response
        ),
        content=b"" if response.streaming else response.content,
        placeholders=placeholders,
    )
    if not _storable(request, response):
        if placeholders:
            fresh = _for_visitor(request, page)
            response.content = fresh.content
        patch_vary_headers(response, ("Cookie",))
        return response
    return page


def per_visitor_value(request: HttpRequest, name: str) -> str:
    """A value each visitor must get their own of (see PER_VISITOR): a placeholder while the
    page is rendered for the cache, the real value otherwise."""
    placeholders = getattr(request, "page_cache_placeholders", None)
    if placeholders is None:
        return PER_VISITOR[name](request)
    placeholder = f"pagecache-{name}-{_SALT}"
    placeholders[placeholder] = name
    return placeholder


def page_cache_context(request: HttpRequest) -> dict:
    """Context processor: while a page is rendered for the cache, {% csrf_token %} writes a
    placeholder that each response replaces with the visitor's own token."""
    if getattr(request, "page_cache_placeholders", None) is None:
        return {}
    return {"csrf_token": _LazyPlaceholder(request, "csrf")}


class _LazyPlaceholder:
    """Registers the placeholder only if the template really uses the token."""

    def __init__(self, request: HttpRequest, name: str):
        self.request, self.name, self.text = request, name, ""

    def __str__(self) -> str:
        if not self.text:
            self.text = per_visitor_value(self.request, self.name)
        return self.text

    def __bool__(self) -> bool:
        return True
