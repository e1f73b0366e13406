"""The home page after login, and the login itself in a real browser."""

import pytest
from django.urls import reverse

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
