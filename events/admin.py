from typing import cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from campaign_site.core.words import count_of
from events.exports import rsvps_export
from events.forms import CancelReasonForm, MessagePeopleGoingForm, RepeatWeeklyForm
from events.models import AlertDigest, Event, EventQuerySet, Rsvp
from events.services import (
    SessionError,
    event_cancel,
    event_create,
    event_duplicate,
    event_message_people_going,
    event_publish,
    event_repeat_weekly,
    event_update,
    rsvp_attendance_set,
)
from events.services.alerts import alert_digest_plan


class WhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", "Upcoming"), ("past", "Past")]

    def queryset(self, request, queryset):
        if self.value() == "upcoming":
            return queryset.filter(ends_at__gt=timezone.now())
        if self.value() == "past":
            return queryset.filter(ends_at__lte=timezone.now())
        return queryset


class RsvpInline(admin.TabularInline):
    model = Rsvp
    extra = 0
    can_delete = False
    fields = ["first_name", "email", "phone", "status", "joined_at", "attended"]
    readonly_fields = ["first_name", "email", "phone", "status", "joined_at"]
    ordering = ["status", "joined_at", "pk"]
    verbose_name_plural = "sign-ups (mark who attended)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("supporter")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="email")
    def email(self, rsvp):
        return rsvp.supporter.email


def _when(plan) -> str:
    due = timezone.localtime(plan.due_at)
    day = "today" if due.date() == timezone.localdate() else f"on {due:%A} {due.day} {due:%B}"
    return f"{day} at {due:%H:%M}"


def _intermediate(modeladmin, request, queryset, *, form, title, action, note=""):
    events = list(queryset)
    if len(events) == 1:
        back = reverse("admin:events_event_change", args=[events[0].pk])
    else:
        back = reverse("admin:events_event_changelist")
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "events": events,
        "action": action,
        "back_url": back,
        "note": note,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "events/admin/action_form.html", context)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    change_form_template = "events/admin/event_change_form.html"
    list_display = [
        "title",
        "kind",
        "starts",
        "status",
        "going",
        "waiting",
        "capacity",
        "public_area",
    ]
    list_filter = ["kind", "status", WhenFilter]
    date_hierarchy = "starts_at"
    search_fields = ["title", "public_area", "place_name", "postcode"]
    ordering = ["starts_at"]
    list_per_page = 50
    show_full_result_count = False
    # Not shown: `sequence`, the iCalendar SEQUENCE, which the services raise on each change
    # that calendar apps must pick up; organisers never set or need it.
    readonly_fields = [
        "status",
        "published_at",
        "cancelled_at",
        "alert_digest",
        "alerts_sent_at",
    ]
    inlines = [RsvpInline]
    actions = [
        "publish",
        "cancel_with_notice",
        "duplicate",
        "repeat_weekly",
        "message_people_going",
        "export_rsvps_csv",
    ]
    fieldsets = [
        (None, {"fields": ["kind", "title", "slug", "status", "starts_at", "ends_at", "capacity"]}),
        ("What volunteers read", {"fields": ["description", "what_to_bring", "accessibility"]}),
        (
            "Where",
            {
                "fields": [
                    "format",
                    "public_area",
                    "place_name",
                    "address",
                    "postcode",
                    "location_is_public",
                    "online_link",
                ],
                "description": "Canvassing: the meeting point. Phonebank: the room, or the "
                "joining link if online. The joining link never appears on a public page.",
            },
        ),
        (
            "Contact for the session",
            {
                "fields": ["contact_name", "contact_phone", "contact_email"],
                "description": "The name is shown on the session page; phone and email "
                "only in the emails to people who signed up.",
            },
        ),
        (
            "Record",
            {
                "fields": [
                    "published_at",
                    "cancelled_at",
                    "alert_digest",
                    "alerts_sent_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return cast(EventQuerySet, super().get_queryset(request)).with_counts()

    def view_on_site(self, event):
        # Drafts are not public yet: their page would be a 404.
        if event.status == Event.Status.DRAFT:
            return None
        return reverse("events:detail", args=[event.slug])

    def get_urls(self):
        own = [
            path(
                "<int:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="events_event_publish",
            )
        ]
        return own + super().get_urls()

    def publish_view(self, request, object_id):
        """The change page's Publish button: the same confirmation and service as the
        list's action, then back to the session."""
        event = self.get_object(request, str(object_id))
        if event is None:
            raise Http404
        if not self.has_change_permission(request, event):
            raise PermissionDenied
        response = self.publish(request, Event.objects.filter(pk=event.pk))
        if response is None:
            return redirect("admin:events_event_change", event.pk)
        return response

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # cancel instead, so people are told
        return actions

    def has_delete_permission(self, request, obj=None):
        is_draft = obj is not None and obj.status == Event.Status.DRAFT
        return is_draft and super().has_delete_permission(request, obj)

    @admin.display(description="starts", ordering="starts_at")
    def starts(self, event):
        return date_format(timezone.localtime(event.starts_at), "DATETIME_FORMAT")

    @admin.display(description="going", ordering="going_count")
    def going(self, event):
        return event.going_count

    @admin.display(description="waiting", ordering="waiting_count")
    def waiting(self, event):
        return event.waiting_count

    def response_add(self, request, obj, post_url_continue=None):
        """A new session is a draft: say so, with the Publish button beside the words,
        instead of Django's "added successfully"."""
        if IS_POPUP_VAR in request.POST or obj.status != Event.Status.DRAFT:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request,
            format_html(
                'Saved as a draft. Publish it to put it on the calendar. <a class="button '
                'campaign-message-action" href="{}">Publish</a>',
                reverse("admin:events_event_publish", args=[obj.pk]),
            ),
            messages.SUCCESS,
        )
        filters = {"preserved_filters": self.get_preserved_filters(request), "opts": obj._meta}
        if "_addanother" in request.POST:
            return redirect(add_preserved_filters(filters, request.path))
        if "_continue" in request.POST:
            change_url = reverse("admin:events_event_change", args=[obj.pk])
            return redirect(add_preserved_filters(filters, change_url))
        return self.response_post_save_add(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            event_update(event=obj)
        else:
            event_create(event=obj)

    def save_formset(self, request, form, formset, change):
        # Only attendance is editable here; places change through the services.
        formset.new_objects, formset.deleted_objects, formset.changed_objects = [], [], []
        for inline_form in formset.forms:
            if inline_form.instance.pk and "attended" in inline_form.changed_data:
                rsvp = rsvp_attendance_set(
                    rsvp=inline_form.instance, attended=inline_form.cleaned_data["attended"]
                )
                formset.changed_objects.append((rsvp, ["attended"]))

    @admin.action(
        description="Publish the selected sessions (alerts go out)", permissions=["change"]
    )
    def publish(self, request, queryset):
        if "apply" in request.POST:
            published = sum(event_publish(event=event) for event in queryset)
            if not published:
                self.message_user(
                    request, "Nothing was published: none of them was a draft.", messages.WARNING
                )
                return None
            plan = alert_digest_plan(kinds=[])
            self.message_user(
                request,
                f"Published {count_of(published, 'session')}. The new-session alert email goes out "
                f"{_when(plan)}.",
                messages.SUCCESS,
            )
            return None
        drafts = queryset.filter(status=Event.Status.DRAFT)
        sessions = "this session" if queryset.count() == 1 else "these sessions"
        if not drafts.exists():
            note = "None of them is a draft: publishing changes nothing."
        else:
            plan = alert_digest_plan(kinds=set(drafts.values_list("kind", flat=True)))
            waiting = (
                f", with the {count_of(plan.waiting, 'session')} published shortly before"
                if plan.waiting
                else ""
            )
            note = (
                f"Publishing puts {sessions} on the public calendar. The new-session alert "
                f"email goes out {_when(plan)}{waiting}: {count_of(plan.recipients, 'supporter')} "
                "will get one email each, listing every new session of the kinds they asked for."
                + (
                    " Today's alert email has already gone, and nobody gets more than one a day."
                    if plan.deferred
                    else ""
                )
                + (
                    f" No alert email goes out before {settings.ALERT_DIGEST_EARLIEST_HOUR:02d}:00."
                    if plan.held_for_morning
                    else ""
                )
            )
        one = queryset.count() == 1
        return _intermediate(
            self,
            request,
            queryset,
            form=forms.Form(),
            title="Publish session" if one else "Publish sessions",
            action="publish",
            note=note,
        )

    @admin.action(
        description="Cancel the selected sessions and tell the people coming",
        permissions=["change"],
    )
    def cancel_with_notice(self, request, queryset):
        form = CancelReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            cancelled = sum(
                event_cancel(event=event, message=form.cleaned_data["message"], actor=request.user)
                for event in queryset
            )
            self.message_user(
                request, f"Cancelled {count_of(cancelled, 'session')}.", messages.SUCCESS
            )
            return None
        return _intermediate(
            self,
            request,
            queryset,
            form=form,
            title="Cancel sessions",
            action="cancel_with_notice",
            note="Everyone going or waiting gets an email saying the session is cancelled.",
        )

    @admin.action(description="Duplicate the selected sessions (as drafts)", permissions=["change"])
    def duplicate(self, request, queryset):
        copies = [event_duplicate(event=event) for event in queryset]
        self.message_user(
            request,
            f"Made {count_of(len(copies), 'draft copy', 'draft copies')}.",
            messages.SUCCESS,
        )

    @admin.action(
        description="Repeat the selected sessions weekly (as drafts)", permissions=["change"]
    )
    def repeat_weekly(self, request, queryset):
        form = RepeatWeeklyForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                made = sum(
                    len(event_repeat_weekly(event=event, weeks=form.cleaned_data["weeks"]))
                    for event in queryset
                )
            except SessionError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return None
            self.message_user(request, f"Made {count_of(made, 'weekly draft')}.", messages.SUCCESS)
            return None
        return _intermediate(
            self, request, queryset, form=form, title="Repeat weekly", action="repeat_weekly"
        )

    @admin.action(
        description="Email the people going to the selected sessions", permissions=["change"]
    )
    def message_people_going(self, request, queryset):
        form = MessagePeopleGoingForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            sent = sum(
                event_message_people_going(event=event, actor=request.user, **form.cleaned_data)
                for event in queryset
            )
            self.message_user(
                request, f"Emailed {count_of(sent, 'person', 'people')}.", messages.SUCCESS
            )
            return None
        going = Rsvp.objects.filter(event__in=queryset, status=Rsvp.Status.GOING).count()
        if going == 0:
            note = "Nobody is going yet, so this email would reach nobody."
        elif going == 1:
            note = "The 1 person going gets the email"
        else:
            note = f"Each of the {count_of(going, 'person', 'people')} going gets their own email"
        if going:
            note += ", with the session's details and their cancel link."
        return _intermediate(
            self,
            request,
            queryset,
            form=form,
            title="Email the people going",
            action="message_people_going",
            note=note,
        )

    @admin.action(description="Export sign-ups as CSV", permissions=["export_rsvps"])
    def export_rsvps_csv(self, request, queryset):
        content = rsvps_export(events=queryset, actor=request.user)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="sign-ups.csv"'
        return response

    def has_export_rsvps_permission(self, request):
        return request.user.has_perm("events.export_rsvps")


@admin.register(AlertDigest)
class AlertDigestAdmin(admin.ModelAdmin):
    """New-session alert emails: which sessions went out together, when, to how many."""

    list_display = ["send_date", "status", "due_at", "session_count", "recipient_count", "sent_at"]
    fields = (
        "status",
        "opened_at",
        "due_at",
        "send_date",
        "sessions",
        "recipient_count",
        "sent_at",
    )
    readonly_fields = fields
    list_filter = ["status"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("events"))

    @admin.display(description="sessions", ordering="session_count")
    def session_count(self, digest):
        return digest.session_count

    @admin.display(description="sessions")
    def sessions(self, digest):
        return ", ".join(str(event) for event in digest.events.all()) or "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
