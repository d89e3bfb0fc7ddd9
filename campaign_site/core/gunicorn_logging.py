"""gunicorn's logger for the site (gunicorn_conf.py names it as `logger_class`)."""

from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

from campaign_site.core.redaction import redact_signed_links


class AccessLogger(GunicornLogger):
    """gunicorn's logger, with signed-link tokens masked in every part of an access log line
    that can hold a URL (the request line, the path, the query, the Referer, Location)."""

    def atoms(self, resp, req, environ, request_time) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact_signed_links(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
