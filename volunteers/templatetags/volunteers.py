from django import template

from volunteers.consent import FOOTER_STATEMENT, JOIN_STATEMENT
from volunteers.forms import FooterSignupForm, JoinForm

register = template.Library()


@register.inclusion_tag("volunteers/includes/_footer_signup.html", takes_context=True)
def footer_signup(context):
    """The compact sign-up at the foot of every page: the same for every visitor (no
    token, no personal data), so pages that carry it can still be cached."""
    request = context.get("request")
    return {
        "form": FooterSignupForm(),
        "statement": FOOTER_STATEMENT,
        "page": request.path if request else "/",
    }


@register.inclusion_tag("volunteers/includes/_home_signup.html")
def home_signup():
    """The sign-up on the home page: email and the three interests, all unticked."""
    return {"form": JoinForm(prefix="home"), "statement": JOIN_STATEMENT}
