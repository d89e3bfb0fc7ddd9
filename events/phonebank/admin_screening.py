"""Admin for TPS and Corporate TPS files: upload one (streamed into the hash table by
services/screening.py), see which are in force and whether screened lists are being served."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from campaign_site.core.words import count_of
from events.phonebank.forms import ScreeningFileUploadForm
from events.phonebank.models import ScreeningFile
from events.phonebank.screening import screening_status
from events.phonebank.services import screening_file_load

ADD_PERMISSION = "phonebank.add_screeningfile"
FIELDS = (
    "kind",
    "filename",
    "uploaded_at",
    "uploaded_by",
    "lines_read",
    "numbers_kept",
    "lines_skipped",
    "replaced_at",
)


@admin.register(ScreeningFile)
class ScreeningFileAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "uploaded_at",
        "uploaded_by",
        "lines_read",
        "numbers_kept",
        "lines_skipped",
        "in_force",
    ]
    list_filter = ["kind"]
    fields = readonly_fields = FIELDS
    change_list_template = "events/phonebank/admin/screeningfile_change_list.html"

    @admin.display(description="in force", boolean=True)
    def in_force(self, screening_file):
        return screening_file.replaced_at is None

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:phonebank_screeningfile_upload")

    def changelist_view(self, request, extra_context=None):
        extra = {"screening": screening_status(), "can_upload": self.has_add_permission(request)}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="phonebank_screeningfile_upload"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not request.user.has_perm(ADD_PERMISSION):
            raise PermissionDenied
        form = ScreeningFileUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                # The upload is on disk (Django's temporary file for big uploads): read
                # a line at a time, never the whole file.
                screening_file = screening_file_load(
                    kind=form.cleaned_data["kind"],
                    lines=upload,
                    filename=upload.name,
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                self.message_user(
                    request,
                    f"{screening_file.get_kind_display()} file loaded: "
                    f"{count_of(screening_file.numbers_kept, 'number')} kept as hashes, "
                    f"{count_of(screening_file.lines_skipped, 'line')} skipped (blank or not "
                    "a UK number). Every screened list is checked against it from now on.",
                    messages.SUCCESS,
                )
                return redirect("admin:phonebank_screeningfile_changelist")
        return TemplateResponse(
            request,
            "events/phonebank/admin/screeningfile_upload.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Upload a TPS or Corporate TPS file",
                "form": form,
                "screening": screening_status(),
            },
        )
