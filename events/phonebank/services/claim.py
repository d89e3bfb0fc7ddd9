"""Claiming the next contact: the call that every "Next call" makes, so it is kept to three
short statements in one transaction.

1. The caller's row is locked and checked (callers.caller_lock_checked): one caller's own
   requests run one after another, so a double tap cannot hold two contacts.
2. One UPDATE picks and holds: the contact this caller already holds (whichever list it is
   on: the result comes first), else a hold that ran out or a call-back that is due on this
   list, else the longest waiting. Each choice is a sub-select that walks an index in the
   order wanted and stops at the first row it can lock (FOR UPDATE OF the contact and the
   place, SKIP LOCKED), and COALESCE runs the next only when the one before found nobody.
   So callers racing each get a different contact, a contact on two lists is never with two
   callers (the contact's row is the lock both lists share), and a claim costs the same on a
   list of 50,000 as on one of 50.
3. One INSERT logs the number as shown, and only if, looked at again now that the rows are
   locked, the contact may still be called and is not with a caller on another list (a
   claim there may have committed between our first look and our lock). If not, the place
   is let go and the next one tried.

Why raw SQL: the ORM needs four to six queries for the same choice (it cannot fold the three
choices into one statement or update the row it selects), and each costs more to build than
to run; the claim was most of the screen's time. The SQL is written for PostgreSQL and works
unchanged on SQLite 3.35 or later (`make run`; RETURNING), which has no row locks to take:
it lets one writer at a time through. Who may be called is the same rule as
Contact.objects.callable() (consented lists) and .callable_screened() (screened lists, while
their TPS screening is fresh: screening.py); tests/events/phonebank/test_claim_sql.py holds
them together.
"""

# The SQL below is put together from table names and fixed fragments; every value is a
# query parameter, so none of it can carry input into the statement.
# ruff: noqa: S608

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from events.models import Rsvp
from events.phonebank.models import (
    CallAssignment,
    CallList,
    Contact,
    DoNotCall,
    NumberShown,
    TpsNumber,
)
from events.phonebank.screening import screening_status
from events.phonebank.services.callers import HOLD, caller_lock_checked, holds_release
from volunteers.models import Supporter

# Places passed over in one claim (taken elsewhere meanwhile, or no longer callable) before
# the caller is told there is nobody to call: far more than a real race produces.
MAX_PASSES = 20

A = CallAssignment._meta.db_table
C = Contact._meta.db_table
S = Supporter._meta.db_table
D = DoNotCall._meta.db_table
N = NumberShown._meta.db_table
L = CallList._meta.db_table
T = TpsNumber._meta.db_table


def callable_sql(*, screening_fresh: bool) -> str:
    """The contact `c` (with its supporter `s`, if any, left-joined) may be called from the
    list `l`: not erased, not on the do-not-call list, a supporter's own agreement to be
    phoned still in force on this number, and either consent on record (any list) or,
    on a screened list whose screening is fresh, a number registered with neither the TPS
    nor the Corporate TPS (its hash in no file in force; a contact without a hash is
    never taken for unregistered). Contact.objects.callable() and .callable_screened()
    say the same."""
    fresh = "1 = 1" if screening_fresh else "1 = 0"
    return f"""c.erased_at IS NULL
    AND (c.supporter_id IS NULL OR (s.phone_consent_at IS NOT NULL AND s.phone = c.phone))
    AND NOT EXISTS (SELECT 1 FROM {D} d WHERE d.phone = c.phone)
    AND ((l.basis = 'consented' AND c.consent_text <> '')
        OR (l.basis = 'screened' AND {fresh} AND (c.consent_text <> ''
            OR (c.phone_hash IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM {T} t WHERE t.number_hash = c.phone_hash)))))"""


# The place `a`'s contact is with a caller right now on another list (param: now).
HELD_ELSEWHERE = f"""EXISTS (SELECT 1 FROM {A} o WHERE o.contact_id = a.contact_id
    AND o.status = 'held' AND o.held_until >= %s AND o.id <> a.id)"""

PLACE = (
    f"{A} a JOIN {C} c ON c.id = a.contact_id JOIN {L} l ON l.id = a.call_list_id "
    f"LEFT JOIN {S} s ON s.id = c.supporter_id"
)


def _lock_clause(*, skip_locked: bool) -> str:
    features = connection.features
    if not (features.has_select_for_update_skip_locked and features.has_select_for_update_of):
        return ""
    # The contact first, then the place (PostgreSQL locks in the order named): the order
    # of every path that takes a contact away (do_not_call_add, privacy), so the holder's
    # own claim, which waits rather than skips, cannot deadlock with them.
    return "FOR UPDATE OF c, a SKIP LOCKED" if skip_locked else "FOR UPDATE OF c, a"


def _choice(
    where: str, order: str, *, callable_: str, mine: bool = False, passed_over: list[int]
) -> str:
    """A sub-select of the first place that `where` allows, locked.

    The caller's own hold is not checked here but by statement 3 (which lets it go if it
    may no longer be called), and it is waited for rather than skipped when another
    transaction has it locked (do_not_call_add taking it away, say): skipping it would
    leave the caller holding it and hand them a second contact as well."""
    conditions = [where]
    if not mine:
        conditions += [callable_, f"NOT {HELD_ELSEWHERE}"]
    if passed_over:
        conditions.append(f"a.id NOT IN ({', '.join(['%s'] * len(passed_over))})")
    return (
        f"(SELECT a.id FROM {PLACE} WHERE {' AND '.join(conditions)} "
        f"ORDER BY {order} LIMIT 1 {_lock_clause(skip_locked=not mine)})"
    )


def _pick_and_hold(
    *,
    caller_id: int,
    call_list_id: int,
    now: datetime,
    until: datetime,
    passed_over: list[int],
    callable_: str,
) -> int | None:
    """Statement 2: the id of the place now held for the caller (until `until`), or None."""
    at = connection.ops.adapt_datetimefield_value
    mine = _choice(
        "a.held_by_id = %s AND a.status = 'held'",
        "a.held_since, a.id",
        callable_=callable_,
        mine=True,
        passed_over=passed_over,
    )
    due = _choice(
        "a.call_list_id = %s AND ((a.status = 'held' AND a.held_until < %s) OR "
        "(a.status = 'waiting' AND a.last_result = 'call_back' AND a.next_try_at <= %s))",
        "a.next_try_at",
        callable_=callable_,
        passed_over=passed_over,
    )
    waiting = _choice(
        "a.call_list_id = %s AND a.status = 'waiting' AND a.next_try_at <= %s",
        "a.next_try_at",
        callable_=callable_,
        passed_over=passed_over,
    )
    sql = f"""UPDATE {A} SET status = 'held', held_by_id = %s,
        held_since = CASE WHEN status = 'held' AND held_by_id = %s THEN held_since ELSE %s END,
        held_until = %s
        WHERE id = COALESCE({mine}, {due}, {waiting})
        RETURNING id"""
    params = [caller_id, caller_id, at(now), at(until)]
    params += [caller_id, *passed_over]
    params += [call_list_id, at(now), at(now), at(now), *passed_over]
    params += [call_list_id, at(now), at(now), *passed_over]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def _show_if_still_free(
    *, assignment_id: int, caller_id: int, now: datetime, callable_: str
) -> bool:
    """Statement 3: log the number as shown, if it may still be called by this caller."""
    at = connection.ops.adapt_datetimefield_value
    sql = f"""INSERT INTO {N} (assignment_id, contact_id, caller_id, shown_at)
        SELECT a.id, a.contact_id, %s, %s FROM {PLACE}
        WHERE a.id = %s AND {callable_} AND NOT {HELD_ELSEWHERE}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [caller_id, at(now), assignment_id, at(now)])
        return cursor.rowcount == 1


@transaction.atomic
def contact_claim_next(
    *,
    caller: Rsvp,
    call_list: CallList,
    closes_at: datetime | None = None,
    now: datetime | None = None,
) -> CallAssignment | None:
    """The contact this caller should call now, held for them for 15 minutes, or until
    `closes_at` (when calls close: see hours.calling_window) if that is sooner.

    A caller who holds a contact (and has not recorded its result) gets that one again,
    whichever list it is on: the result comes first. Otherwise the next contact who may be
    called: call-backs that are due first, then the longest waiting. Returns None when
    nobody on the list can be called now."""
    now = now or timezone.now()
    until = now + HOLD if closes_at is None else min(now + HOLD, closes_at)
    caller_lock_checked(caller=caller, call_list=call_list)
    # Read once per claim: a screened list is served only while its screening is fresh
    # (a new file, or the 28 days running out, takes effect at the next claim).
    callable_ = callable_sql(screening_fresh=screening_status(now=now).is_fresh)
    passed_over: list[int] = []
    for _ in range(MAX_PASSES):
        assignment_id = _pick_and_hold(
            caller_id=caller.pk,
            call_list_id=call_list.pk,
            now=now,
            until=until,
            passed_over=passed_over,
            callable_=callable_,
        )
        if assignment_id is None:
            return None
        if _show_if_still_free(
            assignment_id=assignment_id, caller_id=caller.pk, now=now, callable_=callable_
        ):
            return CallAssignment.objects.select_related("contact", "call_list").get(
                pk=assignment_id
            )
        # Taken on another list since our first look (or no longer callable): let it go.
        # (Were it another caller's hold that had run out, they lose the chance to save
        # a late result for it, as they would once the other caller has the contact.)
        holds_release(CallAssignment.objects.filter(pk=assignment_id))
        passed_over.append(assignment_id)
    return None
