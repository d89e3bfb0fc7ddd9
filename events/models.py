import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from volunteers.models import Supporter
from volunteers.validators import normalise_postcode


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Event.Status.PUBLISHED)

    def listed(self):
        """What the public may see: published and cancelled sessions (cancelled say so)."""
        return self.filter(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])

    def upcoming(self, now: datetime | None = None):
        return self.filter(ends_at__gt=now or timezone.now())

    def of_kind(self, kind: str | None):
        return self.filter(kind=kind) if kind in Event.Kind.values else self

    def with_counts(self):
        return self.annotate(
            going_count=Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.GOING)),
            waiting_count=Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.WAITING)),
        )


class AlertDigest(models.Model):
    """New sessions published close together, announced in one email to each supporter.

    The first session published opens a digest; sessions published while it is open join
    it; when it is due (a short window later) each supporter who asked for any of its kinds
    gets one email listing the sessions they asked for. At most one digest goes out a day
    (`send_date` is unique): sessions published after today's wait for tomorrow's.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Collecting sessions"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    send_date = models.DateField(unique=True, help_text="The UK day it goes out: one a day.")
    recipient_count = models.PositiveIntegerField(default=0)
    # Fan-out progress: supporters are written in primary-key order; a re-run resumes here.
    fanned_out_through = models.BigIntegerField(default=0, editable=False)
    progress_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "new-session alert digest"
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="open"),
                name="alert_digest_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"New-session alerts of {self.send_date:%d %b %Y} ({self.get_status_display()})"


class Event(models.Model):
    """A canvassing or phonebank session that volunteers sign up for."""

    class Kind(models.TextChoices):
        CANVASS = "canvass", "Canvassing"
        PHONEBANK = "phonebank", "Phonebank"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CANCELLED = "cancelled", "Cancelled"

    class Format(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CANVASS)
    title = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=140, unique=True, blank=True, help_text="Left blank, it is made from the title."
    )
    description = models.TextField(
        blank=True, help_text="Plain text; a blank line starts a paragraph; links are allowed."
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    what_to_bring = models.TextField(blank=True)
    accessibility = models.TextField("accessibility notes", blank=True)
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Leave blank for no limit. When full, new sign-ups join a waiting list.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    format = models.CharField(
        max_length=10,
        choices=Format.choices,
        default=Format.IN_PERSON,
        help_text="Canvassing is always in person; a phonebank can be online.",
    )
    public_area = models.CharField(
        max_length=100, blank=True, help_text='Shown publicly, e.g. "Allestree, DE22".'
    )
    place_name = models.CharField("meeting point", max_length=120, blank=True)
    address = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    # Where the postcode's outward code is centred on the British National Grid (metres),
    # set by the session services from events/data/outward_codes.csv; empty when unknown.
    grid_easting = models.PositiveIntegerField(null=True, blank=True, editable=False)
    grid_northing = models.PositiveIntegerField(null=True, blank=True, editable=False)
    location_is_public = models.BooleanField(
        "show the meeting point publicly",
        default=False,
        help_text="Off: the exact meeting point is only sent to people who signed up.",
    )
    online_link = models.URLField(
        "joining link",
        blank=True,
        help_text="Private: only in confirmations and reminders, never on a public page or feed.",
    )
    contact_name = models.CharField(max_length=100, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    contact_email = models.EmailField(blank=True)
    sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text="iCalendar SEQUENCE: rises with each change."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    alerts_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    alert_digest = models.ForeignKey(
        AlertDigest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        editable=False,
        help_text="The new-session alert email this session is announced in.",
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "session"
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
        ]
        permissions = [("export_rsvps", "Can export the sign-ups of a session")]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.title} ({local:%a} {local.day} {local:%b %Y}, {local:%H:%M})"

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The session must end after it starts."
        if self.kind == self.Kind.CANVASS and self.format == self.Format.ONLINE:
            errors["format"] = "Canvassing happens in person."
        if self.is_online and not self.online_link:
            errors["online_link"] = "An online phonebank needs its joining link."
        if not self.is_online and not (self.place_name or self.address):
            errors["place_name"] = "Say where people meet."
        try:
            self.postcode = normalise_postcode(self.postcode)
        except ValidationError as error:
            errors["postcode"] = error.messages
        if errors:
            raise ValidationError(errors)

    @property
    def is_online(self) -> bool:
        return self.format == self.Format.ONLINE

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def private_location(self) -> str:
        """The full meeting point, for people who signed up."""
        if self.is_online:
            return "Online"
        return ", ".join(part for part in [self.place_name, self.address, self.postcode] if part)

    @property
    def public_location(self) -> str:
        """What any page or feed may say about where the session is."""
        if self.is_online:
            return "Online"
        if self.location_is_public:
            return self.private_location
        return self.public_area

    def has_ended(self, now: datetime | None = None) -> bool:
        return self.ends_at <= (now or timezone.now())


class Rsvp(models.Model):
    """One person's place (or place in the queue) at one session."""

    class Status(models.TextChoices):
        GOING = "going", "Going"
        WAITING = "waiting", "Waiting list"
        CANCELLED = "cancelled", "Cancelled"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    supporter = models.ForeignKey(Supporter, on_delete=models.CASCADE, related_name="rsvps")
    first_name = models.CharField(max_length=60)
    phone = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    attended = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the person last joined (the waiting-list order) and last got a place.
    joined_at = models.DateTimeField(default=timezone.now)
    going_since = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The start time each reminder was sent for: a moved session is reminded again.
    day_before_reminder_for = models.DateTimeField(null=True, blank=True)
    soon_reminder_for = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sign-up"
        constraints = [
            models.UniqueConstraint(fields=["event", "supporter"], name="rsvp_one_per_person"),
        ]
        indexes = [models.Index(fields=["event", "status", "joined_at"])]

    def __str__(self) -> str:
        return f"{self.first_name} ({self.get_status_display()})"
