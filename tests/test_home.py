"""The home page after login, and the login itself in a real browser."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Deal
from tests.browser import login, screenshot

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_counts_only_the_users_own_deals(client, partner_user, other_partner_user, make_deal):
    make_deal(Deal.Status.SUBMITTED)
    make_deal(Deal.Status.APPROVED)
    client.force_login(other_partner_user)
    html = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="status-counts"' in html
    counts = client.get(reverse("portal:home")).context["by_status"]
    assert all(count == 0 for _, _, count in counts)
    client.force_login(partner_user)
    counts = {v: c for v, _, c in client.get(reverse("portal:home")).context["by_status"]}
    assert counts["submitted"] == 1 and counts["approved"] == 1


def test_wrong_password_keeps_the_user_out_with_a_message(client, partner_user):
    response = client.post(reverse("login"), {"username": "partner_a", "password": "wrong"})
    assert response.status_code == 200
    assert "do not match an active account" in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_partner_logs_in_with_a_browser(page, live_server, partner_user):
    login(page, live_server, "partner_a")
    assert page.get_by_test_id("current-user").inner_text().startswith("Anna")
    screenshot(page, "home-after-login")


# --- the home page fits the role ----------------------------------------------------------


def test_partner_home_counts_link_to_the_filtered_opportunity_manager(
    client, partner_user, make_deal
):
    make_deal(Deal.Status.APPROVED)
    client.force_login(partner_user)
    html = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("portal:opportunity_manager")}?status=approved"' in html
    assert 'data-testid="new-deals"' not in html
    assert f'href="{reverse("portal:register_deal")}"' in html


def test_distributor_home_lists_deals_newly_assigned_newest_first(
    client, distributor_user, make_deal, make_other_deal
):
    older = make_deal(Deal.Status.SUBMITTED)
    newer = make_deal(Deal.Status.APPROVED)
    long_ago = make_deal(Deal.Status.SUBMITTED)
    Deal.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    Deal.objects.filter(pk=long_ago.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    make_deal(Deal.Status.DRAFT)
    make_deal(Deal.Status.REJECTED)  # not live any more
    make_other_deal(Deal.Status.SUBMITTED)
    client.force_login(distributor_user)
    response = client.get(reverse("portal:home"))
    assert [d.pk for d in response.context["new_deals"]] == [newer.pk, older.pk]
    html = response.content.decode()
    assert 'data-testid="new-deals"' in html
    assert newer.deal_reg_number in html
    assert long_ago.customer.name not in html


def test_vendor_home_leads_to_the_review_queue(client, reviewer, make_deal):
    submitted = make_deal(Deal.Status.SUBMITTED)
    make_deal(Deal.Status.APPROVED)
    client.force_login(reviewer)
    html = client.get(reverse("portal:home")).content.decode()
    link = re.search(r'href="([^"]+)" data-testid="review-queue"', html).group(1)
    queue = client.get(link)
    assert queue.status_code == 200
    assert [d.pk for d in queue.context["cl"].result_list] == [submitted.pk]


def test_a_user_without_an_organisation_is_told_what_to_do(client, staff_without_permission):
    client.force_login(staff_without_permission)
    html = client.get(reverse("portal:home")).content.decode()
    assert "not linked to a partner or a distributor" in html


@pytest.mark.parametrize("actor", ["partner_user", "distributor_user", "reviewer"])
def test_home_runs_a_bounded_number_of_queries(
    client, request, make_deal, django_assert_max_num_queries, actor
):
    for status in [Deal.Status.SUBMITTED, Deal.Status.APPROVED] * 10:
        make_deal(status)
    client.force_login(request.getfixturevalue(actor))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert "Approved" in response.content.decode()
