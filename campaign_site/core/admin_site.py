"""The admin site: sign-in lockout, and two-factor sign-in required when debug is off."""

import django_otp
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from campaign_site.core.admin_sections import admin_sections
from campaign_site.core.login_guard import (
    LOCKED_MESSAGE,
    login_failure_record,
    login_failures_clear,
    login_is_locked,
)
from campaign_site.core.two_factor import (
    two_factor_backup_codes_issue,
    two_factor_backup_codes_left,
    two_factor_device_confirm,
    two_factor_device_start,
    two_factor_enrolment_user_id,
    two_factor_has_device,
    two_factor_qr_data_uri,
    two_factor_secret,
)


class GuardedAuthenticationForm(AdminAuthenticationForm):
    request: HttpRequest  # the admin's login view always passes it

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if login_is_locked(request=self.request, username=username):
            raise ValidationError(LOCKED_MESSAGE, code="locked")
        # A wrong password is counted by axes (Django's authenticate() signals it).
        cleaned = super().clean()
        if not settings.ADMIN_REQUIRE_TWO_FACTOR:
            login_failures_clear(username=username)  # else only after the code is right
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


class SignInCodeForm(CodeForm):
    """At sign-in a backup code (8 letters and digits) works too."""

    code = forms.CharField(
        label="6-digit code from your authenticator app, or one of your backup codes",
        min_length=6,
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


def method_decorator_never_cache_csrf(view):
    return method_decorator(never_cache)(method_decorator(csrf_protect)(view))


class CampaignAdminSite(admin.AdminSite):
    site_header = "Campaign admin"
    site_title = "Campaign admin"
    index_title = "Run the campaign"
    login_form = GuardedAuthenticationForm

    def two_factor_required(self) -> bool:
        return settings.ADMIN_REQUIRE_TWO_FACTOR

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not self.two_factor_required() or request.user.is_verified()

    def get_app_list(self, request, app_label=None):
        """The home and the side bar list the campaign's sections (admin_sections); an app's
        own page (/admin/<app>/) keeps Django's list of that app."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        return admin_sections(self._build_app_dict(request), is_superuser=request.user.is_superuser)

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_active and user.is_staff and not self.has_permission(request):
            step = "two_factor_verify" if two_factor_has_device(user) else "two_factor_setup"
            target = reverse(f"admin:{step}")
            next_url = request.GET.get("next")
            if next_url:
                target += "?" + request.GET.urlencode()
            return redirect(target)
        return super().login(request, extra_context)

    def get_urls(self):
        return [
            path("two-factor/setup/", self.two_factor_setup, name="two_factor_setup"),
            path(
                "two-factor/setup/<str:token>/",
                self.two_factor_setup,
                name="two_factor_setup_with_link",
            ),
            path("two-factor/verify/", self.two_factor_verify, name="two_factor_verify"),
            path(
                "two-factor/backup-codes/",
                self.two_factor_backup_codes,
                name="two_factor_backup_codes",
            ),
            *super().get_urls(),
        ]

    def _signed_in_staff_or_login(self, request):
        if not (request.user.is_active and request.user.is_staff):
            return redirect("admin:login")
        return None

    def _verified(self, request, device) -> None:
        """Both factors are in: a new session key, the device remembered, the count reset."""
        request.session.cycle_key()
        django_otp.login(request, device)
        login_failures_clear(username=request.user.get_username())

    def _next_url(self, request) -> str:
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            return next_url
        return reverse("admin:index")

    @method_decorator_never_cache_csrf
    def two_factor_setup(self, request, token=None):
        if not (request.user.is_active and request.user.is_staff):
            from django.contrib.auth.views import redirect_to_login

            # Signed out: sign in, then come back to this very link (its token included).
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if two_factor_has_device(request.user):
            return redirect("admin:two_factor_verify")
        if token is None or two_factor_enrolment_user_id(token) != request.user.pk:
            context = {
                **self.each_context(request),
                "title": "Two-factor sign-in is not set up yet",
                "link_given": token is not None,
            }
            return TemplateResponse(request, "admin/two_factor/need_link.html", context)
        device = two_factor_device_start(user=request.user)
        form = CodeForm(request.POST or None)
        if form.is_valid():
            if two_factor_device_confirm(device=device, token=form.cleaned_data["code"]):
                device.refresh_from_db()
                self._verified(request, device)
                return self._backup_codes_page(request, first_time=True)
            form.add_error(
                "code",
                "That code did not match. Wait a moment, then try the newest code in your app.",
            )
        context = {
            **self.each_context(request),
            "title": "Set up two-factor sign-in",
            "form": form,
            "qr_data_uri": two_factor_qr_data_uri(device),
            "secret": two_factor_secret(device),
            "next": self._next_url(request),
        }
        return TemplateResponse(request, "admin/two_factor/setup.html", context)

    @method_decorator_never_cache_csrf
    def two_factor_verify(self, request):
        if response := self._signed_in_staff_or_login(request):
            return response
        if not two_factor_has_device(request.user):
            return redirect("admin:two_factor_setup")
        username = request.user.get_username()
        form = SignInCodeForm(request.POST or None)
        if form.is_valid():
            if login_is_locked(request=request, username=username):
                form.add_error(None, LOCKED_MESSAGE)
            elif device := django_otp.match_token(request.user, form.cleaned_data["code"]):
                self._verified(request, device)
                return redirect(self._next_url(request))
            else:
                login_failure_record(request=request, username=username)
                form.add_error(
                    "code",
                    "That code did not match. Wait a moment, then try the newest code in your app.",
                )
        context = {
            **self.each_context(request),
            "title": "Enter your sign-in code",
            "form": form,
            "next": self._next_url(request),
        }
        return TemplateResponse(request, "admin/two_factor/verify.html", context)

    def _backup_codes_page(self, request, *, first_time: bool = False):
        context = {
            **self.each_context(request),
            "title": "Your backup codes",
            "codes": two_factor_backup_codes_issue(user=request.user),
            "first_time": first_time,
            "next": self._next_url(request),
        }
        return TemplateResponse(request, "admin/two_factor/backup_codes.html", context)

    @method_decorator_never_cache_csrf
    def two_factor_backup_codes(self, request):
        """New backup codes for a signed-in, verified account (the old ones stop working)."""
        if not self.has_permission(request) or not request.user.is_verified():
            return redirect("admin:login")
        if request.method == "POST":
            return self._backup_codes_page(request)
        context = {
            **self.each_context(request),
            "title": "Backup codes",
            "codes_left": two_factor_backup_codes_left(request.user),
        }
        return TemplateResponse(request, "admin/two_factor/backup_codes_new.html", context)
