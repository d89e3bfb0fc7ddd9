from django import template

from campaign_site.core.go_live import go_live_problems
from campaign_site.core.selectors import campaign_settings_get

register = template.Library()


@register.inclusion_tag("campaign_site/admin/_go_live.html", takes_context=True)
def go_live_checklist(context):
    user = context["request"].user
    if not user.has_perm("campaign_site.change_campaignsettings"):
        return {"problems": []}
    return {"problems": go_live_problems(campaign_settings_get())}
