from django import template
from django.utils.safestring import SafeString, mark_safe

from campaign_site.core.panels import panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, slot: str) -> SafeString:
    """Render every panel the apps registered for `slot`, in order, in this page's context
    (so per-visitor values such as the CSRF token work as in the page itself)."""
    request = context.get("request")
    parts = []
    for panel in panels_for(slot):
        if panel.visible is not None and not panel.visible(request):
            continue
        extra = panel.context(request) if panel.context is not None else {}
        with context.push(**extra):
            parts.append(context.template.engine.get_template(panel.template).render(context))
    return mark_safe("".join(parts))  # noqa: S308 - each part is a rendered, autoescaped template
