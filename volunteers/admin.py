from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from campaign_site.core.text import render_organiser_text
from campaign_site.core.words import count_of
from volunteers.exports import supporter_status, supporters_export
from volunteers.models import Consent, Supporter, Update
from volunteers.retention import retention_plan
from volunteers.selectors import bulk_audience_size, update_delivery_counts_annotate
from volunteers.services import (
    supporter_data_copy_produce,
    supporter_erase,
    supporter_unsubscribe,
)
from volunteers.update_services import (
    update_render,
    update_request_send,
    update_resume,
    update_save,
    update_send_test,
)


class ListStatusFilter(admin.SimpleListFilter):
    title = "on the list"
    parameter_name = "list_status"

    def lookups(self, request, model_admin):
        return [
            ("subscribed", "Confirmed and subscribed"),
            ("pending", "Not confirmed"),
            ("unsubscribed", "Unsubscribed"),
            ("erased", "Erased"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "subscribed":
            return queryset.confirmed()
        if value == "pending":
            return queryset.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)
        if value == "unsubscribed":
            return queryset.filter(unsubscribed_at__isnull=False, erased_at__isnull=True)
        if value == "erased":
            return queryset.filter(erased_at__isnull=False)
        return queryset


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    can_delete = False
    fields = ("given_at", "source", "page", "wording", "confirmed_at")
    readonly_fields = fields
    verbose_name_plural = "consent given (evidence)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Supporter)
class SupporterAdmin(admin.ModelAdmin):
    change_list_template = "volunteers/admin/supporter_change_list.html"
    list_display = [
        "email",
        "name",
        "postcode",
        "list_status",
        "wants_updates",
        "wants_canvass_alerts",
        "wants_phonebank_alerts",
        "source",
        "created_at",
    ]
    list_filter = [
        ListStatusFilter,
        "wants_updates",
        "wants_canvass_alerts",
        "wants_phonebank_alerts",
        "source",
        "created_at",
    ]
    search_fields = ["email", "name", "postcode"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    list_per_page = 50
    inlines = [ConsentInline]
    actions = ["export_csv", "data_copy", "unsubscribe", "erase"]
    fields = (
        "email",
        "name",
        "postcode",
        "phone",
        "phone_consent_at",
        "wants_updates",
        "wants_canvass_alerts",
        "wants_phonebank_alerts",
        "source",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
        "erased_at",
    )
    readonly_fields = fields

    @admin.display(description="on the list")
    def list_status(self, supporter):
        return supporter_status(supporter)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_export_permission(self, request):
        return request.user.has_perm("volunteers.export_supporters")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # erase instead: it keeps the suppression record
        return actions

    def changelist_view(self, request, extra_context=None):
        counts = Supporter.objects.aggregate(
            total=Count("pk", filter=Q(erased_at__isnull=True)),
            subscribed=Count("pk", filter=Q(confirmed_at__isnull=False, unsubscribed_at=None)),
            pending=Count("pk", filter=Q(confirmed_at=None, unsubscribed_at=None)),
            updates=Count(
                "pk", filter=Q(confirmed_at__isnull=False, unsubscribed_at=None, wants_updates=True)
            ),
            canvass=Count(
                "pk",
                filter=Q(
                    confirmed_at__isnull=False, unsubscribed_at=None, wants_canvass_alerts=True
                ),
            ),
            phonebank=Count(
                "pk",
                filter=Q(
                    confirmed_at__isnull=False, unsubscribed_at=None, wants_phonebank_alerts=True
                ),
            ),
        )
        extra_context = {
            **(extra_context or {}),
            "supporter_counts": counts,
            "retention": retention_plan(),
        }
        return super().changelist_view(request, extra_context=extra_context)

    @admin.action(description="Export selected supporters as CSV", permissions=["export"])
    def export_csv(self, request, queryset):
        if not self.has_export_permission(request):
            raise PermissionDenied
        rows = supporters_export(supporters=queryset, actor=request.user)
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="supporters-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(
        description="Produce a copy of a supporter's data (a request by post)",
        permissions=["export"],
    )
    def data_copy(self, request, queryset):
        """Everything held about one supporter, for a subject access request that came by
        post: a page to print, or a JSON file. Each copy produced is audited."""
        supporters = list(queryset.filter(erased_at__isnull=True)[:2])
        if len(supporters) != 1:
            self.message_user(
                request, "Choose one supporter (not erased) to copy.", messages.WARNING
            )
            return None
        [supporter] = supporters
        as_json = request.POST.get("format") == "json"
        copy = supporter_data_copy_produce(
            supporter=supporter,
            actor=request.user,
            reason="produced in admin for a request by post"
            + (" (JSON file)" if as_json else " (page)"),
        )
        if as_json:
            response: HttpResponse = JsonResponse(copy.as_json(), json_dumps_params={"indent": 2})
            response["Content-Disposition"] = (
                f'attachment; filename="supporter-{supporter.pk}-data.json"'
            )
            response["Cache-Control"] = "no-store"
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": f"A copy of the data held about {supporter.email}",
            "opts": self.model._meta,
            "copy": copy,
            "supporter": supporter,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        response = TemplateResponse(request, "volunteers/admin/data_copy.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def has_unsubscribe_permission(self, request):
        return request.user.has_perm("volunteers.change_supporter")

    @admin.action(
        description="Unsubscribe selected supporters from everything", permissions=["unsubscribe"]
    )
    def unsubscribe(self, request, queryset):
        count = 0
        for supporter in queryset.filter(unsubscribed_at__isnull=True).iterator():
            supporter_unsubscribe(supporter=supporter)
            count += 1
        self.message_user(
            request, f"Unsubscribed {count_of(count, 'supporter')}.", messages.SUCCESS
        )

    @admin.action(description="Erase selected supporters' personal data", permissions=["delete"])
    def erase(self, request, queryset):
        to_erase = queryset.filter(erased_at__isnull=True)
        if "apply" not in request.POST:
            context = {
                **self.admin_site.each_context(request),
                "title": "Erase supporters' personal data",
                "opts": self.model._meta,
                "supporters": to_erase.order_by("pk")[:50],
                "count": to_erase.count(),
                "selected": queryset.values_list("pk", flat=True),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "volunteers/admin/erase_confirm.html", context)
        count = 0
        for supporter in to_erase.iterator():
            supporter_erase(supporter=supporter, actor=request.user, reason="by an organiser")
            count += 1
        self.message_user(request, f"Erased the personal data of {count_of(count, 'supporter')}.")


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    change_form_template = "volunteers/admin/update_change_form.html"
    list_display = [
        "subject",
        "audience_short",
        "status",
        "created_at",
        "recipients",
        "queued_count",
        "sent_count",
        "failed_count",
        "bounced_count",
        "complained_count",
    ]
    list_filter = ["status", "audience"]
    search_fields = ["subject"]
    fields = ["subject", "body", "audience"]

    def get_queryset(self, request):
        return update_delivery_counts_annotate(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Update.Status.DRAFT:
            return [
                "subject",
                "body",
                "audience",
                "status",
                "send_requested_by",
                "send_requested_at",
                "queued_at",
                "recipient_count",
                "paused_at",
                "paused_reason",
                "resumed_by",
            ]
        return []

    def get_fields(self, request, obj=None):
        if obj is not None and obj.status != Update.Status.DRAFT:
            return self.get_readonly_fields(request, obj)
        return self.fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != Update.Status.DRAFT:
            return False  # sent (or sending): shown read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Update.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="audience", ordering="audience")
    def audience_short(self, update):
        return {"updates": "campaign updates", "canvass": "canvassing", "phonebank": "phonebank"}[
            update.audience
        ]

    @admin.display(description="recipients", ordering="recipient_count")
    def recipients(self, update):
        return update.recipient_count

    @admin.display(description="queued")
    def queued_count(self, update):
        return update.queued_count

    @admin.display(description="sent")
    def sent_count(self, update):
        return update.sent_count

    @admin.display(description="failed")
    def failed_count(self, update):
        return update.failed_count

    @admin.display(description="bounced")
    def bounced_count(self, update):
        return update.bounced_count

    @admin.display(description="spam reports")
    def complained_count(self, update):
        return update.complained_count

    def save_model(self, request, obj, form, change):
        update_save(update=obj, user=request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["preview"] = update_render(update=obj)
            context["preview_body"] = render_organiser_text(obj.body)
            context["audience_size"] = bulk_audience_size(Supporter.objects.audience(obj.audience))
            context["can_send"] = request.user.has_perm("volunteers.send_update")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/test/",
                self.admin_site.admin_view(self.send_test_view),
                name="volunteers_update_test",
            ),
            path(
                "<int:pk>/send/",
                self.admin_site.admin_view(self.send_view),
                name="volunteers_update_send",
            ),
            path(
                "<int:pk>/resume/",
                self.admin_site.admin_view(self.resume_view),
                name="volunteers_update_resume",
            ),
            *super().get_urls(),
        ]

    def send_test_view(self, request, pk):
        update = get_object_or_404(Update, pk=pk)
        if request.method != "POST" or not self.has_view_permission(request, update):
            raise PermissionDenied
        if not request.user.email:
            self.message_user(
                request, "Add an email address to your account to get tests.", messages.ERROR
            )
        else:
            update_send_test(update=update, to=request.user.email)
            self.message_user(request, f"A test copy is on its way to {request.user.email}.")
        return redirect(reverse("admin:volunteers_update_change", args=[pk]))

    def resume_view(self, request, pk):
        if request.method != "POST" or not request.user.has_perm("volunteers.send_update"):
            raise PermissionDenied
        update = get_object_or_404(Update, pk=pk)
        try:
            released = update_resume(update=update, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                f"Sending resumed: {count_of(released, 'held email')} "
                f"{'is' if released == 1 else 'are'} on the way.",
                messages.SUCCESS,
            )
        return redirect(reverse("admin:volunteers_update_change", args=[pk]))

    def send_view(self, request, pk):
        if not request.user.has_perm("volunteers.send_update"):
            raise PermissionDenied
        update = get_object_or_404(Update, pk=pk)
        change_url = reverse("admin:volunteers_update_change", args=[pk])
        if request.method == "POST":
            try:
                update_request_send(update=update, user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    "Sending has started. The counts below show how it is going.",
                    messages.SUCCESS,
                )
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": "Send this update?",
            "update": update,
            "audience_size": bulk_audience_size(Supporter.objects.audience(update.audience)),
            "opts": self.model._meta,
            "change_url": change_url,
        }
        return TemplateResponse(request, "volunteers/admin/update_send_confirm.html", context)
