from django.contrib import admin
from django.urls import include, path

from campaign_site.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz/", views.healthz, name="healthz"),
    path("", include("volunteers.urls")),
    path("events/", include("events.urls")),
    path("", include("donations.urls")),
    # The email provider's tracking webhooks (bounces, complaints), behind basic auth.
    path("anymail/", include("anymail.urls")),
    path("admin/", admin.site.urls),
]
