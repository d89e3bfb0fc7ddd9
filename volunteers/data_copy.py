"""A copy of everything the campaign holds about one person (a subject access request).

The mailing list's own part (details, consent evidence, the emails sent to the address) is
read here. Apps that depend on volunteers add theirs (session sign-ups, gifts) through
`data_copy_register()`, called from their AppConfig.ready(): volunteers cannot import them.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from volunteers.models import Supporter

Value = str | int | bool | date | datetime | None


@dataclass(frozen=True)
class DataSection:
    """One part of the copy: a title, what it is, and its records (label -> value)."""

    key: str
    title: str
    about: str
    records: list[dict[str, Value]] = field(default_factory=list)


@dataclass(frozen=True)
class DataCopy:
    email: str
    produced_at: datetime
    sections: list[DataSection]

    @property
    def record_count(self) -> int:
        return sum(len(section.records) for section in self.sections)

    def as_json(self) -> dict:
        return {
            "about": "Everything the campaign holds about this email address.",
            "email": self.email,
            "produced_at": self.produced_at.isoformat(),
            "sections": [
                {
                    "key": section.key,
                    "title": section.title,
                    "about": section.about,
                    "records": [
                        {label: _json_value(value) for label, value in record.items()}
                        for record in section.records
                    ],
                }
                for section in self.sections
            ],
        }


SectionProvider = Callable[[Supporter], DataSection]
_providers: dict[str, SectionProvider] = {}


def data_copy_register(key: str, provider: SectionProvider) -> None:
    """Add an app's part of the copy: `provider(supporter)` returns its DataSection. Parts
    come in the order apps register (INSTALLED_APPS); registering the same key again
    replaces it (ready() may run more than once)."""
    _providers[key] = provider


def supporter_data_copy(*, supporter: Supporter) -> DataCopy:
    """Everything held about the supporter, read now."""
    sections = [_details(supporter), _consents(supporter)]
    sections += [provider(supporter) for provider in _providers.values()]  # apps in order
    sections.append(_emails(supporter))
    return DataCopy(email=supporter.email, produced_at=timezone.now(), sections=sections)


def _json_value(value: Value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _details(supporter: Supporter) -> DataSection:
    return DataSection(
        key="details",
        title="Your details",
        about="What we keep about you as a supporter.",
        records=[
            {
                "Email address": supporter.email,
                "Name": supporter.name,
                "Postcode": supporter.postcode,
                "Phone": supporter.phone,
                "First came from": supporter.get_source_display(),
                "Added": supporter.created_at,
                "Confirmed your address": supporter.confirmed_at,
                "Left the list": supporter.unsubscribed_at,
                "Campaign updates": supporter.wants_updates,
                "Canvassing alerts": supporter.wants_canvass_alerts,
                "Phonebank alerts": supporter.wants_phonebank_alerts,
            }
        ],
    )


def _consents(supporter: Supporter) -> DataSection:
    return DataSection(
        key="consents",
        title="Your agreements to be emailed",
        about="Each time you agreed: when, where, and the exact words you saw.",
        records=[
            {
                "Given": consent.given_at,
                "From": consent.get_source_display(),
                "Page or form": consent.page,
                "Exact wording": consent.wording,
                "Campaign updates": consent.wants_updates,
                "Canvassing alerts": consent.wants_canvass_alerts,
                "Phonebank alerts": consent.wants_phonebank_alerts,
                "Confirmed": consent.confirmed_at,
            }
            for consent in supporter.consents.order_by("given_at", "pk")
        ],
    )


def _without_working_links(text: str) -> str:
    """Links that act for the person (cancel, preferences, this copy) are left out, so the
    copy, wherever it is kept, cannot be used to change anything. Signed values always
    contain the signer's separator (":")."""
    signed_link = re.escape(settings.SITE_URL) + r"/\S*:\S*"
    return re.sub(signed_link, "[personal link left out]", text)


def _emails(supporter: Supporter) -> DataSection:
    emails = OutboundEmail.objects.filter(to__iexact=supporter.email).order_by("created_at", "pk")
    return DataSection(
        key="emails",
        title="Emails we sent you",
        about="Every email written to your address, with its text. Personal links in them "
        "(to cancel, change preferences and so on) are left out of this copy.",
        records=[
            {
                "Written": email.created_at,
                "Subject": email.subject,
                "Status": email.get_status_display(),
                "Sent": email.sent_at,
                "Text": _without_working_links(email.body_text),
            }
            for email in emails
        ],
    )
