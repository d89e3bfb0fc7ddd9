"""What a page looks like when it is shared: its card (title, description, image).

Each page that is shared has a ShareCard: the words social sites show and what its image
says. The core makes the home page's; apps register theirs by kind in their AppConfig
(`share_kind_register("session", event_share_card)`), so the core names no app.

The image is made once per version and kept (media storage, `share/`). The version is a
hash of everything the image shows, and it is in the image's URL: when what it shows
changes (a new gift, a session moved, a new photo), the page names a new URL, which social
sites fetch afresh, and the old URL leads to the new image. An image is made on the first
request for its version, under a lock held by the database (the row naming the version is
inserted first, so a second request waits for the first to commit and then serves its
file): however many visitors ask at once, each version is drawn once.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from campaign_site.core.models import ShareImage
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.share_drawing import share_image_draw

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
# Rises whenever the drawing changes, so every image is drawn again in the new style.
DRAWING_VERSION = 1


@dataclass(frozen=True)
class ShareCard:
    kind: str  # registered kind: "home", "donate", "session"
    title: str  # og:title
    description: str  # og:description
    path: str  # the page's own path; the canonical URL is SITE_URL + path
    headline: str  # the big words on the image
    alt: str  # the image's text alternative (og:image:alt)
    key: str = ""  # which one of its kind (a session's slug)
    eyebrow: str = ""  # the small line above the headline
    lines: tuple[str, ...] = ()  # facts under the headline
    progress_percent: int | None = None  # a bar towards a target
    type: str = "website"  # og:type
    invite: str = ""  # the words shared with the link, from the page itself
    done: str = ""  # the words shared after joining, signing up or giving

    @property
    def url(self) -> str:
        return settings.SITE_URL + self.path


_kinds: dict[str, Callable[[str], ShareCard | None]] = {}


def share_kind_register(kind: str, card_for: Callable[[str], ShareCard | None]) -> None:
    """`card_for(key)` gives the card of one page of this kind, or None if there is none."""
    _kinds[kind] = card_for


def share_card_get(*, kind: str, key: str = "") -> ShareCard | None:
    card_for = _kinds.get(kind)
    return card_for(key) if card_for else None


def home_share_card(key: str = "") -> ShareCard | None:
    if key:
        return None
    campaign = campaign_settings_get()
    name = f"{campaign.candidate_name} for {campaign.constituency}"
    return ShareCard(
        kind="home",
        title=name,
        description=campaign.tagline,
        path="/",
        eyebrow=f"{campaign.party_description} candidate for {campaign.constituency}",
        headline=campaign.candidate_name,
        lines=(campaign.tagline,),
        alt=f"{campaign.candidate_name}, {campaign.party_description} candidate for "
        f"{campaign.constituency}: {campaign.tagline}",
        invite=f"{campaign.candidate_name} for {campaign.constituency}: {campaign.tagline}",
        done=f"I'm backing {campaign.candidate_name} in {campaign.constituency}. Have a look:",
    )


def _drawn(card: ShareCard) -> dict:
    """Everything the image shows, with the campaign's name, photo and imprint."""
    campaign = campaign_settings_get()
    shown = asdict(card)
    for unshown in ("title", "description", "path", "type", "invite", "done"):
        shown.pop(unshown)
    shown["campaign"] = [
        campaign.candidate_name,
        campaign.constituency,
        campaign.imprint,
        campaign.photo.get("key", ""),
        DRAWING_VERSION,
    ]
    return shown


def share_card_version(card: ShareCard) -> str:
    raw = json.dumps(_drawn(card), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def share_image_path(card: ShareCard) -> str:
    version = share_card_version(card)
    if card.key:
        return reverse("share_image_of", args=[card.kind, card.key, version])
    return reverse("share_image", args=[card.kind, version])


def share_image_url(card: ShareCard) -> str:
    return settings.SITE_URL + share_image_path(card)


def _file_name(card: ShareCard, version: str) -> str:
    return f"share/{card.kind}/{card.key or card.kind}-{version}.png"


def share_image_get_or_make(*, card: ShareCard) -> ShareImage:
    """The stored image of the card's current version, drawn now if nobody has yet.

    Older versions of the same card are deleted once the new one is kept: their URLs lead
    to this one."""
    version = share_card_version(card)
    found = ShareImage.objects.filter(kind=card.kind, key=card.key, version=version).first()
    if found is not None and found.made_at and default_storage.exists(found.name):
        return found
    with transaction.atomic():
        if found is None:
            try:
                with transaction.atomic():
                    row = ShareImage.objects.create(
                        kind=card.kind,
                        key=card.key,
                        version=version,
                        name=_file_name(card, version),
                    )
            except IntegrityError:
                # Another request was drawing it and has committed: its file is there.
                return ShareImage.objects.get(kind=card.kind, key=card.key, version=version)
        else:  # the row is there but its file went (media emptied): draw it again, once
            row = ShareImage.objects.select_for_update().get(pk=found.pk)
            if row.made_at and default_storage.exists(row.name):
                return row
        png = share_image_draw(card, campaign=campaign_settings_get())
        if default_storage.exists(row.name):
            default_storage.delete(row.name)
        row.name = default_storage.save(row.name, ContentFile(png))
        row.bytes = len(png)
        row.made_at = timezone.now()
        row.save(update_fields=["name", "bytes", "made_at"])
        older = ShareImage.objects.filter(kind=card.kind, key=card.key).exclude(pk=row.pk)
        names = list(older.values_list("name", flat=True))
        older.delete()
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    logger.info("Share image %s drawn (%d bytes)", row.name, row.bytes)
    return row


def share_links_for(*, url: str, text: str, subject: str) -> list[tuple[str, str]]:
    """Plain links to share `url` (no script of theirs is ever loaded: each is a link to the
    site's own share page, opened only if the visitor follows it)."""
    both = f"{text} {url}"
    return [
        ("WhatsApp", f"https://wa.me/?{urlencode({'text': both})}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?{urlencode({'u': url})}"),
        ("X", f"https://x.com/intent/post?{urlencode({'text': text, 'url': url})}"),
        ("Bluesky", f"https://bsky.app/intent/compose?{urlencode({'text': both})}"),
        (
            "Email",
            "mailto:?"
            + urlencode({"subject": subject, "body": f"{text}\n\n{url}"}, quote_via=quote),
        ),
    ]
