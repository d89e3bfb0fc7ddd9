from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from campaign_site.core.health import health_report
from campaign_site.core.pagecache import public_page


@public_page(topics=("campaign", "events", "donations"))
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
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
