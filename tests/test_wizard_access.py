"""Who may use Sales → Register a Deal: partner staff only."""

import pytest
from django.urls import reverse

from tests.wizard_steps import step_url

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("portal:register_deal"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_partner_staff_see_the_menu_entry_and_reach_step_one(client, partner_user):
    client.force_login(partner_user)
    home = client.get(reverse("portal:home")).content.decode()
    assert "Register a Deal" in home and ">Sales<" in home
    response = client.get(reverse("portal:register_deal"), follow=True)
    assert response.redirect_chain[-1][0] == step_url("opportunity")
    assert "Step 1 of 6" in response.content.decode()


@pytest.mark.parametrize(
    "actor", ["distributor_user", "reviewer", "staff_without_permission", "superuser"]
)
def test_everyone_but_partner_staff_gets_a_clear_page_instead(client, request, actor):
    client.force_login(request.getfixturevalue(actor))
    assert "Register a Deal" not in client.get(reverse("portal:home")).content.decode()
    for url in [
        reverse("portal:register_deal"),
        step_url("customer"),
        reverse("portal:customer_search") + "?q=abc",
    ]:
        response = client.get(url)
        assert response.status_code == 403
        assert "Only partner staff register deals" in response.content.decode()
    response = client.post(step_url("opportunity"), {"has_opportunity": "no"})
    assert response.status_code == 403


def test_an_unknown_step_is_not_found(client, partner_user):
    client.force_login(partner_user)
    assert client.get(step_url("payment")).status_code == 404


def test_the_success_page_of_another_partners_deal_is_not_found(
    client, other_partner_user, make_deal
):
    deal = make_deal()
    client.force_login(other_partner_user)
    response = client.get(reverse("portal:register_deal_done", args=[deal.pk]))
    assert response.status_code == 404
