"""Every decision that is not a status change is in the action log, and every admin action
declares its permission."""

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from portal import access, extensions, workflow
from portal.dealregcheck import create_api_token
from portal.models import ActionLogEntry, Deal, DistributorApiToken
from tests import factories

pytestmark = pytest.mark.django_db
S = Deal.Status


def entries(action: str) -> list[ActionLogEntry]:
    return list(ActionLogEntry.objects.filter(action=action).select_related("actor"))


def test_every_admin_action_declares_its_permission():
    ours = [m for m in django_admin.site._registry.values() if m.opts.app_label == "portal"]
    assert len(ours) > 10
    for model_admin in ours:
        for action in model_admin.actions or []:
            function = getattr(model_admin, action) if isinstance(action, str) else action
            assert getattr(function, "allowed_permissions", None), (model_admin, action)


def test_view_only_staff_cannot_revoke_tokens(client, distributor_user):
    row, token = create_api_token(distributor=distributor_user.distributor, name="ERP")
    viewer = factories.UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_distributorapitoken"))
    client.force_login(viewer)
    changelist = reverse("admin:portal_distributorapitoken_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and "ERP" in page.content.decode()
    assert "revoke_selected" not in page.content.decode()
    client.post(changelist, {"action": "revoke_selected", "_selected_action": [row.pk]})
    assert DistributorApiToken.objects.get(pk=row.pk).revoked_at is None
    assert entries("api_token.revoked") == []


def test_creating_and_revoking_a_token_is_logged_with_who(client, reviewer, distributor_user):
    client.force_login(reviewer)
    client.post(
        reverse("admin:portal_distributorapitoken_add"),
        {"distributor": distributor_user.distributor.pk, "name": "ERP"},
    )
    row = DistributorApiToken.objects.get()
    client.post(
        reverse("admin:portal_distributorapitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [row.pk]},
    )
    assert [e.actor for e in entries("api_token.created")] == [reviewer]
    [revoked] = entries("api_token.revoked")
    assert revoked.actor == reviewer and revoked.target == row
    log = client.get(reverse("admin:portal_actionlogentry_changelist"))
    assert log.status_code == 200 and "api_token.revoked" in log.content.decode()


def test_extension_decisions_are_logged(make_deal, partner_user, reviewer):
    deal = make_deal(S.APPROVED)
    request = extensions.request_extension(deal=deal, by=partner_user, reason="Tender moved.")
    extensions.approve_extension(request=request, by=reviewer)
    [entry] = entries("extension_request.approved")
    assert entry.actor == reviewer
    assert entry.data["validity_end"] == Deal.objects.get(pk=deal.pk).validity_end.isoformat()


def test_reject_as_duplicate_records_which_deal_it_duplicates(
    client, make_deal, reviewer, other_partner_user
):
    product = factories.ProductFactory()
    customer = factories.CustomerFactory()
    theirs = factories.DealFactory(
        partner=other_partner_user.partner,
        registered_by=other_partner_user,
        customer=customer,
        lines=[product],
    )
    workflow.submit(deal=theirs, by=other_partner_user)
    mine = make_deal(S.SUBMITTED, customer=customer, lines=[product])
    client.force_login(reviewer)
    client.post(reverse("admin:portal_deal_reject_duplicate", args=[mine.pk]))
    assert Deal.objects.get(pk=mine.pk).status == S.REJECTED
    [entry] = entries("deal.rejected_as_duplicate")
    assert entry.data == {"duplicate_of": theirs.pk} and entry.actor == reviewer


def test_the_action_log_is_for_reviewers_only(client, staff_without_permission, reviewer):
    url = reverse("admin:portal_actionlogentry_changelist")
    client.force_login(staff_without_permission)
    assert client.get(url).status_code == 403
    client.force_login(reviewer)
    assert access.is_reviewer(reviewer)
    assert client.get(url).status_code == 200


def test_bulk_extend_without_a_date_uses_the_one_default_rule(client, make_deal, reviewer):
    deal = make_deal(S.APPROVED)
    expected = workflow.default_extension_end(deal)
    client.force_login(reviewer)
    client.post(
        reverse("admin:portal_deal_changelist") + "?status=all",
        {"action": "extend_selected", "_selected_action": [deal.pk], "apply": "1"},
    )
    assert Deal.objects.get(pk=deal.pk).validity_end == expected
