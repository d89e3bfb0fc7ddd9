import uuid

from django.core.cache import cache
from django.db import transaction
from PIL import Image

from campaign_site.core.images import (
    logo_store,
    photo_store,
    picture_files,
    stored_pictures_delete,
)
from campaign_site.core.models import CampaignSettings, OutboundEmail
from campaign_site.core.outbox import outbox_enqueue
from campaign_site.core.pagecache import public_pages_invalidate
from campaign_site.core.selectors import CAMPAIGN_SETTINGS_CACHE_KEY


@transaction.atomic
def campaign_settings_update(
    *,
    campaign: CampaignSettings,
    photo: Image.Image | None = None,
    photo_remove: bool = False,
    logo: Image.Image | None = None,
    logo_remove: bool = False,
) -> CampaignSettings:
    """Save the edited settings and drop the cached copy every page reads.

    A new photo or logo (already checked by `images.picture_check`) is stored in the sizes
    pages use; the files of the one it replaces (or of a removed one) are deleted once the
    change has committed."""
    before = CampaignSettings.objects.filter(pk=campaign.pk).values("photo", "logo").first()
    before = before or {"photo": {}, "logo": {}}
    if photo is not None:
        campaign.photo = {"new": True}  # checked first, stored once the rest is valid
    elif photo_remove:
        campaign.photo, campaign.photo_alt = {}, ""
    if logo is not None:
        campaign.logo = {"new": True}
    elif logo_remove:
        campaign.logo, campaign.logo_alt = {}, ""
    campaign.full_clean()
    if photo is not None:
        campaign.photo = photo_store(photo)
    if logo is not None:
        campaign.logo = logo_store(logo)
    campaign.save()
    kept = set(picture_files(campaign.photo)) | set(picture_files(campaign.logo))
    unused = [
        name
        for which in ("photo", "logo")
        for name in picture_files(before[which] or {})
        if name not in kept
    ]
    if unused:
        transaction.on_commit(lambda: stored_pictures_delete(unused))
    cache.delete(CAMPAIGN_SETTINGS_CACHE_KEY)
    public_pages_invalidate(topics=("campaign",))
    return campaign


def mail_check_send(*, to: str, requested_by: str) -> OutboundEmail:
    """Queue a test email so an organiser can see that mail reaches an inbox."""
    return outbox_enqueue(
        key=f"mail-check:{uuid.uuid4().hex}",
        to=to,
        template="campaign_site/email/mail_check",
        context={"requested_by": requested_by},
        person=None,
        about=None,
    )
