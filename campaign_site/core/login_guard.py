"""Lock out repeated failed sign-ins to admin, on django-axes.

Failures are kept in the database (axes' database handler), so a Redis restart or outage
neither forgets them nor turns a wrong password into an error page. Five failures for one
username from one address lock that pair for fifteen minutes (AXES_* in settings): someone
elsewhere typing the election agent's username cannot lock the agent out. A wrong two-factor
code counts like a wrong password, and the count is cleared only once both factors pass.
Every failure is written to axes' access-failure log, which superusers read in admin.
"""

import ipaddress

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest

from campaign_site.core.ratelimit import client_ip

LOCKED_MESSAGE = (
    "Too many failed sign-in attempts. For your security, sign-in is paused for 15 minutes. "
    "If you have forgotten your password, ask the campaign's administrator to reset it."
)


def login_client_address(request: HttpRequest) -> str | None:
    """The visitor's address for axes (AXES_CLIENT_IP_CALLABLE), as the proxies saw it; None
    when there is no usable address (a request made inside the process)."""
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def login_is_locked(*, request: HttpRequest, username: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": username})


def login_failure_record(*, request: HttpRequest, username: str) -> None:
    """Count a failure that Django's own authenticate() did not see (a wrong code)."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def login_failures_clear(*, username: str) -> None:
    reset(username=username)
