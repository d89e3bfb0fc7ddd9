from django.contrib import admin
from django.urls import include, path, register_converter

from campaign_site.core import views


class HexConverter:
    regex = "[0-9a-f]{16}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(HexConverter, "hex")

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz/", views.healthz, name="healthz"),
    path("media/<path:path>", views.media, name="media"),
    path("share/<slug:kind>/<hex:version>.png", views.share_image, name="share_image"),
    path(
        "share/<slug:kind>/<slug:key>/<hex:version>.png",
        views.share_image,
        name="share_image_of",
    ),
    path("", include("volunteers.urls")),
    path("events/", include("events.urls")),
    path("", include("donations.urls")),
    # The email provider's tracking webhooks (bounces, complaints), behind basic auth.
    path("anymail/", include("anymail.urls")),
    path("admin/", admin.site.urls),
]
