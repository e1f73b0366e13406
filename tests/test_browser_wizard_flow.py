"""Register a Deal as people really move through it: Back and Start over in the browser, and
the whole wizard with the keyboard alone (no mouse, no script shortcuts).

Screenshots go to test-artifacts/wizard-*.png.
"""

import datetime

import pytest
from django.utils import timezone

from portal.models import Deal
from tests.browser import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The accessible name of the focused element, as a screen reader would announce it, roughly:
# its label(s), aria-label, or its own text.
FOCUSED_NAME = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "";
  const parts = [e.getAttribute("aria-label") || ""];
  for (const label of e.labels || []) parts.push(label.innerText);
  if (!["INPUT", "SELECT", "TEXTAREA"].includes(e.tagName)) parts.push(e.innerText || "");
  // A required field's label ends in crispy's asterisk; it is not part of the name.
  return parts.map((p) => p.trim().replace(/\\*$/, "")).filter(Boolean).join("\\n");
}"""


def tab_to(page, name: str, *, limit: int = 120) -> None:
    """Press Tab until the element called `name` has the focus: proof it can be reached."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_NAME)
        if name in focused.split("\n"):
            return
        seen.append(focused)
    raise AssertionError(f"{name!r} cannot be reached with Tab; reached {seen[-15:]}")


def test_back_keeps_the_typed_text_and_start_over_discards_it(page, live_server, demo):
    from playwright.sync_api import expect

    login(page, live_server, "partner", "demo")
    page.goto(f"{live_server.url}/sales/register-a-deal/")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    # A new customer half typed, then Back: the text waits for the partner's return.
    page.get_by_text("Add a new customer").click()
    page.get_by_label("Company name").fill("Opera Bałtycka")
    page.get_by_label("City").fill("Gdańsk")
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_text("Step 1 of 6")).to_be_visible()
    expect(page.get_by_label("No", exact=True)).to_be_checked()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Company name")).to_have_value("Opera Bałtycka")
    expect(page.get_by_label("City")).to_have_value("Gdańsk")
    screenshot(page, "wizard-back-kept-the-draft")

    # Start over asks first; "Continue the registration" loses nothing.
    page.get_by_test_id("start-over-link").click()
    expect(page.get_by_role("heading", name="Start over?")).to_be_visible()
    page.get_by_test_id("continue").click()
    expect(page.get_by_text("Step 2 of 6")).to_be_visible()
    expect(page.get_by_label("Company name")).to_have_value("Opera Bałtycka")

    # Confirmed, it discards the answers and the draft.
    page.get_by_test_id("start-over-link").click()
    page.get_by_test_id("start-over").click()
    expect(page.get_by_text("The registration you had started is discarded.")).to_be_visible()
    expect(page.get_by_text("Step 1 of 6")).to_be_visible()
    expect(page.get_by_label("No", exact=True)).not_to_be_checked()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Add a new customer").click()
    expect(page.get_by_label("Company name")).to_have_value("")


def test_the_whole_wizard_with_the_keyboard_alone(page, live_server, demo):
    from playwright.sync_api import expect

    login(page, live_server, "partner", "demo")
    page.goto(f"{live_server.url}/sales/register-a-deal/")
    keys = page.keyboard

    # The skip link comes first.
    keys.press("Tab")
    assert page.evaluate(FOCUSED_NAME) == "Skip to main content"

    # 1. Existing opportunity: No.
    tab_to(page, "No")
    keys.press("Space")
    tab_to(page, "Continue")
    keys.press("Enter")

    # 2. Customer: search as you type, choose from the results.
    expect(page.get_by_text("Step 2 of 6")).to_be_visible()
    tab_to(page, "Search customers by name, tax ID or website")
    keys.type("teatr", delay=40)
    expect(page.get_by_test_id("customer-results")).to_contain_text("Teatr Nowy")
    tab_to(page, "Choose Teatr Nowy")
    keys.press("Enter")

    # 3. Contact: open "Add a new contact" and type one in.
    expect(page.get_by_text("Step 3 of 6")).to_be_visible()
    adding = page.locator("details", has_text="Add a new contact")
    if adding.get_attribute("open") is None:
        tab_to(page, "Add a new contact")
        keys.press("Enter")
    for label, text in [
        ("First name", "Jan"),
        ("Last name", "Klawiatura"),
        ("E-mail", "jan.klawiatura@teatrnowy.example.pl"),
    ]:
        tab_to(page, label)
        keys.type(text)
    tab_to(page, "Add the contact and continue")
    keys.press("Enter")

    # 4. Products: tick one, set its quantity.
    expect(page.get_by_text("Step 4 of 6")).to_be_visible()
    tab_to(page, "Next-Gen Firewall 400")
    keys.press("Space")
    tab_to(page, "Quantity of Next-Gen Firewall 400")
    keys.press("Control+A")
    keys.type("3")
    expect(page.get_by_test_id("product-count")).to_have_text("1 of 3 products selected")
    tab_to(page, "Continue")
    keys.press("Enter")

    # 5. Details: the date typed into the date field's parts, selects chosen by typing.
    expect(page.get_by_text("Step 5 of 6")).to_be_visible()
    close = timezone.localdate() + datetime.timedelta(days=60)
    tab_to(page, "Project name")
    keys.type("Keyboard-only refresh")
    tab_to(page, "Expected close date")
    keys.type(close.strftime("%m%d%Y"))
    expect(page.get_by_label("Expected close date")).to_have_value(close.isoformat())
    tab_to(page, "Distributor")
    keys.type("Alfa")
    expect(page.get_by_label("Distributor")).not_to_have_value("")
    tab_to(page, "Next steps")
    keys.type("A workshop with the customer's IT.")
    tab_to(page, "Continue")
    keys.press("Enter")

    # 6. Review, then Register Deal.
    expect(page.get_by_text("Step 6 of 6")).to_be_visible()
    expect(page.get_by_test_id("review")).to_contain_text("Keyboard-only refresh")
    screenshot(page, "wizard-keyboard-review")
    tab_to(page, "Register Deal")
    keys.press("Enter")
    expect(page.get_by_test_id("register-success")).to_contain_text("waits for the vendor")
    deal = Deal.objects.get(name="Keyboard-only refresh")
    assert deal.status == Deal.Status.SUBMITTED
    assert deal.customer_contact.last_name == "Klawiatura"
    assert deal.expected_close_date == close
    assert [(line.product.name, line.quantity) for line in deal.lines.all()] == [
        ("Next-Gen Firewall 400", 3)
    ]
