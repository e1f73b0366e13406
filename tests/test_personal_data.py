"""A data-protection request end to end: a reviewer exports everything stored about a
person, then erases it; the deals, their numbers and history still read correctly."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from portal import comments, personal_data
from portal.models import ActionLogEntry, CustomerContact, Deal, DealContact, User
from tests import factories

pytestmark = pytest.mark.django_db
S = Deal.Status


def act(client, changelist: str, action: str, rows, **extra):
    return client.post(
        reverse(changelist),
        {"action": action, "_selected_action": [r.pk for r in rows], **extra},
        follow=not extra.get("no_follow"),
    )


def test_a_customer_contact_is_exported_then_erased_and_the_deal_still_reads(
    client, reviewer, partner_user, make_deal
):
    contact = factories.CustomerContactFactory(
        first_name="Ewa", last_name="Prywatna", email="ewa.prywatna@klient.example", phone="+48 1"
    )
    deal = make_deal(S.APPROVED, customer=contact.customer, customer_contact=contact)
    client.force_login(reviewer)
    exported = act(
        client, "admin:portal_customercontact_changelist", "export_personal_data", [contact]
    )
    assert exported.status_code == 200
    assert exported["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    [data] = json.loads(exported.content)
    assert data["email"] == "ewa.prywatna@klient.example"
    assert data["deals"][0]["deal_reg_number"] == deal.deal_reg_number

    confirm = act(
        client, "admin:portal_customercontact_changelist", "erase_personal_data", [contact]
    )
    assert "Tick the box" not in confirm.content.decode() and "Erase" in confirm.content.decode()
    refused = act(
        client,
        "admin:portal_customercontact_changelist",
        "erase_personal_data",
        [contact],
        apply="1",
    )
    assert "Tick the box to confirm the erasure." in refused.content.decode()
    assert CustomerContact.objects.get(pk=contact.pk).email == "ewa.prywatna@klient.example"
    act(
        client,
        "admin:portal_customercontact_changelist",
        "erase_personal_data",
        [contact],
        apply="1",
        confirm="on",
    )
    contact.refresh_from_db()
    assert "Prywatna" not in str(vars(contact)) and "ewa.prywatna" not in contact.email
    assert contact.phone == "" and contact.first_name == "Erased"

    # The deal page reads as before, naming an erased person.
    client.force_login(partner_user)
    page = client.get(reverse("portal:deal_detail", args=[deal.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert deal.deal_reg_number in html and deal.customer.name in html
    assert "Erased #" in html and "Prywatna" not in html
    assert Deal.objects.get(pk=deal.pk).status == S.APPROVED
    actions = set(ActionLogEntry.objects.values_list("action", flat=True))
    assert {"personal_data.exported", "personal_data.erased"} <= actions


def test_a_user_is_erased_and_their_deals_and_comments_stay(reviewer, partner_user, make_deal):
    deal = make_deal(S.SUBMITTED)
    comments.add_comment(deal=deal, author=partner_user, body="Please hurry.")
    DealContact.objects.filter(deal=deal).update(user=partner_user, email=partner_user.email)
    data = personal_data.export(partner_user)
    assert data["username"] == "partner_a" and data["deals_registered"][0]["deal"] == deal.pk
    assert data["comments"][0]["body"] == "Please hurry."
    personal_data.erase(partner_user, by=reviewer)
    user = User.objects.get(pk=partner_user.pk)
    assert not user.is_active and not user.has_usable_password()
    assert user.email == "" and user.username == f"erased-user-{user.pk}"
    assert Deal.objects.get(pk=deal.pk).registered_by_id == user.pk
    assert deal.comments.get().body == "Please hurry."
    assert not DealContact.objects.filter(deal=deal, email__icontains="partner_a").exists()


def test_a_partner_contact_on_a_deal_is_exported_and_erased(client, reviewer, make_deal):
    deal = make_deal(S.SUBMITTED)
    contact = deal.contacts.first()
    client.force_login(reviewer)
    exported = act(client, "admin:portal_dealcontact_changelist", "export_personal_data", [contact])
    assert json.loads(exported.content)[0]["deal"]["deal"] == deal.pk
    act(
        client,
        "admin:portal_dealcontact_changelist",
        "erase_personal_data",
        [contact],
        apply="1",
        confirm="on",
    )
    assert DealContact.objects.get(pk=contact.pk).name.startswith("Erased")


def test_only_reviewers_handle_personal_data(client, staff_without_permission, partner_user):
    contact = factories.CustomerContactFactory()
    staff_without_permission.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_customercontact", "change_customercontact"])
    )
    client.force_login(staff_without_permission)
    page = client.get(reverse("admin:portal_customercontact_changelist"))
    assert page.status_code == 200 and "export_personal_data" not in page.content.decode()
    response = act(
        client, "admin:portal_customercontact_changelist", "export_personal_data", [contact]
    )
    assert "attachment" not in response.get("Content-Disposition", "")
    assert client.get(reverse("admin:portal_dealcontact_changelist")).status_code == 403
