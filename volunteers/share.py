"""How /join/ looks when shared."""

from django.urls import reverse

from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.share import ShareCard


def join_share_card(key: str = "") -> ShareCard | None:
    if key:
        return None
    campaign = campaign_settings_get()
    return ShareCard(
        kind="join",
        title=f"Join {campaign.candidate_name}'s campaign in {campaign.constituency}",
        description=f"Get news from the campaign, and hear when canvassing and phonebank "
        f"sessions are posted. {campaign.tagline}",
        path=reverse("volunteers:join"),
        eyebrow=f"{campaign.candidate_name} for {campaign.constituency}",
        headline=f"Join {campaign.candidate_name}'s campaign",
        lines=("Get the news, knock on doors, make calls.", "Your email is all it takes."),
        alt=f"Join {campaign.candidate_name}'s campaign in {campaign.constituency}: get the "
        "news, knock on doors, make calls. Your email is all it takes.",
        invite=f"Join {campaign.candidate_name}'s campaign in {campaign.constituency}:",
        done=f"I've joined {campaign.candidate_name}'s campaign in {campaign.constituency}. "
        "Join too: your email is all it takes.",
    )
