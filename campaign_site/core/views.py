from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from campaign_site.core.health import health_report
from campaign_site.core.pagecache import public_page
from campaign_site.core.panels import panel_topics
from campaign_site.core.share import (
    share_card_get,
    share_card_version,
    share_image_get_or_make,
    share_image_path,
)


@public_page(topics=lambda request: ("campaign", *panel_topics("home-help", "home")))
def home(request):
    return render(request, "campaign_site/home.html")


@public_page(topics=("campaign",))
def privacy(request):
    return render(request, "campaign_site/privacy.html")


@never_cache
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": report}, status=200 if healthy else 503
    )


@require_safe
def media(request, path):
    """Uploaded pictures from var/media, when the site serves them itself (MEDIA_SERVE).
    Their names are made from their content, so browsers keep them for a year."""
    if not settings.MEDIA_SERVE:
        raise Http404("Media are served elsewhere")
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_safe
def share_image(request, kind, version, key=""):
    """A page's share image. Its URL names a version; an old version leads to the current
    one. Drawn once per version (see campaign_site.core.share), kept for good."""
    card = share_card_get(kind=kind, key=key)
    if card is None:
        raise Http404("No such page to share")
    if version != share_card_version(card):
        response: HttpResponseBase = HttpResponseRedirect(share_image_path(card))
        response["Cache-Control"] = "public, max-age=300"
        return response
    stored = share_image_get_or_make(card=card)
    response = FileResponse(default_storage.open(stored.name), content_type="image/png")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
