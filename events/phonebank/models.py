"""Phonebank data: who may be called, from which list, with which script, and what happened.

The shape, in one breath: a CallList serves Contacts (one row per phone number, each with the
evidence of its owner's agreement to be phoned) to callers, who are the sign-ups (Rsvp) of the
list's phonebank sessions. A contact's place on a list is a CallAssignment, the row a caller
claims (SELECT ... FOR UPDATE SKIP LOCKED) and holds for 15 minutes. Each call leaves a
CallRecord with its result (the fixed first step of every script) and the answers to the
script's questions; answers that reveal a political opinion are kept apart (OpinionAnswer) and
erased first. A number on the DoNotCall list is never served again, from any list.
"""

from datetime import time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from events.models import Event, Rsvp
from events.phonebank.tps import phone_hash
from volunteers.models import Supporter

HOLD_MINUTES = 15


class CallResult(models.TextChoices):
    """The first step of every script, fixed in code: a caller records one before the next."""

    SPOKE = "spoke", "Spoke to them"
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL = "voicemail", "Left a voicemail"
    BUSY = "busy", "Busy"
    WRONG_PERSON = "wrong_person", "Wrong person"
    NOT_IN_USE = "not_in_use", "Number not in use"
    CALL_BACK = "call_back", "Call back later"
    DO_NOT_CALL = "do_not_call", "Don't call again"


# Tried again after the list's retry delay, up to its maximum number of tries.
RETRY_RESULTS = frozenset({CallResult.NO_ANSWER, CallResult.VOICEMAIL, CallResult.BUSY})
# Take effect on every list at once: the number goes on the do-not-call list.
EVERYWHERE_RESULTS = frozenset(
    {CallResult.DO_NOT_CALL, CallResult.WRONG_PERSON, CallResult.NOT_IN_USE}
)


class Script(models.Model):
    """What a caller reads and asks, step by step, after the fixed call-result step."""

    name = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ScriptStep(models.Model):
    """One step of a script, in order. Choice steps carry their options in `options`:
    a list of {"label": str, "then": "next" | "end" | "step:<position>"}."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text to read"
        SINGLE = "single", "Question: one answer"
        MULTIPLE = "multiple", "Question: any number of answers"
        NOTE = "note", "Short note"
        AGREEMENT = "agreement", 'Agreement: "May we note your answer?" (yes / no)'

    script = models.ForeignKey(Script, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    text = models.TextField(help_text="What the caller reads out, or the question they ask.")
    short_label = models.CharField(
        max_length=60, blank=True, help_text="How results and exports name this question."
    )
    options = models.JSONField(default=list, blank=True)
    records_political_opinion = models.BooleanField(
        "records a political opinion",
        default=False,
        help_text="Voting intention and the like: asked only after an agreement step the person "
        "said yes to, kept apart from other answers and erased first.",
    )

    class Meta:
        ordering = ["script", "position"]
        constraints = [
            models.UniqueConstraint(fields=["script", "position"], name="script_step_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.short_label or self.text[:50]}"

    @property
    def label(self) -> str:
        return self.short_label or self.text[:60]

    @property
    def is_question(self) -> bool:
        return self.kind != self.Kind.TEXT

    @property
    def option_labels(self) -> list[str]:
        if self.kind == self.Kind.AGREEMENT:
            return ["Yes", "No"]
        return [option["label"] for option in self.options]


SCREENING_DAYS = 28


class CallList(models.Model):
    """Whom the callers of some phonebank sessions call, and with which script.

    Its basis says why its contacts may be called: each agreed to be phoned (consented), or
    they are constituents whose numbers are screened against the TPS and Corporate TPS
    (screened): served only while the screening files are under 28 days old, and a number
    registered with either never unless its owner agreed to our calls."""

    class Basis(models.TextChoices):
        CONSENTED = "consented", "Consented to our calls"
        SCREENED = "screened", "Constituents, screened against the TPS"

    class Status(models.TextChoices):
        OPEN = "open", "Open: callers are given contacts"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=120)
    basis = models.CharField(
        "basis for calling",
        max_length=10,
        choices=Basis.choices,
        default=Basis.CONSENTED,
        help_text="Consented: only people who agreed to be phoned by the campaign. Screened "
        "constituents: numbers from our own records or a supplier, called only while the "
        "TPS and Corporate TPS files are under 28 days old, and never a registered number "
        "unless its owner agreed to our calls.",
    )
    sessions = models.ManyToManyField(
        Event,
        related_name="call_lists",
        blank=True,
        limit_choices_to={"kind": Event.Kind.PHONEBANK},
        help_text="The phonebank sessions whose callers work through this list.",
    )
    script = models.ForeignKey(Script, on_delete=models.PROTECT, related_name="call_lists")
    retry_delay = models.DurationField(
        default=timedelta(hours=4),
        help_text="How long before someone who did not answer (or was busy, or got a "
        "voicemail) is tried again. Hours:minutes:seconds, e.g. 04:00:00.",
    )
    max_tries = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Calls to one person from this list before giving up on them.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("import_contacts", "Can import contacts to call (CSV)"),
            ("export_results", "Can export phonebank results (CSV)"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_screened(self) -> bool:
        return self.basis == self.Basis.SCREENED


class ContactImport(models.Model):
    """One uploaded file of contacts: previewed (valid rows kept, refused rows listed with
    their reason), then confirmed by the organiser, or left. Nothing joins a list before."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Imported"
        CANCELLED = "cancelled", "Cancelled"

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="imports")
    filename = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_refused = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    # Until confirmed: the valid rows, parsed ([{first_name, surname, phone, postcode,
    # consent_text, consent_where, consent_at}]). Emptied on confirmation.
    pending_rows = models.JSONField(default=list, blank=True, editable=False)
    # [{line, reason, shown}] where `shown` is the row's name with a masked number.
    refused = models.JSONField(default=list, blank=True, editable=False)
    # A screened list's import: where the numbers came from ("our doorstep records", a
    # supplier's name) and as of when. Copied to each new contact.
    source = models.CharField(max_length=200, blank=True)
    source_date = models.DateField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = "contact import"

    def __str__(self) -> str:
        name = self.filename or "Import"
        return f"{name} ({self.get_status_display()}, {self.uploaded_at:%d %b %Y})"


class ContactQuerySet(models.QuerySet):
    def callable(self):
        """Contacts with consent behind them, not erased, whose number is not on the
        do-not-call list, and whose supporter (if any) still agrees to be phoned on it."""
        return (
            self.filter(
                Q(supporter__isnull=True)
                | Q(supporter__phone_consent_at__isnull=False, supporter__phone=F("phone")),
                erased_at__isnull=True,
            )
            .exclude(consent_text="")
            .exclude(phone__in=DoNotCall.objects.values("phone"))
        )

    def callable_screened(self):
        """Who may be called from a screened list (whose screening is fresh: see
        selectors.screening_status): as callable(), except that a number without consent
        behind it may be called if it is not registered with the TPS or Corporate TPS."""
        return (
            self.filter(
                Q(supporter__isnull=True)
                | Q(supporter__phone_consent_at__isnull=False, supporter__phone=F("phone")),
                erased_at__isnull=True,
            )
            .exclude(phone__in=DoNotCall.objects.values("phone"))
            .filter(
                ~Q(consent_text="")
                | Q(phone_hash__isnull=False)
                & ~Q(phone_hash__in=TpsNumber.objects.values("number_hash"))
            )
        )


class Contact(models.Model):
    """A person the campaign may phone: one row per number (E.164).

    The consent evidence is what the person agreed to, where and when: copied from the
    supporter's Consent record (a form on this site) or from the organiser's import (a street
    stall sheet, a doorstep conversation). Without it the number is served only from a
    screened list, and only while it is not registered with the TPS or Corporate TPS; then
    `source` says where the number came from. `phone_hash` (tps.phone_hash) is what the
    screening files are matched on."""

    first_name = models.CharField(max_length=60)
    surname = models.CharField(
        max_length=60, blank=True, help_text="For organisers only: callers never see it."
    )
    phone = models.CharField("phone (E.164)", max_length=16)
    postcode = models.CharField(max_length=8, blank=True)
    supporter = models.ForeignKey(
        Supporter,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phonebank_contacts",
    )
    import_batch = models.ForeignKey(
        ContactImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    consent_text = models.TextField("what they agreed to", blank=True)
    consent_where = models.CharField("where they agreed", max_length=200, blank=True)
    consent_at = models.DateTimeField("when they agreed", null=True, blank=True)
    source = models.CharField(
        "where the number came from", max_length=200, blank=True, help_text="Screened lists."
    )
    source_date = models.DateField("as of", null=True, blank=True)
    phone_hash = models.BinaryField(max_length=32, null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(erased_at__isnull=True),
                name="contact_phone_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.first_name if self.erased_at is None else "(erased)"

    def save(self, *args, **kwargs):
        # Derived from the number (bulk inserts set it themselves: tps.phone_hash).
        self.phone_hash = phone_hash(self.phone) if self.phone else None
        super().save(*args, **kwargs)

    @property
    def has_consent(self) -> bool:
        return bool(self.consent_text)

    @property
    def postcode_district(self) -> str:
        """What a caller sees of the postcode: 'DE22 1AA' -> 'DE22'."""
        return self.postcode.split(" ")[0] if self.postcode else ""


class ContactConsent(models.Model):
    """A further agreement from a person already on file: an import row for the same person
    (a later street stall sheet). The contact's own fields hold the first evidence; these
    are kept beside it, and erased with it."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="further_consents")
    consent_text = models.TextField("what they agreed to")
    consent_where = models.CharField("where they agreed", max_length=200)
    consent_at = models.DateTimeField("when they agreed")
    import_batch = models.ForeignKey(
        ContactImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["contact", "consent_at"]
        verbose_name = "further agreement of a contact"

    def __str__(self) -> str:
        return f"{self.consent_where}, {self.consent_at:%d %b %Y}"


class DoNotCall(models.Model):
    """A number never to be called again, from any list, whatever a later import says."""

    class Reason(models.TextChoices):
        ASKED = "asked", "Asked not to be called again"
        WRONG_PERSON = "wrong_person", "Wrong person"
        NOT_IN_USE = "not_in_use", "Number not in use"
        ORGANISER = "organiser", "Added by an organiser"

    phone = models.CharField("phone (E.164)", max_length=16, unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    call_record = models.ForeignKey(
        "CallRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The call whose result put the number here.",
    )

    class Meta:
        verbose_name = "do-not-call number"
        verbose_name_plural = "do-not-call list"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.phone} ({self.get_reason_display()})"


class ScreeningFile(models.Model):
    """A TPS or Corporate TPS file an organiser uploaded: its numbers are kept only as keyed
    hashes (TpsNumber), and a new file of the same kind replaces the last one's."""

    class Kind(models.TextChoices):
        TPS = "tps", "TPS (people)"
        CTPS = "ctps", "Corporate TPS (businesses)"

    kind = models.CharField(max_length=4, choices=Kind.choices)
    filename = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lines_read = models.PositiveIntegerField(default=0)
    numbers_kept = models.PositiveIntegerField(default=0)
    lines_skipped = models.PositiveIntegerField(
        default=0, help_text="Blank lines and lines that are not a UK number."
    )
    # Which SECRET_KEY made the hashes (tps.key_check): a file hashed with another key
    # matches nothing, so it counts as no screening at all.
    key_check = models.CharField(max_length=16, editable=False)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = "TPS screening file"
        indexes = [models.Index(fields=["kind", "replaced_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.uploaded_at:%d %b %Y}"


class TpsNumber(models.Model):
    """One number of a screening file, as HMAC-SHA256 of its E.164 form (tps.phone_hash)."""

    screening_file = models.ForeignKey(ScreeningFile, on_delete=models.CASCADE, related_name="+")
    number_hash = models.BinaryField(max_length=32, db_index=True)

    class Meta:
        verbose_name = "TPS-registered number"

    def __str__(self) -> str:
        return f"Number hash {bytes(self.number_hash).hex()[:12]}…"


class CallAssignment(models.Model):
    """A contact's place on one list, and the row a caller claims.

    Free to claim when `status` is waiting and `next_try_at` has come, or when it is held and
    `held_until` has passed (an expired hold returns to the pool by itself). Claims lock the
    row with SELECT ... FOR UPDATE SKIP LOCKED, so two callers never get the same contact."""

    class Status(models.TextChoices):
        WAITING = "waiting", "To call"
        HELD = "held", "With a caller"
        DONE = "done", "Finished"
        REMOVED = "removed", "Taken off the list"

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="assignments")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    held_by = models.ForeignKey(
        Rsvp, null=True, blank=True, on_delete=models.SET_NULL, related_name="held_contacts"
    )
    held_since = models.DateTimeField(null=True, blank=True)
    held_until = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    last_result = models.CharField(max_length=20, choices=CallResult.choices, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    removed_reason = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call_list", "contact"], name="assignment_once"),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(held_by__isnull=False, held_until__isnull=False),
                name="assignment_held_has_holder",
            ),
        ]
        indexes = [
            models.Index(fields=["call_list", "status", "next_try_at"]),
            models.Index(fields=["held_by", "status"]),
            # Call-backs come before everyone else: found without walking the whole list.
            models.Index(
                fields=["call_list", "next_try_at"],
                condition=Q(status="waiting", last_result="call_back"),
                name="assignment_callbacks_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} on {self.call_list} ({self.get_status_display()})"


class CallRecord(models.Model):
    """One call: its result, the answers to the script, the caller's note."""

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="calls")
    assignment = models.ForeignKey(CallAssignment, on_delete=models.CASCADE, related_name="calls")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="calls")
    caller = models.ForeignKey(
        Rsvp, null=True, on_delete=models.SET_NULL, related_name="phonebank_calls"
    )
    result = models.CharField(max_length=20, choices=CallResult.choices)
    callback_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["call_list", "recorded_at"]),
            models.Index(fields=["caller", "recorded_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(result="call_back") | Q(callback_at__isnull=False),
                name="call_back_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_result_display()} ({self.recorded_at:%d %b %H:%M})"


class AnswerBase(models.Model):
    record = models.ForeignKey(CallRecord, on_delete=models.CASCADE, related_name="+")
    # A step with answers cannot be deleted (admin says so); answers go with their call.
    step = models.ForeignKey(ScriptStep, on_delete=models.PROTECT, related_name="+")
    # One row per chosen option of a choice step; the text of a note step.
    value = models.TextField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.step.label}: {self.value[:40]}"


class CallAnswer(AnswerBase):
    """An answer to a script question that says nothing of a political opinion."""

    class Meta:
        indexes = [models.Index(fields=["step", "value"])]


class OpinionAnswer(AnswerBase):
    """An answer revealing a political opinion (special category data), noted only after the
    person agreed, kept apart from other answers and erased first."""

    class Meta:
        verbose_name = "political-opinion answer"
        indexes = [models.Index(fields=["step", "value"])]


class NumberShown(models.Model):
    """Each time a number was put in front of a caller: who saw it, when."""

    assignment = models.ForeignKey(CallAssignment, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    caller = models.ForeignKey(Rsvp, null=True, on_delete=models.SET_NULL, related_name="+")
    shown_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "number shown to a caller"
        verbose_name_plural = "numbers shown to callers"
        ordering = ["-shown_at"]
        indexes = [models.Index(fields=["caller", "shown_at"])]

    def __str__(self) -> str:
        return f"Number shown {self.shown_at:%d %b %Y %H:%M}"


class CallerSuspension(models.Model):
    """A caller stopped from calling (on every session) until an organiser lifts it."""

    supporter = models.ForeignKey(
        Supporter, on_delete=models.CASCADE, related_name="caller_suspensions"
    )
    rsvp = models.ForeignKey(
        Rsvp,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The session sign-up they were calling from.",
    )
    reason = models.CharField(max_length=200)
    suspended_at = models.DateTimeField(default=timezone.now)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-suspended_at"]
        indexes = [models.Index(fields=["supporter", "lifted_at"])]

    def __str__(self) -> str:
        return f"Caller suspended {self.suspended_at:%d %b %Y}: {self.reason}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


DEFAULT_PRIVACY_LINE = (
    "I'm a volunteer calling for {candidate}'s campaign in {constituency}, because you told "
    "the campaign it could phone you. If you'd rather we didn't call again, just say so and "
    "we'll take your number off our list today."
)

DEFAULT_CONSTITUENTS_PRIVACY_LINE = (
    "I'm a volunteer calling for {candidate}'s campaign in {constituency}. We're ringing "
    "people across the constituency; our privacy notice on the campaign website says where "
    "we got your number. If you'd rather we didn't call again, just say so and we'll take "
    "your number off our list today."
)


class PhonebankSettings(models.Model):
    """One row, edited by organisers in admin: when callers may ring people (UK time) and
    the privacy line every caller reads at the start of each call."""

    weekday_opens = models.TimeField("Monday to Saturday: calls from", default=time(10))
    weekday_closes = models.TimeField("Monday to Saturday: calls until", default=time(20))
    sunday_opens = models.TimeField("Sunday: calls from", default=time(12))
    sunday_closes = models.TimeField("Sunday: calls until", default=time(18))
    privacy_line = models.TextField(
        default=DEFAULT_PRIVACY_LINE,
        help_text="Read out in every call: who is calling, why, and how to stop the calls. "
        "{candidate} and {constituency} are filled in from the campaign settings.",
    )
    constituents_privacy_line = models.TextField(
        "privacy line for screened constituents' lists",
        default=DEFAULT_CONSTITUENTS_PRIVACY_LINE,
        help_text="Read out instead in calls from a screened constituents' list (people who "
        "did not ask to be called): who is calling, why, where we got the number, and how "
        "to stop the calls.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "calling hours and privacy line"
        verbose_name_plural = "calling hours and privacy line"

    def __str__(self) -> str:
        return f"Calling hours: {self.hours_text}"

    def clean(self):
        errors = {}
        if self.weekday_opens and self.weekday_closes and self.weekday_closes <= self.weekday_opens:
            errors["weekday_closes"] = "Calls must stop after they start."
        if self.sunday_opens and self.sunday_closes and self.sunday_closes <= self.sunday_opens:
            errors["sunday_closes"] = "Calls must stop after they start."
        if errors:
            raise ValidationError(errors)

    def hours_on(self, day) -> tuple[time, time]:
        """(from, until) on a date, UK time."""
        if day.weekday() == 6:
            return self.sunday_opens, self.sunday_closes
        return self.weekday_opens, self.weekday_closes

    @property
    def hours_text(self) -> str:
        return (
            f"{self.weekday_opens:%H:%M} to {self.weekday_closes:%H:%M} Monday to Saturday, "
            f"{self.sunday_opens:%H:%M} to {self.sunday_closes:%H:%M} on Sundays"
        )
