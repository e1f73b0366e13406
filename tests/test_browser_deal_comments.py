"""A partner talks to the vendor on the deal page and asks for an extension, in a real browser."""

import re

import pytest
from django.utils import formats

from portal.models import Deal, DealComment, ExtensionRequest
from tests import factories
from tests.browser import login, screenshot

COMMENT = "Hi, <b>please attach the customer's RFP</b> is what you asked? Attached."


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_partner_comments_and_requests_an_extension_on_an_approved_deal(
    page, live_server, partner_user, make_deal
):
    company = factories.CustomerFactory(name="Muzeum Narodowe w Krakowie")
    deal = make_deal(
        Deal.Status.APPROVED,
        customer=company,
        customer_contact=factories.CustomerContactFactory(customer=company),
    )

    login(page, live_server, "partner_a")
    page.get_by_role("button", name="Sales Zone").click()
    page.get_by_role("link", name="Opportunity Manager", exact=True).click()
    page.get_by_role("link", name="Muzeum Narodowe w Krakowie").click()
    page.wait_for_url(re.compile(rf"/sales-zone/opportunity-manager/{deal.pk}/$"))

    # The decision was made: the number and how long the registration is valid.
    approval = page.get_by_test_id("approval")
    assert deal.deal_reg_number in approval.inner_text()
    assert formats.date_format(deal.validity_end, "DATE_FORMAT") in approval.inner_text()

    page.get_by_label("Your comment").fill(COMMENT)
    page.get_by_role("button", name="Add comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    comment = page.get_by_test_id("comment").last
    # Shown as typed, tags and all, never as bold text.
    assert comment.locator(".comment-body").inner_text() == COMMENT
    assert comment.locator("b").count() == 0
    assert DealComment.objects.get().body == COMMENT
    screenshot(page, "partner-deal-comment-escaped")

    page.get_by_role("link", name="Request an extension").click()
    page.get_by_label("Why does the registration need more time?").fill(
        "The customer moved the tender to next quarter."
    )
    page.get_by_role("button", name="Request an extension").click()
    page.wait_for_url(re.compile(rf"/sales-zone/opportunity-manager/{deal.pk}/$"))
    page.get_by_text("Your extension request was sent to the vendor.").wait_for()
    request = page.get_by_test_id("extension-request")
    assert request.get_attribute("data-status") == "pending"
    assert "The customer moved the tender to next quarter." in request.inner_text()
    assert "Pending" in request.inner_text()
    # Asked once: no second button while the vendor decides.
    assert page.get_by_role("link", name="Request an extension").count() == 0
    assert ExtensionRequest.objects.get().status == ExtensionRequest.Status.PENDING
    screenshot(page, "partner-deal-extension-pending")
