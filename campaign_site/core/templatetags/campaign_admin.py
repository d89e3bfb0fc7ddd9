from django import template
from django.conf import settings

from campaign_site.core.go_live import beat_stopped_problem, go_live_problems, setup_problems
from campaign_site.core.selectors import campaign_settings_get, outbox_health

register = template.Library()


@register.inclusion_tag("campaign_site/admin/_go_live.html", takes_context=True)
def go_live_checklist(context):
    """A scheduler that has stopped (every member of staff: their reminders are not going
    out), what still needs doing before going live and, for superusers (who alone read the
    outbox), the emails that are failing and why."""
    user = context["request"].user
    health = outbox_health() if user.is_superuser else None
    problems = setup_problems()
    if user.has_perm("campaign_site.change_campaignsettings"):
        problems += go_live_problems(campaign_settings_get())
    return {
        "beat_stopped": beat_stopped_problem(),
        "problems": problems,
        "outbox": health,
        "give_up_hours": f"{settings.OUTBOX_GIVE_UP_AFTER_HOURS:g}",
    }
