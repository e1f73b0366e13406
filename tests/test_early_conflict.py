"""The conflict, early: at the products step the partner sees, per product, that another
partner already holds this customer and product (until when), never who, and may go on."""

import re

import pytest
from django.utils import formats

from portal import workflow
from portal.models import Deal
from tests import factories
from tests.browser import login, screenshot
from tests.wizard_steps import answer_until, answers, step_url

S = Deal.Status


def rival_holds(catalogue, other_partner_user, reviewer, product, status=S.APPROVED) -> Deal:
    deal = factories.DealFactory(
        partner=other_partner_user.partner,
        registered_by=other_partner_user,
        customer=catalogue.customer,
        customer_contact=catalogue.contact,
        lines=[product],
    )
    workflow.submit(deal=deal, by=other_partner_user)
    if status == S.APPROVED:
        workflow.approve(deal=deal, by=reviewer)
    deal.refresh_from_db()
    return deal


@pytest.mark.django_db
def test_the_products_step_says_which_products_another_partner_holds(
    client, partner_user, other_partner_user, reviewer, catalogue
):
    held = catalogue.products[0]
    theirs = rival_holds(catalogue, other_partner_user, reviewer, held)
    waiting = rival_holds(
        catalogue, other_partner_user, reviewer, catalogue.products[1], S.SUBMITTED
    )
    client.force_login(partner_user)
    answer_until(client, catalogue, "products")
    response = client.get(step_url("products"))
    assert response.status_code == 200
    html = response.content.decode()
    until = formats.date_format(theirs.validity_end, "DATE_FORMAT")
    assert f"Already registered by another partner until {until}." in html
    assert (
        "waiting for the vendor&#x27;s decision" in html
        or "waiting for the vendor's decision" in html
    )
    assert html.count('data-testid="product-conflict"') == 2
    assert other_partner_user.partner.name not in html and waiting.pk
    # The partner may still go on with that product.
    assert client.post(step_url("products"), answers(catalogue)["products"]).status_code == 302


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_partner_sees_the_early_conflict_notice_in_the_browser(
    page, live_server, partner_user, other_partner_user, reviewer, catalogue
):
    held = catalogue.products[0]
    rival_holds(catalogue, other_partner_user, reviewer, held)
    login(page, live_server, "partner_a")
    page.goto(f"{live_server.url}{step_url('opportunity')}")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/customer/"))
    page.goto(f"{live_server.url}{step_url('customer')}?q=teatr")
    page.get_by_role("button", name="Choose Teatr Nowy").click()
    page.wait_for_url(re.compile(r"/contact/"))
    page.get_by_label(re.compile("Ewa Teatralna")).check()
    page.get_by_role("button", name="Continue with this contact").click()
    page.wait_for_url(re.compile(r"/products/"))
    notice = page.get_by_test_id("product-conflict")
    assert notice.count() == 1
    assert "Already registered by another partner until" in notice.inner_text()
    assert other_partner_user.partner.name not in page.content()
    screenshot(page, "register-deal-4-products-early-conflict")
