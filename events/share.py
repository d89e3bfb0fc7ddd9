"""How a session looks when shared: its title, date, time and public area (never the
meeting point, which only people who signed up get)."""

from django.urls import reverse
from django.utils import timezone

from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.share import ShareCard
from events.ics import LONDON
from events.models import Event
from events.selectors import event_for_page


def _day(moment) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def event_share_card_for(event: Event) -> ShareCard:
    campaign = campaign_settings_get()
    starts = timezone.localtime(event.starts_at, LONDON)
    ends = timezone.localtime(event.ends_at, LONDON)
    day = _day(starts)
    if starts.date() == ends.date():
        hours = f"{starts:%H:%M} to {ends:%H:%M}"
    else:
        hours = f"{starts:%H:%M} to {_day(ends)}, {ends:%H:%M}"
    area = "Online" if event.is_online else (event.public_area or campaign.constituency)
    kind = event.get_kind_display()
    eyebrow = f"{kind} · {campaign.candidate_name} for {campaign.constituency}"
    when = f"{day}, {hours}"
    if event.is_cancelled:
        eyebrow, when = f"Cancelled · {kind}", f"Was {when}"
    return ShareCard(
        kind="session",
        key=event.slug,
        type="article",
        title=f"{'Cancelled: ' if event.is_cancelled else ''}{event.title}",
        description=f"{kind} with {campaign.candidate_name}'s campaign: {when}, {area}."
        + ("" if event.is_cancelled else " Sign up, and bring a friend."),
        path=reverse("events:detail", args=[event.slug]),
        eyebrow=eyebrow,
        headline=event.title,
        lines=(day, hours, area),
        alt=f"{kind}: {event.title}. {when}, {area}. {campaign.candidate_name}, "
        f"{campaign.party_description} candidate for {campaign.constituency}.",
        invite=f"{kind} for {campaign.candidate_name}: {event.title}, {day}, {hours}, {area}. "
        "Come along?",
        done=f"I've signed up for {event.title} ({kind.lower()} for "
        f"{campaign.candidate_name}), {day}, {hours}. Come with me?",
    )


def event_share_card(slug: str) -> ShareCard | None:
    event = event_for_page(slug=slug)
    return event_share_card_for(event) if event is not None else None
