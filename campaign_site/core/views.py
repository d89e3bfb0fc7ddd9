from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from campaign_site.core.health import health_report
from campaign_site.core.pagecache import public_page
from campaign_site.core.panels import panel_topics


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
