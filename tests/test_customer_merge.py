"""Merging duplicate customers: deals and contacts move to the one that stays, nothing is lost,
the tax ID rule holds and the action log records the merge."""

import pytest
from django.urls import reverse

from portal.models import ActionLogEntry, Customer, CustomerContact, Deal
from tests import factories

pytestmark = pytest.mark.django_db
S = Deal.Status


def test_a_reviewer_merges_a_duplicate_customer(
    client, reviewer, partner_user, other_partner_user, make_deal
):
    keep = factories.CustomerFactory(name="Teatr Nowy", tax_id="PL5260001246")
    dupe = factories.CustomerFactory(name="Teatr Nowy Sp. z o.o.", tax_id="5260001247")
    same = factories.CustomerContactFactory(customer=keep, email="ewa@teatr.pl")
    twin = factories.CustomerContactFactory(customer=dupe, email="EWA@teatr.pl")
    other = factories.CustomerContactFactory(customer=dupe, email="jan@teatr.pl")
    kept_deal = make_deal(S.APPROVED, customer=keep, customer_contact=same)
    moved = make_deal(S.SUBMITTED, customer=dupe, customer_contact=twin)
    moved_other = factories.DealFactory(
        partner=other_partner_user.partner,
        registered_by=other_partner_user,
        customer=dupe,
        customer_contact=other,
    )
    client.force_login(reviewer)
    changelist = reverse("admin:portal_customer_changelist")
    chosen = {"action": "merge_customers", "_selected_action": [keep.pk, dupe.pk]}
    page = client.post(changelist, chosen)
    assert page.status_code == 200 and "The customer that stays" in page.content.decode()
    client.post(changelist, {**chosen, "apply": "1", "survivor": keep.pk}, follow=True)

    assert not Customer.objects.filter(pk=dupe.pk).exists()
    assert set(Deal.objects.filter(customer=keep)) == {kept_deal, moved, moved_other}
    assert Deal.objects.get(pk=moved.pk).customer_contact == same  # one person, one contact
    assert CustomerContact.objects.get(pk=other.pk).customer == keep
    assert not CustomerContact.objects.filter(pk=twin.pk).exists()
    assert Customer.objects.get(pk=keep.pk).tax_id == "PL5260001246"
    entry = ActionLogEntry.objects.get(action="customer.merged")
    assert entry.data["duplicate"] == dupe.pk and entry.data["deals"] == 2
    client.force_login(partner_user)
    assert client.get(reverse("portal:deal_detail", args=[moved.pk])).status_code == 200


def test_merging_needs_exactly_two_customers(client, reviewer):
    three = factories.CustomerFactory.create_batch(3)
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:portal_customer_changelist"),
        {"action": "merge_customers", "_selected_action": [c.pk for c in three]},
        follow=True,
    )
    assert "Select exactly two customers to merge." in response.content.decode()
    assert Customer.objects.count() == 3
