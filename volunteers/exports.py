"""CSV export of supporters, safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

from campaign_site.core.audit import audit_record
from campaign_site.core.csv_cells import csv_safe_cell
from campaign_site.core.models import AuditEvent
from volunteers.models import Supporter

COLUMNS = [
    ("email", "Email"),
    ("name", "Name"),
    ("postcode", "Postcode"),
    ("phone", "Phone"),
    ("status", "Status"),
    ("wants_updates", "Campaign updates"),
    ("wants_canvass_alerts", "Canvassing alerts"),
    ("wants_phonebank_alerts", "Phonebank alerts"),
    ("source", "Source"),
    ("created_at", "Signed up"),
    ("confirmed_at", "Confirmed"),
    ("unsubscribed_at", "Unsubscribed"),
]


def supporter_status(supporter: Supporter) -> str:
    if supporter.erased_at:
        return "erased"
    if supporter.unsubscribed_at:
        return "unsubscribed"
    return "subscribed" if supporter.confirmed_at else "not confirmed"


class _Echo:
    def write(self, value: str) -> str:
        return value


def supporters_csv_rows(supporters: Iterable[Supporter]) -> Iterator[str]:
    """Yield CSV lines one at a time (the caller streams them): memory stays flat."""
    writer = csv.writer(_Echo())
    yield writer.writerow([label for _, label in COLUMNS])
    for supporter in supporters:
        row = []
        for field, _ in COLUMNS:
            if field == "status":
                value = supporter_status(supporter)
            elif field.startswith("wants_"):
                value = "yes" if getattr(supporter, field) else "no"
            elif field.endswith("_at"):
                moment = getattr(supporter, field)
                value = moment.isoformat(timespec="seconds") if moment else ""
            else:
                value = getattr(supporter, field)
            row.append(csv_safe_cell(value))
        yield writer.writerow(row)


def supporters_export(*, supporters, actor) -> Iterator[str]:
    """Audit an export of supporters (not erased) and return its CSV lines, streamed."""
    supporters = supporters.filter(erased_at__isnull=True).order_by("pk")
    audit_record(
        actor=actor, action=AuditEvent.Action.EXPORT, what="Supporters CSV", rows=supporters.count()
    )
    return supporters_csv_rows(supporters.iterator(chunk_size=2000))
