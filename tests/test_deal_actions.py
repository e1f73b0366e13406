"""Withdraw, Won and Lost: confirmed first, done by the workflow, only by the deal's partner."""

import pytest
from django.urls import reverse

from portal.models import Deal, DealHistory
from tests import factories

pytestmark = pytest.mark.django_db


def action_url(name: str, deal: Deal) -> str:
    return reverse(f"portal:deal_{name}", args=[deal.pk])


def status_of(deal: Deal) -> str:
    return Deal.objects.values_list("status", flat=True).get(pk=deal.pk)


@pytest.mark.parametrize(
    ("action", "from_status", "to_status", "message"),
    [
        ("withdraw", Deal.Status.SUBMITTED, Deal.Status.WITHDRAWN, "was withdrawn"),
        ("mark_won", Deal.Status.APPROVED, Deal.Status.WON, "marked as won"),
        ("mark_lost", Deal.Status.APPROVED, Deal.Status.LOST, "marked as lost"),
    ],
)
def test_the_deals_partner_confirms_and_the_status_changes(
    client, partner_user, make_deal, action, from_status, to_status, message
):
    deal = make_deal(from_status)
    client.force_login(partner_user)

    confirmation = client.get(action_url(action, deal))
    assert confirmation.status_code == 200
    assert 'method="post"' in confirmation.content.decode()
    assert status_of(deal) == from_status  # asking changes nothing

    response = client.post(action_url(action, deal), {"note": "Customer chose another route."})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:deal_detail", args=[deal.pk])
    assert status_of(deal) == to_status
    entry = DealHistory.objects.filter(deal=deal).latest("pk")
    assert (entry.from_status, entry.to_status) == (from_status, to_status)
    assert entry.by == partner_user and entry.note == "Customer chose another route."
    page = client.get(response["Location"]).content.decode()
    assert message in page


def test_another_user_of_the_same_partner_may_act_too(client, make_deal, partner_user):
    colleague = factories.PartnerUserFactory(partner=partner_user.partner)
    deal = make_deal(Deal.Status.APPROVED)
    client.force_login(colleague)
    client.post(action_url("mark_won", deal))
    assert status_of(deal) == Deal.Status.WON


def test_an_action_the_status_does_not_allow_changes_nothing_and_says_why(
    client, partner_user, make_deal
):
    deal = make_deal(Deal.Status.APPROVED)
    client.force_login(partner_user)
    for method in (client.get, client.post):
        response = method(action_url("withdraw", deal), follow=True)
        assert response.status_code == 200
        assert "can no longer be changed that way" in response.content.decode()
    assert status_of(deal) == Deal.Status.APPROVED
    assert not DealHistory.objects.filter(deal=deal, to_status=Deal.Status.WITHDRAWN).exists()


def test_a_double_click_changes_the_status_once(client, partner_user, make_deal):
    deal = make_deal(Deal.Status.APPROVED)
    client.force_login(partner_user)
    client.post(action_url("mark_lost", deal))
    second = client.post(action_url("mark_won", deal), follow=True)
    assert status_of(deal) == Deal.Status.LOST
    assert "can no longer be changed" in second.content.decode()
    assert DealHistory.objects.filter(deal=deal, from_status=Deal.Status.APPROVED).count() == 1


def test_a_note_that_is_too_long_is_refused_next_to_the_field(client, partner_user, make_deal):
    deal = make_deal(Deal.Status.SUBMITTED)
    client.force_login(partner_user)
    response = client.post(action_url("withdraw", deal), {"note": "x" * 2001})
    assert response.status_code == 200
    assert "at most 2000 characters" in response.content.decode()
    assert status_of(deal) == Deal.Status.SUBMITTED


@pytest.mark.parametrize("actor", ["distributor_user", "reviewer", "superuser"])
def test_users_who_may_only_read_the_deal_are_forbidden_to_act(client, request, make_deal, actor):
    deal = make_deal(Deal.Status.APPROVED)
    client.force_login(request.getfixturevalue(actor))
    assert client.get(action_url("mark_won", deal)).status_code == 403
    assert client.post(action_url("mark_won", deal)).status_code == 403
    assert status_of(deal) == Deal.Status.APPROVED


@pytest.mark.parametrize("actor", ["other_partner_user", "other_distributor_user"])
def test_a_foreign_user_gets_not_found_and_the_deal_stays(client, request, make_deal, actor):
    deal = make_deal(Deal.Status.SUBMITTED)
    client.force_login(request.getfixturevalue(actor))
    assert client.post(action_url("withdraw", deal)).status_code == 404
    assert status_of(deal) == Deal.Status.SUBMITTED


def test_other_methods_are_not_allowed(client, partner_user, make_deal):
    deal = make_deal(Deal.Status.SUBMITTED)
    client.force_login(partner_user)
    assert client.put(action_url("withdraw", deal)).status_code == 405
    assert client.delete(action_url("withdraw", deal)).status_code == 405
    assert status_of(deal) == Deal.Status.SUBMITTED


def test_the_deal_page_offers_a_modal_that_posts_to_the_action(client, partner_user, make_deal):
    deal = make_deal(Deal.Status.SUBMITTED)
    client.force_login(partner_user)
    html = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert 'data-confirm-modal="#confirm-withdraw"' in html
    assert f'<form method="post" action="{action_url("withdraw", deal)}">' in html
    assert "js/deal-actions.js" in html
    assert "onclick" not in html and "<script>" not in html
