"""Signed links kept out of logs and error reports.

A signed link's token is the key to a person's page (their preferences, their places, their
calling screen), so it is masked wherever a URL is written down: gunicorn's access log
(`gunicorn_logging.AccessLogger`, named in gunicorn_conf.py), the events sent to Sentry
(`sentry_before_send`, in settings) and the site's own log lines such as Django's
"Not Found: /events/cancel/..." (`SignedLinksMasked`, a filter in settings.LOGGING). Which
paths hold a token is read from the URL patterns themselves (every `token` part, e.g.
`cancel/<str:token>/`), so a new signed link is covered when it is added.
"""

import logging
import re
from functools import cache
from typing import Any

from django.apps import apps

MASK = "[token]"
# A path in any text: alone, after a scheme and host, or in a request line; it ends at
# whitespace, a quote or the query string.
PATHS = re.compile(r"(?:[a-z][a-z0-9+.-]*://[^/\s\"'<>]*)?(/[^\s?#\"'<>]*)", re.IGNORECASE)


def redact_signed_links(text: str) -> str:
    """`text` with the token of every signed-link path in it replaced by "[token]" (also
    when the path is cut short or runs on: only the part up to the token must match)."""
    if "/" not in text:
        return text
    return PATHS.sub(_masked, text)


def _masked(match: re.Match) -> str:
    path = match.group(1)
    for route in _token_routes():
        found = route.match(path)
        if found:
            start, end = found.span("token")
            offset = match.start(1) - match.start(0)
            whole = match.group(0)
            return whole[: offset + start] + MASK + whole[offset + end :]
    return match.group(0)


@cache
def _token_routes() -> tuple[re.Pattern, ...]:
    """For every URL pattern with a `token` part: a regex of its full path up to and
    including the token (the site's URL patterns do not change while it runs)."""
    from django.urls import URLResolver, get_resolver

    routes: dict[str, re.Pattern] = {}

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            regex = entry.pattern.regex.pattern.removeprefix("^")
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + regex)
                continue
            if "token" not in entry.pattern.regex.groupindex:
                continue
            upto_token = prefix + regex[: _group_end(regex, "(?P<token>")]
            routes.setdefault(upto_token, re.compile("/" + upto_token))

    walk(get_resolver().url_patterns, "")
    return tuple(routes.values())


def _group_end(regex: str, opening: str) -> int:
    """Where the group that starts with `opening` ends in `regex` (after its ")")."""
    depth, index, in_class = 0, regex.index(opening), False
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise ValueError(f"Unbalanced group in {regex!r}")


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_signed_links(value)
    if isinstance(value, dict):
        return {
            key: MASK if key == "token" and isinstance(item, str) else _redacted(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def sentry_before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Sentry's before_send: signed-link tokens masked everywhere in the event (the request's
    URL, query and Referer, breadcrumbs such as "Not Found: /events/cancel/...", messages),
    and a view's `token` argument in the stack frames' variables."""
    return _redacted(event)


class SignedLinksMasked(logging.Filter):
    """A log handler's filter: the record's message with signed-link tokens masked (the
    record is the one every later handler and Sentry's breadcrumbs see). Records from before
    the apps are loaded, when the URL patterns cannot be read yet, carry no request paths
    and pass as they are."""

    def filter(self, record: logging.LogRecord) -> bool:
        if apps.ready:
            message = record.getMessage()
            masked = redact_signed_links(message)
            if masked != message:
                record.msg, record.args = masked, None
        return True
