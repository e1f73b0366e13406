"""Action Required in a real browser: a reviewer asks for the distributor's quote, the
partner uploads it and resubmits, the reviewer downloads it and approves (issue 15).

Screenshots go to test-artifacts/action-required-*.png.
"""

import pytest
from django.urls import reverse

from portal.models import Deal
from tests.browser import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reviewer_asks_partner_answers_reviewer_approves(browser, live_server, demo, tmp_path):
    from playwright.sync_api import expect

    deal = (
        Deal.objects.filter(status=Deal.Status.SUBMITTED, registered_by__username="partner")
        .order_by("pk")
        .first()
    )
    reviewer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    partner = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    for page in (reviewer, partner):
        page.set_default_timeout(10_000)

    # The reviewer returns the deal: the quote is missing, and the next steps are vague.
    login(reviewer, live_server, "reviewer", "demo")
    reviewer.goto(f"{live_server.url}{reverse('admin:portal_deal_change', args=[deal.pk])}")
    reviewer.get_by_test_id("request-action").click()
    reviewer.get_by_label("Missing distributor quote").check()
    reviewer.get_by_label("What the partner should do").fill(
        "Send the distributor's quote and say when the workshop is."
    )
    reviewer.get_by_label("Next steps").check()
    screenshot(reviewer, "action-required-1-request")
    reviewer.get_by_role("button", name="Request action").click()
    expect(reviewer.get_by_text("The deal is back with the partner")).to_be_visible()
    expect(reviewer.get_by_test_id("waiting-request")).to_contain_text("paused")

    # The partner finds it waiting on the home page and answers it.
    login(partner, live_server, "partner", "demo")
    waiting = partner.get_by_test_id("waiting-on-you")
    expect(waiting).to_contain_text(deal.name)
    ours = waiting.get_by_role("listitem").filter(has_text=deal.name)
    ours.get_by_role("link", name="Answer and resubmit").click()
    expect(partner.get_by_test_id("action-request")).to_contain_text("Missing distributor quote")
    expect(partner.get_by_test_id("action-request")).to_contain_text("Attach the distributor")
    partner.get_by_label("Next steps").fill("Workshop on 12 March; quote QA-2027-118 from Alfa.")
    partner.get_by_label("Your answer to the vendor").fill("Quote number QA-2027-118.")
    quote = tmp_path / "Oferta QA-2027-118.pdf"
    quote.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    partner.get_by_label("Attach what was asked for (optional)").set_input_files(str(quote))
    screenshot(partner, "action-required-2-answer")
    partner.get_by_role("button", name="Resubmit to the vendor").click()
    expect(partner.get_by_text("the deal is Submitted again")).to_be_visible()
    expect(partner.get_by_test_id("decision-clock")).to_contain_text("due in")

    # The reviewer sees the answer in the history and approves.
    reviewer.goto(f"{live_server.url}{reverse('admin:portal_deal_change', args=[deal.pk])}")
    expect(reviewer.locator("body")).to_contain_text("Quote number QA-2027-118.")
    with reviewer.expect_download() as download:
        reviewer.get_by_role("link", name="Oferta QA-2027-118.pdf").click()
    assert download.value.suggested_filename == "Oferta QA-2027-118.pdf"
    reviewer.get_by_role("link", name="Approve").click()
    reviewer.get_by_role("button", name="Approve").click()
    expect(reviewer.get_by_text("Deal approved. Deal Reg Number:")).to_be_visible()
    screenshot(reviewer, "action-required-3-approved")
    deal.refresh_from_db()
    assert deal.status == Deal.Status.APPROVED
    assert deal.next_steps.startswith("Workshop on 12 March")
    for page in (reviewer, partner):
        page.context.close()


def test_the_decision_clock_counts_down_while_the_page_is_open(
    page, live_server, make_deal, partner_user
):
    import datetime

    from django.utils import timezone
    from playwright.sync_api import expect

    deal = make_deal(Deal.Status.SUBMITTED)
    Deal.objects.filter(pk=deal.pk).update(
        decision_due_at=timezone.now() + datetime.timedelta(minutes=90)
    )
    partner_user.set_password("pass")
    partner_user.save()
    page.clock.install()
    login(page, live_server, partner_user.username)
    page.goto(f"{live_server.url}{reverse('portal:deal_detail', args=[deal.pk])}")
    clock = page.get_by_test_id("decision-clock")
    expect(clock).to_have_text("due in 1 h")
    page.clock.fast_forward("02:00:00")  # the page stays open two hours
    expect(clock).to_have_text("overdue by 30 min")
