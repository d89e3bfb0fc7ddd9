from django import template

from campaign_site.core.share import (
    HEIGHT,
    WIDTH,
    ShareCard,
    home_share_card,
    share_card_get,
    share_image_url,
    share_links_for,
)

register = template.Library()


@register.inclusion_tag("includes/_share_meta.html", takes_context=True)
def share_meta(context, kind: str = "", key: str = "", card: ShareCard | None = None):
    """Open Graph and Twitter card tags for the page: its own card (by kind and key, or
    given), else the campaign's, with the page's own address. A page whose address holds
    something (a signed link's token) never names its address: it gets the campaign's."""
    request = context.get("request")
    own = card or (share_card_get(kind=kind, key=key) if kind else None)
    shown = own or home_share_card()
    match = getattr(request, "resolver_match", None)
    personal = match is None or bool(match.args or match.kwargs)
    path = shown.path if personal else request.path
    url = shown.url if own else f"{shown.url.removesuffix(shown.path)}{path}"
    return {
        "card": shown,
        "url": url,
        "image": share_image_url(shown),
        "width": WIDTH,
        "height": HEIGHT,
        "campaign": context.get("campaign"),
    }


@register.inclusion_tag("includes/_share_links.html")
def share_links(
    heading: str = "Share this",
    card: ShareCard | None = None,
    kind: str = "",
    key: str = "",
    done: bool = False,
):
    """Links to share a page (its card, or its kind and key) on WhatsApp, Facebook, X,
    Bluesky and by email, and its address to copy (a small script adds a Copy button and
    the phone's share sheet)."""
    card = card or share_card_get(kind=kind, key=key) or home_share_card()
    text = (card.done if done else card.invite) or card.title
    return {
        "heading": heading,
        "url": card.url,
        "text": text,
        "title": card.title,
        "links": share_links_for(url=card.url, text=text, subject=card.title),
        "box": f"share-{card.kind}",
    }
