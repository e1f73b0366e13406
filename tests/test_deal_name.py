"""A deal has a project name and a value (issue 14, item 2): asked for in the wizard, and
shown wherever the deal is: the Opportunity Manager, the deal page and its title, the
e-mails, the reviewers' admin list, the export and the number check."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from portal import workflow
from portal.models import Deal
from tests.wizard_steps import answer_until, answers, register, step_url

pytestmark = pytest.mark.django_db

NAME = "Head office firewall refresh"


def test_the_wizard_asks_for_the_name_and_keeps_the_rest_when_it_is_missing(
    client, partner, catalogue
):
    answer_until(client, catalogue, "details")
    data = answers(catalogue)["details"] | {"name": "   "}
    response = client.post(step_url("details"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Give the project a short name."]
    html = response.content.decode()
    assert data["next_steps"] in html and 'value="150000"' in html
    assert not Deal.objects.exists()


def test_the_name_and_value_are_registered_and_shown_on_the_review_step(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    review = client.get(step_url("review")).content.decode()
    assert NAME in review and "150,000.00 PLN" in review
    register(client, catalogue)
    deal = Deal.objects.get()
    assert (deal.name, deal.estimated_value, deal.currency) == (NAME, Decimal(150000), "PLN")


def test_a_name_longer_than_120_characters_is_refused(client, partner, catalogue):
    answer_until(client, catalogue, "details")
    response = client.post(step_url("details"), answers(catalogue)["details"] | {"name": "x" * 121})
    assert response.status_code == 200 and response.context["form"].errors["name"]


@pytest.fixture
def deal(make_deal):
    return make_deal(
        Deal.Status.APPROVED, name=NAME, estimated_value=Decimal("420000"), currency="EUR"
    )


def test_the_deal_page_is_titled_by_the_name_never_by_its_id(client, partner_user, deal):
    client.force_login(partner_user)
    html = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert NAME in title and deal.customer.name in title
    assert f'data-testid="deal-name">{NAME}</h1>' in html
    assert "420,000.00 EUR" in html
    assert f"Deal #{deal.pk}" not in html


@pytest.mark.parametrize("who", ["partner_user", "distributor_user", "reviewer"])
def test_the_opportunity_manager_shows_name_and_value(request, client, deal, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("portal:opportunity_manager"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-testid="deal-name">{NAME}</a>' in html and "420,000.00 EUR" in html


def test_the_polish_pages_write_the_value_the_polish_way(client, partner_user, deal):
    partner_user.language = "pl"
    partner_user.save()
    client.force_login(partner_user)
    html = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert "420\xa0000,00 EUR" in html or "420 000,00 EUR" in html


def test_the_reviewers_list_and_e_mails_carry_the_name(
    client, reviewer, make_deal, mailoutbox, django_capture_on_commit_callbacks
):
    draft = make_deal(Deal.Status.DRAFT, name=NAME)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(deal=draft, by=draft.registered_by)
    mail = next(m for m in mailoutbox if m.to == [reviewer.email])
    assert NAME in mail.subject and draft.customer.name in mail.subject
    assert f"Project name: {NAME}" in mail.body
    client.force_login(reviewer)
    response = client.get(reverse("admin:portal_deal_changelist"))
    assert response.status_code == 200 and NAME in response.content.decode()


def test_the_export_carries_name_value_and_currency(client, partner_user, deal):
    client.force_login(partner_user)
    response = client.get(reverse("portal:deal_export"))
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert rows[0]["Project name"] == NAME
    assert (rows[0]["Estimated deal value"], rows[0]["Currency"]) == ("420000.00", "EUR")


def test_the_number_check_names_the_project(client, distributor_user, deal):
    client.force_login(distributor_user)
    response = client.get(reverse("portal:deal_reg_check"), {"number": deal.deal_reg_number})
    assert response.status_code == 200 and NAME in response.content.decode()


def test_a_deal_reads_as_its_number_and_name(deal, make_deal):
    assert str(deal) == f"{deal.deal_reg_number} · {NAME}"
    assert str(make_deal(Deal.Status.SUBMITTED, name="Wi-Fi")) == "Wi-Fi"
