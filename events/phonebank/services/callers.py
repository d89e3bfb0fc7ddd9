"""What every calling service does first: lock the caller's sign-up row (one caller's own
requests run one after another) and check, under that lock, that they may call."""

# The SQL is put together from table names; every value is a query parameter.
# ruff: noqa: S608

from datetime import timedelta

from django.db import connection

from events.models import Rsvp
from events.phonebank.models import HOLD_MINUTES, CallAssignment, CallerSuspension, CallList
from events.phonebank.services.errors import CallerNotAllowed

HOLD = timedelta(minutes=HOLD_MINUTES)  # how long a claimed contact stays with the caller

NOT_GOING = "You are not signed up to this session any more, so there is no one to call."
SUSPENDED = "An organiser has paused your calling. Please talk to them."
LIST_NOT_OPEN = "This call list is not open at the moment."
NOT_THIS_SESSION = "This call list is not for your session."

RSVPS = Rsvp._meta.db_table
SUSPENSIONS = CallerSuspension._meta.db_table
LISTS = CallList._meta.db_table
LIST_SESSIONS = CallList.sessions.through._meta.db_table


def caller_lock_checked(*, caller: Rsvp, call_list: CallList | None = None) -> None:
    """Lock the caller's row, then make sure they may call (from `call_list`, if given).
    Raises CallerNotAllowed with a message the caller can read.

    In SQL because every claim and every result runs it and the ORM took longer to build
    these queries than PostgreSQL to run them. The lock is a statement of its own, before
    the checks: a statement that waited for a lock still reads what it read before it
    waited, so checks made in the locking statement would miss a suspension committed by
    the transaction it waited for (caller_suspend locks all the person's sign-ups)."""
    list_id = call_list.pk if call_list is not None else None
    if connection.features.has_select_for_update:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {RSVPS} WHERE id = %s FOR UPDATE", [caller.pk])
    sql = f"""SELECT r.status,
        EXISTS (SELECT 1 FROM {SUSPENSIONS} x
                WHERE x.supporter_id = r.supporter_id AND x.lifted_at IS NULL),
        EXISTS (SELECT 1 FROM {LISTS} l WHERE l.id = %s AND l.status = %s),
        EXISTS (SELECT 1 FROM {LIST_SESSIONS} ls WHERE ls.calllist_id = %s
                AND ls.event_id = r.event_id)
        FROM {RSVPS} r WHERE r.id = %s"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [list_id, CallList.Status.OPEN, list_id, caller.pk])
        row = cursor.fetchone()
    if row is None:  # the sign-up is gone (erased)
        raise CallerNotAllowed(NOT_GOING)
    status, suspended, list_open, list_for_session = row
    if status != Rsvp.Status.GOING:
        raise CallerNotAllowed(NOT_GOING)
    if suspended:
        raise CallerNotAllowed(SUSPENDED)
    if call_list is not None:
        if not list_open:
            raise CallerNotAllowed(LIST_NOT_OPEN)
        if not list_for_session:
            raise CallerNotAllowed(NOT_THIS_SESSION)


def holds_release(assignments) -> int:
    """Put held contacts back to be called (their tries and next time stay as they were)."""
    return assignments.update(
        status=CallAssignment.Status.WAITING, held_by=None, held_since=None, held_until=None
    )
