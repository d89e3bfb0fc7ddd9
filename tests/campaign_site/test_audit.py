import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from campaign_site.core.audit import audit_record
from campaign_site.core.models import AuditEvent
from tests.support.admin import sign_in_with_two_factor

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_the_actor_name_even_after_the_account_goes(admin_user):
    audit_record(actor=admin_user, action=AuditEvent.Action.EXPORT, what="Supporters CSV", rows=12)
    admin_user.delete()

    event = AuditEvent.objects.get()
    assert event.actor is None
    assert event.actor_name == "admin"
    assert (event.action, event.rows) == ("export", 12)


def test_the_system_is_named_when_no_one_is_the_actor():
    event = audit_record(actor=None, action=AuditEvent.Action.RETENTION, what="Volunteers", rows=3)

    assert event.actor_name == "system"


def test_superusers_read_the_audit_log_and_nobody_can_change_it(admin_client, admin_user):
    event = audit_record(actor=admin_user, action="export", what="Supporters CSV", rows=1)

    assert admin_client.get(reverse("admin:campaign_site_auditevent_changelist")).status_code == 200
    change = admin_client.get(reverse("admin:campaign_site_auditevent_change", args=[event.pk]))
    assert 'name="_save"' not in change.content.decode()
    delete = reverse("admin:campaign_site_auditevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == 1


def test_staff_who_are_not_superusers_cannot_see_the_audit_log(client):
    staff = get_user_model().objects.create_user(username="dm", password="x", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="auditevent"))
    sign_in_with_two_factor(client, staff)

    response = client.get(reverse("admin:campaign_site_auditevent_changelist"))

    assert response.status_code == 403
