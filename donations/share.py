"""How /donate/ looks when shared: the cause and the money raised so far (the same net
figure the page shows), so each new gift gives the image a new version."""

from django.urls import reverse

from campaign_site.core.money import pence_to_text
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.share import ShareCard
from donations.selectors import progress_get


def donate_share_card(key: str = "") -> ShareCard | None:
    if key:
        return None
    campaign = campaign_settings_get()
    progress = progress_get()
    raised = (
        f"{pence_to_text(progress.raised_pence)} raised of {pence_to_text(progress.target_pence)}"
    )
    donors = f"from {progress.donors} donor{'' if progress.donors == 1 else 's'}"
    return ShareCard(
        kind="donate",
        title=f"Donate to {campaign.candidate_name}'s campaign in {campaign.constituency}",
        description=f"{raised} so far. {campaign.donate_copy}",
        path=reverse("donations:donate"),
        eyebrow=f"Donate · {campaign.candidate_name} for {campaign.constituency}",
        headline=f"Fund {campaign.candidate_name}'s campaign",
        lines=(raised, f"{progress.percent}% of the target, {donors}"),
        progress_percent=progress.percent,
        alt=f"Donate to {campaign.candidate_name}'s campaign in {campaign.constituency}: "
        f"{raised} ({progress.percent}% of the target) {donors}.",
        invite=f"Help fund {campaign.candidate_name}'s campaign in {campaign.constituency}: "
        f"{raised} so far.",
        done=f"I've just given to {campaign.candidate_name}'s campaign in "
        f"{campaign.constituency}. Every pound counts: can you chip in too?",
    )
