"""Organisers' phonebank: call lists (sessions, who is on it, a script), scripts with their
ordered steps and a preview as callers see it, imports (upload, preview, confirm), the
do-not-call list, results per list and session, and suspending a caller. Thin: every
write is a service in events/phonebank/services."""

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from campaign_site.core.admin_read_only import ReadOnlyAdmin
from campaign_site.core.forms import HoursField
from campaign_site.core.words import count_of
from events.models import Event, Rsvp
from events.phonebank.admin_hours import PhonebankSettingsAdmin  # noqa: F401
from events.phonebank.admin_screening import ScreeningFileAdmin  # noqa: F401
from events.phonebank.forms import (
    AddSupportersForm,
    CallForm,
    DoNotCallForm,
    ImportUploadForm,
    ScreenedImportUploadForm,
    ScriptStepForm,
    ScriptStepFormSet,
    SuspendForm,
)
from events.phonebank.models import (
    CallAssignment,
    CallerSuspension,
    CallList,
    CallRecord,
    Contact,
    ContactImport,
    DoNotCall,
    Script,
    ScriptStep,
)
from events.phonebank.phones import phone_for_display, phone_to_e164
from events.phonebank.screening import screening_status
from events.phonebank.selectors import callbacks_due, phonebank_results, script_steps
from events.phonebank.services import (
    IMPORT_CONFLICT,
    ImportFileError,
    call_list_add_supporters,
    call_list_save,
    caller_suspend,
    caller_suspension_lift,
    contacts_import_cancel,
    contacts_import_confirm,
    contacts_import_preview,
    do_not_call_add,
    import_conflicts,
    import_counts,
    phonebank_results_export,
    script_save,
)
from volunteers.consent import PHONE_CALLS_LABEL

CONSENTED_IMPORT_NOTE = (
    "Only people who agreed to be phoned by the campaign, and where and when they agreed (a "
    "street stall sheet, a doorstep conversation). Never bought or matched numbers. Nothing "
    "is added until you have seen the check and confirmed."
)
SCREENED_IMPORT_NOTE = (
    "Constituents' numbers from our own doorstep records or a supplier, for live canvassing "
    "calls. Each is checked against the TPS and Corporate TPS files now and on every call: a "
    "registered number is called only if that person agreed to our calls. Numbers on the "
    "do-not-call list, and ones volunteers would pay extra to call, are refused. Nothing is "
    "added until you have seen the check and confirmed."
)
IMPORT_PERMISSION = "phonebank.import_contacts"
EXPORT_PERMISSION = "phonebank.export_results"


def _page(admin_obj, request, template: str, context: dict, title: str) -> TemplateResponse:
    return TemplateResponse(
        request,
        template,
        {
            **admin_obj.admin_site.each_context(request),
            "opts": admin_obj.model._meta,
            "title": title,
            **context,
        },
    )


# --- Scripts ------------------------------------------------------------------------------


class ScriptStepInline(admin.TabularInline):
    model = ScriptStep
    form = ScriptStepForm
    formset = ScriptStepFormSet
    extra = 1
    ordering = ["position"]
    fields = [
        "position",
        "kind",
        "text",
        "options_text",
        "short_label",
        "records_political_opinion",
    ]
    verbose_name_plural = (
        'steps (after the fixed first step, "How did the call go?"). Write {first name} '
        "where the caller says the person's name."
    )


@admin.register(Script)
class ScriptAdmin(admin.ModelAdmin):
    list_display = ["name", "steps", "lists", "updated_at"]
    search_fields = ["name"]
    inlines = [ScriptStepInline]
    change_form_template = "events/phonebank/admin/script_change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(step_count=Count("steps", distinct=True))
            .annotate(list_count=Count("call_lists", distinct=True))
        )

    @admin.display(description="steps", ordering="step_count")
    def steps(self, script):
        return script.step_count

    @admin.display(description="call lists", ordering="list_count")
    def lists(self, script):
        return script.list_count

    def save_model(self, request, obj, form, change):
        script_save(script=obj, steps=list(obj.steps.all()) if obj.pk else [])

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # sets deleted_objects, new and changed objects
        deleted = {step.pk for step in formset.deleted_objects}
        steps = [
            f.instance
            for f in formset.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and (f.instance.pk or f.has_changed())
            and f.instance.pk not in deleted
        ]
        script_save(script=form.instance, steps=steps, deleted=formset.deleted_objects)

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="phonebank_script_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk):
        script = get_object_or_404(Script, pk=pk)
        if not self.has_view_permission(request, script):
            raise PermissionDenied
        example = Contact(first_name="Sam", phone="+447700900123", postcode="DE22 1AA")
        steps = script_steps(script=script)
        return TemplateResponse(
            request,
            "events/phonebank/admin/script_preview.html",
            {
                "script": script,
                "call_form": CallForm(steps=steps),
                "steps": steps,
                "contact": example,
                "phone_shown": phone_for_display(example.phone),
                "preview": True,
                "back_url": reverse("admin:phonebank_script_change", args=[script.pk]),
            },
        )


# --- Call lists ---------------------------------------------------------------------------


class CallListForm(forms.ModelForm):
    retry_delay = HoursField(
        label="Try again after (hours)",
        help_text="How many hours before someone who did not answer (or was busy, or got a "
        "voicemail) is tried again, e.g. 4 or 1.5.",
    )

    class Meta:
        model = CallList
        fields = ["name", "basis", "status", "sessions", "script", "retry_delay", "max_tries"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sessions" in self.fields:  # not for someone who may only view (read-only fields)
            sessions = cast(forms.ModelMultipleChoiceField, self.fields["sessions"])
            sessions.queryset = Event.objects.filter(kind=Event.Kind.PHONEBANK).order_by(
                "-starts_at"
            )


def _count_per_list(rows, list_field: str) -> Coalesce:
    """How many of `rows` belong to each call list, as a subquery (0 for none)."""
    counted = (
        rows.filter(**{list_field: OuterRef("pk")})
        .order_by()
        .values(list_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@admin.register(CallList)
class CallListAdmin(admin.ModelAdmin):
    form = CallListForm
    list_display = [
        "name",
        "basis",
        "status",
        "script",
        "session_count",
        "on_list",
        "calls",
        "created_at",
    ]
    list_filter = ["status", "basis"]
    search_fields = ["name"]
    filter_horizontal = ["sessions"]
    change_form_template = "events/phonebank/admin/calllist_change_form.html"

    def get_queryset(self, request):
        # One counting subquery each: joining sessions, places and calls in one query
        # multiplied the rows (300 places x 33 calls made 9,900 per list) before counting.
        return (
            super()
            .get_queryset(request)
            .select_related("script")
            .annotate(
                session_count=_count_per_list(CallList.sessions.through.objects, "calllist"),
                on_list=_count_per_list(
                    CallAssignment.objects.exclude(status=CallAssignment.Status.REMOVED),
                    "call_list",
                ),
                call_count=_count_per_list(CallRecord.objects, "call_list"),
            )
        )

    @admin.display(description="sessions", ordering="session_count")
    def session_count(self, call_list):
        return call_list.session_count

    @admin.display(description="people on it", ordering="on_list")
    def on_list(self, call_list):
        return call_list.on_list

    @admin.display(description="calls made", ordering="call_count")
    def calls(self, call_list):
        return call_list.call_count

    def save_model(self, request, obj, form, change):
        try:
            call_list_save(
                call_list=obj, sessions=form.cleaned_data["sessions"], actor=request.user
            )
        except ValidationError as error:  # the form already checked; a race at most
            self.message_user(request, "; ".join(error.messages), messages.ERROR)

    def save_related(self, request, form, formsets, change):
        pass  # the sessions were saved by call_list_save()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        call_list = self.get_object(request, object_id)
        extra = {}
        if call_list is not None:
            extra = {
                "results": phonebank_results(call_list=call_list),
                "can_import": request.user.has_perm(IMPORT_PERMISSION),
                "can_export": request.user.has_perm(EXPORT_PERMISSION),
                "can_change": self.has_change_permission(request, call_list),
                "screening": screening_status() if call_list.is_screened else None,
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/results/", view(self.results_view), name="phonebank_calllist_results"),
            path(
                "<int:pk>/add-supporters/",
                view(self.add_supporters_view),
                name="phonebank_calllist_add_supporters",
            ),
            path("<int:pk>/import/", view(self.import_view), name="phonebank_calllist_import"),
            path(
                "<int:pk>/import/<int:import_pk>/",
                view(self.import_preview_view),
                name="phonebank_calllist_import_preview",
            ),
            path("<int:pk>/export/", view(self.export_view), name="phonebank_calllist_export"),
            path(
                "<int:pk>/suspend/<int:rsvp_pk>/",
                view(self.suspend_view),
                name="phonebank_calllist_suspend",
            ),
            *super().get_urls(),
        ]

    def _list(self, request, pk, *, permission: str | None = None) -> CallList:
        call_list = get_object_or_404(CallList.objects.select_related("script"), pk=pk)
        if not self.has_view_permission(request, call_list):
            raise PermissionDenied
        if permission == "change" and not self.has_change_permission(request, call_list):
            raise PermissionDenied
        if permission not in (None, "change") and not request.user.has_perm(permission):
            raise PermissionDenied
        return call_list

    def results_view(self, request, pk):
        call_list = self._list(request, pk)
        sessions = list(call_list.sessions.order_by("starts_at"))
        session = next((s for s in sessions if str(s.pk) == request.GET.get("session")), None)
        return _page(
            self,
            request,
            "events/phonebank/admin/results.html",
            {
                "call_list": call_list,
                "sessions": sessions,
                "session": session,
                "results": phonebank_results(call_list=call_list, session=session),
                "callbacks": callbacks_due(call_list=call_list),
                "now": timezone.now(),
                "can_export": request.user.has_perm(EXPORT_PERMISSION),
                "can_suspend": request.user.has_perm("phonebank.add_callersuspension"),
                "screening": screening_status() if call_list.is_screened else None,
            },
            title=f"Results: {call_list}",
        )

    def add_supporters_view(self, request, pk):
        call_list = self._list(request, pk, permission="change")
        form = AddSupportersForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            added = call_list_add_supporters(
                call_list=call_list,
                postcode_districts=form.districts(),
                interests=form.cleaned_data["interests"],
                actor=request.user,
            )
            self.message_user(
                request,
                f"{count_of(added, 'supporter')} who agreed to be phoned joined the list.",
                messages.SUCCESS,
            )
            return redirect("admin:phonebank_calllist_change", call_list.pk)
        return _page(
            self,
            request,
            "events/phonebank/admin/form_page.html",
            {
                "call_list": call_list,
                "form": form,
                "submit": "Add them to the list",
                "note": "Only supporters who ticked “The campaign may phone me about the "
                "election” (and gave a number) are added, each with that consent as "
                "evidence. Numbers on the do-not-call list, people already on the list and "
                "numbers volunteers would pay extra to call (premium rate, personal "
                "numbers, the Isle of Man and Channel Islands) are left out.",
            },
            title=f"Add supporters to {call_list}",
        )

    def import_view(self, request, pk):
        call_list = self._list(request, pk, permission=IMPORT_PERMISSION)
        screened = call_list.is_screened
        form_class = ScreenedImportUploadForm if screened else ImportUploadForm
        form = form_class(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            given = form.cleaned_data
            try:
                contact_import = contacts_import_preview(
                    call_list=call_list,
                    file=upload.read(),
                    filename=upload.name,
                    consent_wording=given.get("consent_wording") or PHONE_CALLS_LABEL,
                    source=given.get("source", ""),
                    source_date=given.get("source_date"),
                    actor=request.user,
                )
            except ImportFileError as error:
                form.add_error("file", error)
            else:
                return redirect(
                    "admin:phonebank_calllist_import_preview", call_list.pk, contact_import.pk
                )
        return _page(
            self,
            request,
            "events/phonebank/admin/form_page.html",
            {
                "call_list": call_list,
                "form": form,
                "multipart": True,
                "submit": "Check the file",
                "note": SCREENED_IMPORT_NOTE if screened else CONSENTED_IMPORT_NOTE,
                "example": "name,phone,postcode\nSam Jones,07700 900123,DE22 1AA"
                if screened
                else "name,phone,postcode,consent\n"
                'Sam Jones,07700 900123,DE22 1AA,"street stall, 14 Nov"',
            },
            title=f"Import contacts to {call_list}",
        )

    def import_preview_view(self, request, pk, import_pk):
        call_list = self._list(request, pk, permission=IMPORT_PERMISSION)
        contact_import = get_object_or_404(ContactImport, pk=import_pk, call_list=call_list)
        if request.method == "POST" and contact_import.status == ContactImport.Status.PREVIEW:
            if "cancel" in request.POST:
                contacts_import_cancel(contact_import=contact_import, actor=request.user)
                self.message_user(request, "Import cancelled: nothing was added.")
                return redirect("admin:phonebank_calllist_change", call_list.pk)
            choices = {
                int(key.removeprefix("conflict-")): value
                for key, value in request.POST.items()
                if key.startswith("conflict-") and key.removeprefix("conflict-").isdigit()
            }
            try:
                added = contacts_import_confirm(
                    contact_import=contact_import, choices=choices, actor=request.user
                )
            except ValidationError as error:
                choice_error = error.messages[0]
            else:
                self.message_user(
                    request, f"{count_of(added, 'contact')} added to {call_list}.", messages.SUCCESS
                )
                return redirect("admin:phonebank_calllist_change", call_list.pk)
        else:
            choices, choice_error = {}, ""
        pending = contact_import.pending_rows
        return _page(
            self,
            request,
            "events/phonebank/admin/import_preview.html",
            {
                "call_list": call_list,
                "contact_import": contact_import,
                "counts": import_counts(contact_import),
                "sample": [row for row in pending if row.get("kind") != IMPORT_CONFLICT][:10],
                "conflicts": [
                    {**row, "choice": choices.get(row["line"], "")}
                    for row in import_conflicts(contact_import)
                ],
                "choice_error": choice_error,
            },
            title=f"Check the import to {call_list}",
        )

    def export_view(self, request, pk):
        call_list = self._list(request, pk, permission=EXPORT_PERMISSION)
        content = phonebank_results_export(call_list=call_list, actor=request.user)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="call-list-{call_list.pk}.csv"'
        return response

    def suspend_view(self, request, pk, rsvp_pk):
        call_list = self._list(request, pk, permission="phonebank.add_callersuspension")
        caller = get_object_or_404(Rsvp.objects.select_related("event"), pk=rsvp_pk)
        if not call_list.sessions.filter(pk=caller.event_id).exists():
            self.message_user(
                request,
                f"{caller.first_name} is not a caller on {call_list}: they are not signed up "
                "to any of its sessions. Nobody was suspended.",
                messages.ERROR,
            )
            return redirect("admin:phonebank_calllist_results", call_list.pk)
        form = SuspendForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            caller_suspend(caller=caller, reason=form.cleaned_data["reason"], actor=request.user)
            self.message_user(
                request,
                f"{caller.first_name} can no longer call; what they held is back on the list.",
                messages.SUCCESS,
            )
            return redirect("admin:phonebank_calllist_results", call_list.pk)
        return _page(
            self,
            request,
            "events/phonebank/admin/form_page.html",
            {
                "call_list": call_list,
                "form": form,
                "submit": f"Suspend {caller.first_name}",
                "note": f"{caller.first_name} ({caller.event}) stops calling at once, on "
                "every session: the contacts they hold go back on the list and their "
                "calling link stops working. You can lift it later under Caller suspensions.",
            },
            title=f"Suspend {caller.first_name} from calling",
        )


# --- Imports, contacts, calls -------------------------------------------------------------


@admin.register(ContactImport)
class ContactImportAdmin(ReadOnlyAdmin):
    list_display = [
        "uploaded_at",
        "call_list",
        "filename",
        "status",
        "rows_total",
        "rows_refused",
        "rows_imported",
        "uploaded_by",
    ]
    list_filter = ["status"]
    fields = (
        "call_list",
        "filename",
        "status",
        "rows_total",
        "rows_valid",
        "rows_refused",
        "rows_imported",
        "uploaded_by",
        "uploaded_at",
        "confirmed_by",
        "confirmed_at",
        "refused_rows",
    )
    readonly_fields = fields

    @admin.display(description="refused rows (line: reason)")
    def refused_rows(self, contact_import):
        from django.utils.html import format_html_join

        return format_html_join(
            "\n",
            "<div>Line {}: {} ({}, {})</div>",
            (
                (row["line"], row["reason"], row.get("name") or "no name", row.get("phone") or "")
                for row in contact_import.refused
            ),
        )


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["first_name", "surname", "phone_number", "postcode", "came_from", "consent_at"]
    search_fields = ["first_name", "surname", "phone"]
    list_filter = [("supporter", admin.EmptyFieldListFilter), "consent_at"]
    fields = (
        "first_name",
        "surname",
        "phone",
        "postcode",
        "supporter",
        "import_batch",
        "consent_text",
        "consent_where",
        "consent_at",
        "further_agreements",
        "created_at",
        "erased_at",
    )
    readonly_fields = fields
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(erased_at__isnull=True)

    @admin.display(description="phone", ordering="phone")
    def phone_number(self, contact):
        return phone_for_display(contact.phone)

    @admin.display(description="agreed again")
    def further_agreements(self, contact):
        from django.utils.html import format_html_join

        return format_html_join(
            "\n",
            "<div>{}, {} ({})</div>",
            (
                (c.consent_where, f"{c.consent_at:%d %b %Y}", c.import_batch or "import")
                for c in contact.further_consents.select_related("import_batch")
            ),
        )

    @admin.display(description="from")
    def came_from(self, contact):
        if contact.supporter_id:
            return "A supporter's own form"
        return contact.import_batch or "Import"


@admin.register(CallRecord)
class CallRecordAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "call_list", "caller_name", "contact", "result", "changed_at"]
    list_filter = ["result", "call_list"]
    date_hierarchy = "recorded_at"
    fields = (
        "call_list",
        "contact",
        "caller_name",
        "result",
        "callback_at",
        "notes",
        "claimed_at",
        "recorded_at",
        "changed_at",
    )
    readonly_fields = fields
    list_select_related = ["call_list", "contact", "caller"]
    show_full_result_count = False

    @admin.display(description="caller")
    def caller_name(self, record):
        return record.caller.first_name if record.caller else ""


# --- Do not call, suspensions ---------------------------------------------------------------


class DoNotCallAdminForm(DoNotCallForm):
    def clean_phone(self):
        return phone_to_e164(self.cleaned_data["phone"])  # ValidationError next to the field


@admin.register(DoNotCall)
class DoNotCallAdmin(admin.ModelAdmin):
    form = DoNotCallAdminForm
    list_display = ["phone_number", "reason", "note", "created_at", "added_by"]
    list_filter = ["reason"]
    search_fields = ["phone", "note"]
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["phone", "note"]
        return ["phone", "reason", "note", "created_at", "added_by", "call_record"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    @admin.display(description="phone", ordering="phone")
    def phone_number(self, entry):
        return phone_for_display(entry.phone)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # An objection is for good; a number marked wrong or not in use may be corrected.
        allowed = obj is None or obj.reason in (
            DoNotCall.Reason.WRONG_PERSON,
            DoNotCall.Reason.NOT_IN_USE,
        )
        return allowed and request.user.is_superuser

    def save_model(self, request, obj, form, change):
        entry = do_not_call_add(
            phone=form.cleaned_data["phone"], note=form.cleaned_data["note"], actor=request.user
        )
        obj.pk, obj.reason, obj.created_at = entry.pk, entry.reason, entry.created_at
        obj._state.adding = False


@admin.register(CallerSuspension)
class CallerSuspensionAdmin(admin.ModelAdmin):
    list_display = ["caller", "session", "reason", "suspended_at", "suspended_by", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    fields = (
        "caller",
        "session",
        "reason",
        "suspended_at",
        "suspended_by",
        "lifted_at",
        "lifted_by",
    )
    readonly_fields = fields
    actions = ["lift"]
    list_select_related = ["rsvp__event", "suspended_by"]

    @admin.display(description="caller")
    def caller(self, suspension):
        return suspension.rsvp.first_name if suspension.rsvp else f"#{suspension.supporter_id}"

    @admin.display(description="session")
    def session(self, suspension):
        return suspension.rsvp.event if suspension.rsvp else ""

    def has_add_permission(self, request):
        return False  # from a list's results, next to the caller

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Lift the selected suspensions", permissions=["change"])
    def lift(self, request, queryset):
        for suspension in queryset.filter(lifted_at__isnull=True):
            caller_suspension_lift(suspension=suspension, actor=request.user)
        self.message_user(request, "Lifted: they can call again.", messages.SUCCESS)
