from django import template

from campaign_site.core.share import (
    HEIGHT,
    WIDTH,
    ShareCard,
    home_share_card,
    share_card_get,
    share_image_url,
)

register = template.Library()


@register.inclusion_tag("includes/_share_meta.html", takes_context=True)
def share_meta(context, kind: str = "", key: str = "", card: ShareCard | None = None):
    """Open Graph and Twitter card tags for the page: its own card (by kind and key, or
    given), else the campaign's, with the page's own address."""
    request = context.get("request")
    own = card or (share_card_get(kind=kind, key=key) if kind else None)
    shown = own or home_share_card()
    url = shown.url if own else f"{shown.url.removesuffix(shown.path)}{request.path}"
    return {
        "card": shown,
        "url": url,
        "image": share_image_url(shown),
        "width": WIDTH,
        "height": HEIGHT,
        "campaign": context.get("campaign"),
    }
