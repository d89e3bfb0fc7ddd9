"""Reads for the calendar pages, the feeds and the home page.

Each page costs a fixed number of queries however many sessions and sign-ups exist:
the going / waiting counts are annotated, never counted per row.
"""

import calendar as pycalendar
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from django.db.models import Count, FloatField, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Sqrt
from django.utils import timezone

from events.geography import METRES_PER_MILE, GridPoint
from events.ics import LONDON
from events.models import Event, Rsvp
from events.tokens import manage_token_from_my_sessions_token, rsvp_uid_from_cancel_token
from volunteers.data_copy import DataSection
from volunteers.models import Supporter

UPCOMING_LIMIT = 60
FEED_PAST_DAYS = 30
FEED_LIMIT = 500


@dataclass(frozen=True)
class Day:
    date: date
    events: list[Event]

    @property
    def anchor(self) -> str:
        return f"day-{self.date:%Y-%m-%d}"


def _with_counts(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """Going and waiting counts as subqueries: unlike a join with GROUP BY over every
    upcoming session's sign-ups, the database counts only the sessions the page shows
    (after ORDER BY and LIMIT)."""

    def count(status: str) -> Coalesce:
        rsvps = (
            Rsvp.objects.filter(event=OuterRef("pk"), status=status)
            .order_by()
            .values("event")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rsvps, output_field=IntegerField()), 0)

    return queryset.annotate(
        going_count=count(Rsvp.Status.GOING), waiting_count=count(Rsvp.Status.WAITING)
    )


def _with_spots(events: list[Event]) -> list[Event]:
    for event in events:
        going = getattr(event, "going_count", 0)
        spots_left = None if event.capacity is None else max(event.capacity - going, 0)
        event.spots_left = spots_left  # type: ignore[attr-defined]  # read by the templates
    return events


def _local_date(event: Event) -> date:
    return timezone.localtime(event.starts_at, LONDON).date()


def group_by_day(events: list[Event]) -> list[Day]:
    return [Day(day, list(items)) for day, items in groupby(events, key=_local_date)]


def calendar_upcoming(
    *, kind: str | None = None, now: datetime | None = None, limit: int = UPCOMING_LIMIT
) -> tuple[list[Day], bool]:
    """Upcoming sessions by day, and whether there are more than `limit`."""
    events = list(
        _with_counts(Event.objects.listed().upcoming(now).of_kind(kind)).order_by(
            "starts_at", "pk"
        )[: limit + 1]
    )
    return group_by_day(_with_spots(events[:limit])), len(events) > limit


@dataclass(frozen=True)
class Month:
    first: date
    weeks: list[list[tuple[date | None, str]]]  # each day of the grid, and its anchor
    days: list[Day]

    @property
    def previous(self) -> date:
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return (self.first + timedelta(days=32)).replace(day=1)


def _in_month(queryset: QuerySet[Event], first: date) -> QuerySet[Event]:
    following = (first + timedelta(days=32)).replace(day=1)
    start = datetime(first.year, first.month, 1, tzinfo=LONDON)
    end = datetime(following.year, following.month, 1, tzinfo=LONDON)
    return queryset.filter(starts_at__gte=start, starts_at__lt=end)


def _weeks(first: date, anchors: dict[date, str]) -> list[list[tuple[date | None, str]]]:
    return [
        [(day, anchors.get(day, "")) if day.month == first.month else (None, "") for day in week]
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]


def calendar_month(
    *, year: int, month: int, kind: str | None = None, now: datetime | None = None
) -> Month:
    """One month's sessions by day (past days drop off) and the grid to draw it."""
    first = date(year, month, 1)
    events = list(
        _with_counts(_in_month(Event.objects.listed().upcoming(now).of_kind(kind), first)).order_by(
            "starts_at", "pk"
        )
    )
    days = group_by_day(_with_spots(events))
    weeks = _weeks(first, {day.date: day.anchor for day in days})
    return Month(first=first, weeks=weeks, days=days)


@dataclass(frozen=True)
class Nearby:
    """Sessions for a "near you" search: in person nearest first (each with
    `distance_miles`), online ones to join from anywhere, and in-person ones whose postcode
    could not be placed (by date). `more_*` says a list was cut at the limit."""

    near: list[Event]
    online: list[Event]
    unplaced: list[Event]
    more_near: bool
    more_online: bool
    more_unplaced: bool

    def in_page_order(self) -> list[Event]:
        return [*self.near, *self.online, *self.unplaced]


def _first(queryset: QuerySet[Event], limit: int) -> tuple[list[Event], bool]:
    events = list(_with_counts(queryset)[: limit + 1])
    return _with_spots(events[:limit]), len(events) > limit


def sessions_near(
    *,
    point: GridPoint,
    radius_miles: int | None = None,
    kind: str | None = None,
    month: date | None = None,
    now: datetime | None = None,
    limit: int = UPCOMING_LIMIT,
) -> Nearby:
    """Upcoming sessions (in `month`, if given) for someone at `point` on the British
    National Grid: three queries, however many sessions there are."""
    listed = Event.objects.listed().upcoming(now).of_kind(kind)
    if month:
        listed = _in_month(listed, month)
    in_person = listed.filter(format=Event.Format.IN_PERSON)
    east, north = point
    d_east = Cast("grid_easting", FloatField()) - Value(float(east))
    d_north = Cast("grid_northing", FloatField()) - Value(float(north))
    placed = in_person.filter(grid_easting__isnull=False, grid_northing__isnull=False).annotate(
        distance_m=Sqrt(d_east * d_east + d_north * d_north)
    )
    if radius_miles:
        reach = radius_miles * METRES_PER_MILE
        placed = placed.filter(
            grid_easting__range=(east - reach, east + reach),
            grid_northing__range=(north - reach, north + reach),
            distance_m__lte=reach,
        )
    near, more_near = _first(placed.order_by("distance_m", "starts_at", "pk"), limit)
    for event in near:
        miles = round(event.distance_m / METRES_PER_MILE)  # type: ignore[attr-defined]
        event.distance_miles = miles  # type: ignore[attr-defined]  # read by the templates
    online, more_online = _first(
        listed.filter(format=Event.Format.ONLINE).order_by("starts_at", "pk"), limit
    )
    unplaced, more_unplaced = _first(
        in_person.filter(grid_easting__isnull=True).order_by("starts_at", "pk"), limit
    )
    for event in [*near, *online, *unplaced]:
        event.card_anchor = f"session-{event.slug}"  # type: ignore[attr-defined]  # for the grid
    return Nearby(near, online, unplaced, more_near, more_online, more_unplaced)


def month_grid_near(*, first: date, found: Nearby) -> Month:
    """The month's grid for a "near you" search: each day links to its first session in
    the page's order."""
    anchors: dict[date, str] = {}
    for event in found.in_page_order():
        anchors.setdefault(_local_date(event), event.card_anchor)  # type: ignore[attr-defined]
    return Month(first=first, weeks=_weeks(first, anchors), days=[])


def event_for_page(*, slug: str) -> Event | None:
    event = _with_counts(Event.objects.listed().filter(slug=slug)).first()
    return _with_spots([event])[0] if event else None


def next_sessions_by_kind(*, per_kind: int = 3, now: datetime | None = None) -> dict[str, list]:
    """The next few published sessions of each kind, for the home page."""
    return {
        kind: _with_spots(
            list(
                _with_counts(Event.objects.published().upcoming(now).filter(kind=kind)).order_by(
                    "starts_at", "pk"
                )[:per_kind]
            )
        )
        for kind in Event.Kind.values
    }


def feed_events(*, kind: str | None = None, now: datetime | None = None) -> list[Event]:
    """Sessions for the public feed: recent and upcoming, cancelled ones included so that
    subscribed calendars mark them cancelled."""
    since = (now or timezone.now()) - timedelta(days=FEED_PAST_DAYS)
    return list(
        Event.objects.listed()
        .of_kind(kind)
        .filter(starts_at__gte=since)
        .order_by("starts_at", "pk")[:FEED_LIMIT]
    )


def rsvp_from_cancel_token(*, token: str) -> Rsvp | None:
    """The sign-up a cancel link names, or None for a link that is not one, or whose
    person has been erased (their link then says no more than any unknown link)."""
    uid = rsvp_uid_from_cancel_token(token)
    if uid is None:
        return None
    return (
        Rsvp.objects.select_related("event", "supporter")
        .filter(uid=uid, supporter__erased_at__isnull=True)
        .first()
    )


def event_page_topic(slug: str) -> str:
    """The page-cache topic of one session's own page (its sign-ups change only that page
    and the lists' places left)."""
    return f"event:{slug}"


def rsvp_waiting_position(rsvp: Rsvp) -> int | None:
    """Where a person waiting is in the queue (1 gets the next free place), in the order
    places are given: who joined first, then who was written first. None if not waiting."""
    if rsvp.status != Rsvp.Status.WAITING:
        return None
    ahead_or_same = Q(joined_at__lt=rsvp.joined_at) | Q(joined_at=rsvp.joined_at, pk__lte=rsvp.pk)
    return Rsvp.objects.filter(
        ahead_or_same, event_id=rsvp.event_id, status=Rsvp.Status.WAITING
    ).count()


def supporter_from_my_sessions_token(token: str) -> Supporter | None:
    manage_token = manage_token_from_my_sessions_token(token)
    if manage_token is None:
        return None
    return Supporter.objects.filter(manage_token=manage_token, erased_at__isnull=True).first()


def _waiting_position_annotation() -> Subquery:
    ahead_or_same = Q(joined_at__lt=OuterRef("joined_at")) | Q(
        joined_at=OuterRef("joined_at"), pk__lte=OuterRef("pk")
    )
    ahead = (
        Rsvp.objects.filter(ahead_or_same, event=OuterRef("event"), status=Rsvp.Status.WAITING)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(ahead, output_field=IntegerField())


def supporter_upcoming_rsvps(*, supporter: Supporter, now: datetime | None = None) -> list[Rsvp]:
    """The person's places and waiting-list places at sessions still to come, soonest
    first, with `waiting_position` on each one waiting (one query however many)."""
    return list(
        Rsvp.objects.filter(
            supporter=supporter,
            status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITING],
            event__status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED],
            event__ends_at__gt=now or timezone.now(),
        )
        .select_related("event")
        .annotate(queue_position=_waiting_position_annotation())
        .order_by("event__starts_at", "event__pk")
    )


def supporter_rsvp_by_uid(*, supporter: Supporter, uid: uuid.UUID) -> Rsvp | None:
    return Rsvp.objects.select_related("event").filter(supporter=supporter, uid=uid).first()


def supporter_data_copy_section(supporter: Supporter) -> DataSection:
    """The person's session sign-ups, for their copy of their data."""
    rsvps = (
        Rsvp.objects.filter(supporter=supporter)
        .select_related("event")
        .order_by("event__starts_at", "pk")
    )
    return DataSection(
        key="rsvps",
        title="Your session sign-ups",
        about="Every canvassing and phonebank session you signed up for.",
        records=[
            {
                "Session": rsvp.event.title,
                "Kind": rsvp.event.get_kind_display(),
                "Starts": rsvp.event.starts_at,
                "Your place": rsvp.get_status_display(),
                "Name given": rsvp.first_name,
                "Phone given": rsvp.phone,
                "Signed up": rsvp.created_at,
                "Last joined": rsvp.joined_at,
                "Cancelled": rsvp.cancelled_at,
                "Attended": rsvp.attended,
            }
            for rsvp in rsvps
        ],
    )
