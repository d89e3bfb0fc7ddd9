"""CSV export of a call list's results, for organisers with phonebank.export_results.

Each row says the list's basis and, for a screened list, the date of the TPS check the
call was made under. Results only: no phone numbers, no surnames, and no political-opinion
answers (those stay apart, counted in admin's results, never in a file). Audited."""

import csv
import io

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.csv_cells import csv_safe_cell
from campaign_site.core.models import AuditEvent
from events.phonebank.models import CallAnswer, CallList, CallRecord, ScriptStep
from events.phonebank.screening import ScreeningHistory

EXPORT_PERMISSION = "phonebank.export_results"


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def phonebank_results_export(*, call_list: CallList, actor) -> str:
    """Audit an export of the list's calls and return it as CSV text."""
    if actor is None or not actor.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied("Exporting phonebank results needs its own permission.")
    steps = list(
        call_list.script.steps.exclude(kind=ScriptStep.Kind.TEXT).filter(
            records_political_opinion=False
        )
    )
    records = list(
        CallRecord.objects.filter(call_list=call_list)
        .select_related("contact", "caller__event")
        .order_by("recorded_at", "pk")
    )
    answers: dict[tuple[int, int], list[str]] = {}
    for record_id, step_id, value in CallAnswer.objects.filter(
        record__call_list=call_list
    ).values_list("record_id", "step_id", "value"):
        answers.setdefault((record_id, step_id), []).append(value)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        what=f"Phonebank results CSV: {call_list}",
        rows=len(records),
    )
    history = ScreeningHistory() if call_list.is_screened else None
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "list basis",
            "screened against the TPS on",
            "recorded",
            "session",
            "caller",
            "contact",
            "contact first name",
            "postcode district",
            "result",
            "call back at",
            *[csv_safe_cell(step.label) for step in steps],  # organisers' own words
            "notes",
        ]
    )
    for record in records:
        caller = record.caller
        screened_at = history.screened_at(record.recorded_at) if history else None
        writer.writerow(
            [
                call_list.get_basis_display(),
                timezone.localtime(screened_at).strftime("%Y-%m-%d") if screened_at else "",
                _local(record.recorded_at),
                csv_safe_cell(caller.event.title if caller else ""),
                csv_safe_cell(caller.first_name if caller else ""),
                f"#{record.contact_id}",
                csv_safe_cell(record.contact.first_name),
                csv_safe_cell(record.contact.postcode_district),
                record.get_result_display(),
                _local(record.callback_at),
                *[
                    csv_safe_cell("; ".join(answers.get((record.pk, step.pk), [])))
                    for step in steps
                ],
                csv_safe_cell(record.notes),
            ]
        )
    return out.getvalue()
