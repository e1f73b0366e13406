"""A distributor finds an approved deal in the Opportunity Manager with a real browser."""

import re

import pytest

from portal.models import Deal
from tests import factories
from tests.browser import login, screenshot


def named_customer(name: str) -> dict:
    company = factories.CustomerFactory(name=name)
    return {
        "customer": company,
        "customer_contact": factories.CustomerContactFactory(customer=company),
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_distributor_filters_by_status_and_opens_an_approved_deal(
    page, live_server, distributor_user, make_deal, make_other_deal
):
    approved = make_deal(Deal.Status.APPROVED, **named_customer("Szpital Wojewódzki w Łodzi"))
    make_deal(Deal.Status.SUBMITTED, **named_customer("Urząd Miasta Gniezno"))
    make_other_deal(Deal.Status.APPROVED, **named_customer("Poufny Klient Y"))

    login(page, live_server, "distributor_x")
    page.get_by_role("button", name="Sales Zone").click()
    page.get_by_role("link", name="Opportunity Manager", exact=True).click()
    page.wait_for_url(re.compile(r"/sales-zone/opportunity-manager/$"))
    table = page.get_by_test_id("deals")
    assert table.get_by_text("Urząd Miasta Gniezno").is_visible()
    assert page.get_by_text("Poufny Klient Y").count() == 0

    # Ticking "Approved" applies the filter; the filter lands in the URL.
    page.get_by_test_id("status-filter").get_by_text("Approved").click()
    page.wait_for_url(re.compile(r"status=approved"))
    assert page.get_by_test_id("count-approved").inner_text() == "1"
    assert table.get_by_text("Urząd Miasta Gniezno").count() == 0
    row = table.locator("tbody tr")
    assert row.count() == 1
    assert row.locator(".deal-reg-number").inner_text() == approved.deal_reg_number
    screenshot(page, "distributor-opportunity-manager-filtered")

    row.get_by_role("link", name="Szpital Wojewódzki w Łodzi").click()
    page.wait_for_url(re.compile(rf"/sales-zone/opportunity-manager/{approved.pk}/$"))
    assert page.get_by_test_id("deal-reg-number").inner_text() == approved.deal_reg_number
    # Read-only for the distributor.
    assert page.get_by_role("link", name="Withdraw").count() == 0
    assert page.get_by_role("link", name="Mark as Won").count() == 0
    screenshot(page, "distributor-deal-with-deal-reg-number")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_partner_withdraws_a_deal_after_confirming_in_a_dialog(
    page, live_server, partner_user, make_deal
):
    deal = make_deal(Deal.Status.SUBMITTED, **named_customer("Politechnika Śląska"))
    login(page, live_server, "partner_a")
    page.goto(f"{live_server.url}/sales-zone/opportunity-manager/{deal.pk}/")
    page.get_by_role("link", name="Withdraw").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Note (optional)").fill("The customer postponed the project.")
    screenshot(page, "partner-withdraw-confirmation")
    dialog.get_by_role("button", name="Withdraw").click()
    page.get_by_text("The registration was withdrawn.").wait_for()
    deal.refresh_from_db()
    assert deal.status == Deal.Status.WITHDRAWN
    assert page.get_by_text("The customer postponed the project.").is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_search_shows_the_rows_and_then_its_counts(
    page, live_server, distributor_user, make_deal, make_other_deal
):
    make_deal(Deal.Status.APPROVED, **named_customer("Szpital Wojewódzki w Łodzi"))
    make_deal(Deal.Status.SUBMITTED, **named_customer("Szpital Miejski w Gnieźnie"))
    make_deal(Deal.Status.SUBMITTED, **named_customer("Urząd Miasta Gniezno"))
    make_other_deal(Deal.Status.APPROVED, **named_customer("Szpital Poufny Y"))

    login(page, live_server, "distributor_x")
    page.goto(f"{live_server.url}/sales-zone/opportunity-manager/")
    page.get_by_label("Search").fill("szpital")
    page.get_by_label("Search").press("Enter")
    page.wait_for_url(re.compile(r"q=szpital"))
    assert page.get_by_test_id("deals").locator("tbody tr").count() == 2
    # The counts arrive in a second request (htmx) and replace the chips.
    assert page.get_by_test_id("count-approved").inner_text() == "1"
    assert page.get_by_test_id("count-submitted").inner_text() == "1"
    assert page.get_by_test_id("result-count").inner_text() == "2 deals"
    # Ticking a status still filters, after the swap.
    page.get_by_test_id("status-filter").get_by_text("Approved").click()
    page.wait_for_url(re.compile(r"status=approved"))
    assert page.get_by_test_id("deals").locator("tbody tr").count() == 1
    assert page.get_by_test_id("count-approved").inner_text() == "1"
    screenshot(page, "distributor-opportunity-manager-search-counts")
