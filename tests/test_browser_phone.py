"""The portal on a phone (issue 14): at 375 × 812 the Opportunity Manager is a list of
cards whose status and number are seen without scrolling sideways, its filters fold
behind a button, and the deal page and the wizard fit the screen."""

import pytest
from django.urls import reverse

from portal.models import Deal
from tests.browser import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_the_opportunity_manager_is_a_list_of_cards_on_a_phone(phone, live_server, demo):  # noqa: F811
    from playwright.sync_api import expect

    login(phone, live_server, "partner", "demo")
    phone.goto(f"{live_server.url}{reverse('portal:opportunity_manager')}")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    filters = phone.get_by_test_id("filters")
    expect(filters).to_be_hidden()
    phone.get_by_test_id("filters-toggle").click()
    expect(filters).to_be_visible()
    phone.wait_for_timeout(400)  # Bootstrap's collapse animation
    phone.get_by_test_id("filters-toggle").click()
    expect(filters).to_be_hidden()

    approved = Deal.objects.filter(status=Deal.Status.APPROVED, partner__users__username="partner")
    row = phone.locator(f'tr[data-deal="{approved.order_by("-submitted_at").first().pk}"]')
    number, status = row.locator(".deal-reg-number"), row.get_by_test_id("row-status")
    for cell in (number, status, row.get_by_test_id("deal-name")):
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    # Each line of the card is named (a CSS label, as the table's header is hidden).
    label = row.locator('td[data-label="Expected close"]').evaluate(
        "e => getComputedStyle(e, '::before').content"
    )
    assert label == '"Expected close: "', label
    screenshot(phone, "phone-opportunity-manager")

    number.click()
    expect(phone.get_by_test_id("deal-name")).to_be_visible()
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(phone, "phone-deal-page")

    phone.goto(f"{live_server.url}{reverse('portal:register_deal')}?restart=1")
    expect(phone.get_by_text("Step 1 of 6")).to_be_visible()
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
