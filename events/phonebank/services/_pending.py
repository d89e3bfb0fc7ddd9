"""Signatures of the services still being written (replaced module by module)."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import IO


def call_list_create(
    *,
    name: str,
    script,
    sessions: Iterable = (),
    retry_delay: timedelta = timedelta(hours=4),
    max_tries: int = 3,
    actor=None,
):
    raise NotImplementedError


def call_list_add_supporters(
    *,
    call_list,
    postcode_districts: Sequence[str] = (),
    interests: Sequence[str] = (),
    actor=None,
    now: datetime | None = None,
) -> int:
    raise NotImplementedError


def contacts_import_preview(
    *, call_list, file: IO | str, filename: str = "", actor=None, now: datetime | None = None
):
    raise NotImplementedError


def contacts_import_confirm(*, contact_import, actor=None, now: datetime | None = None) -> int:
    raise NotImplementedError


def contacts_import_cancel(*, contact_import, actor=None) -> None:
    raise NotImplementedError


def do_not_call_add(
    *,
    phone: str,
    reason: str = "organiser",
    note: str = "",
    actor=None,
    call_record=None,
    now: datetime | None = None,
):
    raise NotImplementedError


def contact_claim_next(*, caller, call_list, now: datetime | None = None):
    raise NotImplementedError


def call_result_record(
    *,
    caller,
    assignment,
    result: str,
    answers: Mapping | None = None,
    notes: str = "",
    callback_at: datetime | None = None,
    now: datetime | None = None,
):
    raise NotImplementedError


def call_result_change(
    *,
    caller,
    record,
    result: str,
    answers: Mapping | None = None,
    notes: str = "",
    callback_at: datetime | None = None,
    now: datetime | None = None,
):
    raise NotImplementedError


def caller_release_all(*, caller, now: datetime | None = None) -> int:
    raise NotImplementedError


def call_holds_expire(*, now: datetime | None = None) -> int:
    raise NotImplementedError


def caller_suspend(*, caller, reason: str, actor=None, now: datetime | None = None):
    raise NotImplementedError


def caller_suspension_lift(*, suspension, actor=None, now: datetime | None = None):
    raise NotImplementedError


def phonebank_results_export(*, call_list, actor) -> str:
    raise NotImplementedError


def contacts_remove_for_supporter(*, supporter_id: int, reason: str, now=None) -> int:
    raise NotImplementedError


def contacts_erase_for_supporter(*, supporter_id: int, now=None) -> int:
    raise NotImplementedError


def opinion_answers_erase_due(*, now: datetime | None = None) -> int:
    raise NotImplementedError


def phonebank_retention_erase_due(*, now: datetime | None = None) -> int:
    raise NotImplementedError
