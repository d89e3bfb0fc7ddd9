from django.contrib import admin
from django.urls import include, path, register_converter

from campaign_site.core import views
from campaign_site.core.webhooks import tracking_webhook


class HexConverter:
    regex = "[0-9a-f]{16}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(HexConverter, "hex")

# The email provider's tracking webhook (bounces, complaints), behind basic auth: only the
# provider in ANYMAIL_ESP answers (see campaign_site.core.webhooks); Mandrill's also at
# anymail's shorter address for it.
anymail_tracking = [
    path("<slug:esp>/tracking/", tracking_webhook, name="tracking_webhook"),
    path("mandrill/", tracking_webhook, {"esp": "mandrill"}, name="mandrill_webhook"),
]

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
    path("anymail/", include((anymail_tracking, "anymail"))),
    path("admin/", admin.site.urls),
]
