"""Reviewers are protected from a wrong approval: a deal that conflicts with an earlier
registration by another partner is approved only after an explicit confirmation naming it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from portal import workflow
from portal.models import Deal
from tests import factories
from tests.factories import approve_form

pytestmark = pytest.mark.django_db
S = Deal.Status


@pytest.fixture
def pair(make_deal, other_partner_user):
    """Partner B registered first; partner A's deal for the same customer and product waits."""
    product = factories.ProductFactory()
    customer = factories.CustomerFactory()
    earlier = factories.DealFactory(
        partner=other_partner_user.partner,
        registered_by=other_partner_user,
        customer=customer,
        lines=[product],
    )
    workflow.submit(deal=earlier, by=other_partner_user)
    later = make_deal(S.SUBMITTED, customer=customer, lines=[product])
    return earlier, later


def approve(client, deal, **extra):
    data = approve_form(deal, "10", validity_end="2031-06-30", **extra)
    return client.post(reverse("admin:portal_deal_approve", args=[deal.pk]), data)


def test_approving_a_later_conflicting_deal_asks_for_a_confirmation_naming_the_earlier(
    client, reviewer, pair
):
    earlier, later = pair
    client.force_login(reviewer)
    page = client.get(reverse("admin:portal_deal_approve", args=[later.pk])).content.decode()
    assert 'name="confirm_conflicts"' in page
    refused = approve(client, later)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "conflicts with an earlier registration" in html and earlier.partner.name in html
    assert Deal.objects.get(pk=later.pk).status == S.SUBMITTED
    assert approve(client, later, confirm_conflicts="on").status_code == 302
    assert Deal.objects.get(pk=later.pk).status == S.APPROVED


def test_the_earlier_deal_needs_no_confirmation(client, reviewer, pair):
    earlier, _later = pair
    client.force_login(reviewer)
    page = client.get(reverse("admin:portal_deal_approve", args=[earlier.pk])).content.decode()
    assert 'name="confirm_conflicts"' not in page
    assert approve(client, earlier).status_code == 302


def test_bulk_approve_skips_and_lists_conflicted_deals_unless_confirmed(
    client, reviewer, pair, make_deal
):
    earlier, later = pair
    clean = make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    changelist = reverse("admin:portal_deal_changelist")
    selected = {"_selected_action": [later.pk, clean.pk]}
    response = client.post(changelist, {"action": "approve_selected", **selected}, follow=True)
    assert "conflicts with an earlier registration" in response.content.decode()
    assert Deal.objects.get(pk=clean.pk).status == S.APPROVED
    assert Deal.objects.get(pk=later.pk).status == S.SUBMITTED
    confirm = {"action": "approve_selected_confirmed", "_selected_action": [later.pk]}
    assert client.post(changelist, confirm).status_code == 200  # the confirmation page
    client.post(changelist, {**confirm, "apply": "1", "confirm": "on"})
    assert Deal.objects.get(pk=later.pk).status == S.APPROVED


def test_the_approve_form_warns_when_validity_ends_before_the_close_date(
    client, reviewer, make_deal
):
    far = timezone.localdate() + datetime.timedelta(days=800)
    deal = make_deal(S.SUBMITTED, expected_close_date=far)
    client.force_login(reviewer)
    page = client.get(reverse("admin:portal_deal_approve", args=[deal.pk])).content.decode()
    assert 'data-testid="validity-warning"' in page and date_format(far) in page
    assert "The partner sees this note" in page
    done = client.post(
        reverse("admin:portal_deal_approve", args=[deal.pk]),
        approve_form(deal, "10", validity_end=(far - datetime.timedelta(days=10)).isoformat()),
        follow=True,
    )
    assert "before the expected close date" in done.content.decode()
    assert Deal.objects.get(pk=deal.pk).status == S.APPROVED
