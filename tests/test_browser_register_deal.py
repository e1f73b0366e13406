"""The demo partner registers a deal in a real browser, clicking and typing as a person would.

Screenshots of every step go to test-artifacts/register-deal-*.png.
"""

import datetime
import re

import pytest
from django.utils import timezone

from portal.models import Deal
from tests.browser import login, screenshot

TOO_MANY = "A registration covers at most 3 products. Register another deal for the rest."


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_demo_partner_registers_a_deal_in_the_browser(page, live_server, demo):
    from playwright.sync_api import expect

    login(page, live_server, "partner", "demo")

    # Sales → Register a Deal
    page.get_by_role("button", name="Sales", exact=True).click()
    page.locator("#main-nav").get_by_role("link", name="Register a Deal").click()
    expect(page.get_by_text("Step 1 of 6")).to_be_visible()
    screenshot(page, "register-deal-1-opportunity")

    # 1. Existing opportunity: No (the Opportunity ID is only asked for on Yes).
    expect(page.get_by_label("Opportunity ID")).to_be_hidden()
    page.get_by_label("Yes", exact=True).check()
    expect(page.get_by_label("Opportunity ID")).to_be_visible()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    # 2. Customer: search as you type, then choose.
    expect(page.get_by_text("Step 2 of 6")).to_be_visible()
    page.get_by_label("Search customers by name, tax ID or website").press_sequentially(
        "teatr", delay=60
    )
    results = page.get_by_test_id("customer-results")
    expect(results).to_contain_text("Teatr Nowy")
    screenshot(page, "register-deal-2-customer")
    page.get_by_role("button", name="Choose Teatr Nowy").click()

    # 3. Customer contact: add a new one.
    expect(page.get_by_text("Step 3 of 6")).to_be_visible()
    page.get_by_text("Add a new contact").click()
    page.get_by_label("First name").fill("Zofia")
    page.get_by_label("Last name").fill("Scenograf")
    page.get_by_label("E-mail").fill("zofia.scenograf@teatrnowy.example.pl")
    page.get_by_label("Phone").fill("+48 600 123 456")
    page.get_by_label("Job title").fill("Head of IT")
    screenshot(page, "register-deal-3-contact")
    page.get_by_role("button", name="Add the contact and continue").click()

    # 4. Products: three, filtered by family and text; a fourth is refused.
    expect(page.get_by_text("Step 4 of 6")).to_be_visible()
    page.get_by_label("Next-Gen Firewall 400", exact=True).check()
    page.get_by_label("Quantity of Next-Gen Firewall 400").fill("2")
    page.get_by_label("Search products").fill("switch 24")
    page.get_by_label("Access Switch 24 PoE", exact=True).check()
    page.get_by_label("Quantity of Access Switch 24 PoE").fill("10")
    page.get_by_label("Search products").fill("")
    page.get_by_label("Family").select_option(label="Endpoint Security")
    expect(page.get_by_label("Access Switch 48 PoE", exact=True)).to_be_hidden()
    page.get_by_label("Endpoint Protection Advanced", exact=True).check()
    page.get_by_label("Quantity of Endpoint Protection Advanced").fill("150")
    expect(page.get_by_test_id("product-count")).to_have_text("3 of 3 products selected")
    fourth = page.get_by_label("Managed Detection & Response", exact=True)
    fourth.click()
    expect(fourth).not_to_be_checked()
    expect(page.get_by_role("alert")).to_have_text(TOO_MANY)
    # Said next to the box that was ticked, and the count stays at three.
    row = page.locator("tr", has=page.get_by_label("Managed Detection & Response", exact=True))
    expect(row.get_by_role("alert")).to_have_text(TOO_MANY)
    expect(page.get_by_test_id("product-count")).to_have_text("3 of 3 products selected")
    screenshot(page, "register-deal-4-products")
    page.get_by_role("button", name="Continue").click()

    # 5. Deal details.
    expect(page.get_by_text("Step 5 of 6")).to_be_visible()
    expect(page.get_by_label("Sales contact", exact=False).first).to_have_value("Anna Kowalska")
    close = timezone.localdate() + datetime.timedelta(days=45)
    page.get_by_label("Project name").fill("Theatre network refresh")
    page.get_by_label("Expected close date").fill(close.isoformat())
    page.get_by_label("Engineer", exact=True).fill("Marcin Inżynier")
    page.get_by_label("Engineer's e-mail").fill("marcin@integra.example")
    page.get_by_label("Fortinet").check()
    page.get_by_label("Sophos").check()
    page.get_by_label("Distributor").select_option(label="Alfa Distribution Sp. z o.o.")
    page.get_by_label("Next steps").fill("Workshop in the theatre, then a proof of concept.")
    page.get_by_label("Estimated deal value").fill("240000")
    page.get_by_label("Currency").select_option("PLN")
    screenshot(page, "register-deal-5-details")
    page.get_by_role("button", name="Continue").click()

    # 6. Review: everything on one page.
    expect(page.get_by_text("Step 6 of 6")).to_be_visible()
    review = page.get_by_test_id("review")
    for text in [
        "No",
        "Teatr Nowy",
        "Zofia Scenograf",
        "2 × Next-Gen Firewall 400",
        "10 × Access Switch 24 PoE",
        "150 × Endpoint Protection Advanced",
        "Marcin Inżynier",
        "Fortinet, Sophos",
        "Alfa Distribution Sp. z o.o.",
        "Workshop in the theatre",
        "240,000.00 PLN",
        "Theatre network refresh",
    ]:
        expect(review).to_contain_text(text)
    # One per step, and one beside the project's name (asked with the details).
    expect(review.get_by_role("link", name=re.compile("^Edit"))).to_have_count(6)
    screenshot(page, "register-deal-6-review")
    page.get_by_role("button", name="Register Deal").click()

    # Registered: it waits for the vendor's approval.
    expect(page.get_by_test_id("register-success")).to_contain_text("waits for the vendor")
    expect(page.get_by_test_id("deal-summary")).to_contain_text("Submitted")
    screenshot(page, "register-deal-7-registered")
    deal = Deal.objects.get(customer_contact__email="zofia.scenograf@teatrnowy.example.pl")
    assert deal.status == Deal.Status.SUBMITTED
    assert deal.name == "Theatre network refresh"
    assert deal.partner.name == "Integra Systemy Sp. z o.o."
    assert deal.lines.count() == 3

    # The seed's check: Sales Zone → Opportunity Manager shows the deal as Submitted.
    nav = page.locator("#main-nav")
    nav.get_by_role("button", name="Sales Zone").click()
    nav.get_by_role("link", name="Opportunity Manager", exact=True).click()
    page.wait_for_url(re.compile(r"/sales-zone/opportunity-manager/$"))
    row = page.get_by_test_id("deals").locator(
        f'tbody tr:has(a[href="/sales-zone/opportunity-manager/{deal.pk}/"])'
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Teatr Nowy")
    expect(row).to_contain_text("Submitted")
    expect(row.locator(".deal-reg-number")).to_have_count(0)  # no number before approval
    screenshot(page, "register-deal-8-opportunity-manager")


@pytest.fixture
def page_without_javascript(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_wizard_works_with_javascript_off(page_without_javascript, live_server, demo):
    from playwright.sync_api import expect

    page = page_without_javascript
    login(page, live_server, "partner", "demo")
    # Without JavaScript the Sales menu toggle is a plain link to the wizard.
    page.get_by_role("button", name="Sales", exact=True).click()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("Search customers by name, tax ID or website").fill("PL 709-876-53-69")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("customer-results")).to_contain_text("Teatr Nowy")
    page.get_by_role("button", name="Choose Teatr Nowy").click()

    expect(page.get_by_text("Step 3 of 6")).to_be_visible()
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Continue with this contact").click()

    # The family filter reloads the list and keeps what was ticked.
    page.get_by_label("Next-Gen Firewall 400", exact=True).check()
    page.get_by_label("Family").select_option(label="Endpoint Security")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_label("Next-Gen Firewall 400", exact=True)).to_be_checked()
    expect(page.get_by_label("Access Switch 48 PoE", exact=True)).to_have_count(0)
    for name in [
        "E-mail Security Gateway",
        "Endpoint Protection Advanced",
        "Managed Detection & Response",
    ]:
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text(TOO_MANY)
    screenshot(page, "register-deal-nojs-4th-product-refused")
    page.get_by_label("Managed Detection & Response", exact=True).uncheck()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("Step 5 of 6")).to_be_visible()
    close = timezone.localdate() + datetime.timedelta(days=30)
    page.get_by_label("Project name").fill("Theatre network refresh")
    page.get_by_label("Expected close date").fill(close.isoformat())
    page.get_by_label("Distributor").select_option(label="Omega Dystrybucja S.A.")
    page.get_by_label("Next steps").fill("Demo <b>next week</b>.")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_test_id("review-next-steps")).to_have_text("Demo <b>next week</b>.")
    page.get_by_role("button", name="Register Deal").click()
    expect(page.get_by_test_id("register-success")).to_be_visible()
    screenshot(page, "register-deal-nojs-registered")
    deal = Deal.objects.get(next_steps="Demo <b>next week</b>.")
    assert deal.status == Deal.Status.SUBMITTED
    assert deal.lines.count() == 3
