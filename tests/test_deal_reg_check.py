"""The Deal Reg Number check page for distributor staff."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal import workflow
from portal.dealregcheck import check_number, normalize_number
from portal.models import Deal
from tests import factories

pytestmark = pytest.mark.django_db
S = Deal.Status
URL = "/sales-zone/deal-reg-check/"
NOT_FOUND = (
    "Not found: no registration with this Deal Reg Number is valid today for your organisation."
)


@pytest.fixture
def approved(make_deal):
    product = factories.ProductFactory(name="Next-Gen Firewall 400", sku="NGFW-400")
    return make_deal(S.APPROVED, lines=[product])


def check(client, number):
    return client.get(reverse("portal:deal_reg_check"), {"number": number})


def not_found_part(response) -> str:
    """The answer area of the page, which must read the same for every kind of miss."""
    html = response.content.decode()
    start = html.index("</form>", html.index('data-testid="deal-reg-check-form"'))
    return html[start : html.index("</main>")]


def test_url_is_in_the_sales_zone():
    assert reverse("portal:deal_reg_check") == URL


def test_distributor_sees_a_valid_number_with_partner_customer_products_discount_and_end(
    client, distributor_user, approved
):
    client.force_login(distributor_user)
    response = check(client, approved.deal_reg_number)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{approved.deal_reg_number} is valid today" in html
    assert approved.partner.name in html
    assert approved.customer.name in html and approved.customer.tax_id in html
    assert "Next-Gen Firewall 400" in html and "NGFW-400" in html
    assert "10.00 %" in html  # the default discount
    assert response.context["result"].validity_end == approved.validity_end


def test_number_is_found_however_it_is_typed(client, distributor_user, approved):
    client.force_login(distributor_user)
    response = check(client, f"  {approved.deal_reg_number.lower()} ")
    assert response.context["result"] is not None


def test_won_deal_within_its_validity_is_still_valid(client, distributor_user, make_deal):
    won = make_deal(S.WON)
    client.force_login(distributor_user)
    assert check(client, won.deal_reg_number).context["result"] is not None


def _misses(make_deal, other_distributor_user):
    expired = make_deal(S.EXPIRED)
    lost = make_deal(S.LOST)
    foreign = make_deal(S.APPROVED, distributor=other_distributor_user.distributor)
    past_end = make_deal(S.APPROVED)
    Deal.objects.filter(pk=past_end.pk).update(
        validity_end=timezone.localdate() - datetime.timedelta(days=1)
    )
    return {
        "unknown": "DR-2026-999999",
        "malformed": "'; DROP TABLE portal_deal; --",
        "overlong": "DR-" + "9" * 500,
        "empty": "",
        "expired": expired.deal_reg_number,
        "past validity end": past_end.deal_reg_number,
        "lost": lost.deal_reg_number,
        "foreign": foreign.deal_reg_number,
    }


def test_every_kind_of_miss_reads_exactly_the_same(
    client, distributor_user, other_distributor_user, make_deal
):
    misses = _misses(make_deal, other_distributor_user)
    client.force_login(distributor_user)
    answers = {}
    for kind, number in misses.items():
        response = check(client, number)
        assert response.status_code == 200, kind
        assert response.context["result"] is None, kind
        answers[kind] = not_found_part(response)
    assert NOT_FOUND in answers["unknown"]
    assert len(set(answers.values())) == 1, answers


def test_every_kind_of_miss_runs_the_same_queries(
    distributor_user, other_distributor_user, make_deal, approved
):
    misses = _misses(make_deal, other_distributor_user)
    shapes = set()
    for number in [*misses.values(), approved.deal_reg_number]:
        with CaptureQueriesContext(connection) as queries:
            check_number(distributor=distributor_user.distributor, raw_number=number)
        assert len(queries) == 1
        # Same SQL text apart from the looked-up value.
        shapes.add(queries[0]["sql"].replace(normalize_number(number), "?"))
    assert len(shapes) <= 2  # '' and a real number quote the same way on both databases


def test_page_costs_few_queries(client, distributor_user, approved, django_assert_max_num_queries):
    client.force_login(distributor_user)
    with django_assert_max_num_queries(4):
        response = check(client, approved.deal_reg_number)
    assert response.status_code == 200
    assert approved.customer.name in response.content.decode()


def test_the_page_without_a_number_shows_only_the_form(client, distributor_user):
    client.force_login(distributor_user)
    response = client.get(reverse("portal:deal_reg_check"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="deal-reg-check-form"' in html and NOT_FOUND not in html


@pytest.mark.parametrize("who", ["partner_user", "reviewer", "staff_without_permission"])
def test_others_get_a_clear_403(client, request, who, approved):
    client.force_login(request.getfixturevalue(who))
    response = check(client, approved.deal_reg_number)
    assert response.status_code == 403
    html = response.content.decode()
    assert "This page is for distributor staff" in html
    assert approved.customer.name not in html


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("portal:deal_reg_check"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_menu_shows_the_check_to_distributor_staff_only(client, distributor_user, partner_user):
    client.force_login(distributor_user)
    assert reverse("portal:deal_reg_check") in client.get("/").content.decode()
    client.force_login(partner_user)
    assert reverse("portal:deal_reg_check") not in client.get("/").content.decode()


def test_extended_deal_answers_with_its_new_end(client, distributor_user, approved, reviewer):
    new_end = approved.validity_end + datetime.timedelta(days=30)
    workflow.extend(deal=approved, by=reviewer, validity_end=new_end)
    client.force_login(distributor_user)
    assert check(client, approved.deal_reg_number).context["result"].validity_end == new_end


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_distributor_checks_a_number_in_the_browser(page, live_server, make_deal, distributor_user):
    from tests.browser import login, screenshot

    deal = make_deal(S.APPROVED)
    login(page, live_server, "distributor_x")
    nav = page.locator("#main-nav")
    nav.get_by_role("button", name="Sales Zone").click()
    nav.get_by_role("link", name="Deal Reg Number check").click()
    page.get_by_label("Deal Reg Number").fill(deal.deal_reg_number.lower())
    page.get_by_role("button", name="Check").click()
    result = page.get_by_test_id("deal-reg-check-result")
    assert f"{deal.deal_reg_number} is valid today" in result.inner_text()
    assert deal.customer.name in result.inner_text()
    screenshot(page, "deal-reg-check-valid")
    page.get_by_label("Deal Reg Number").fill("DR-2026-999999")
    page.get_by_role("button", name="Check").click()
    assert "Not found" in page.get_by_test_id("deal-reg-check-not-found").inner_text()


@pytest.mark.parametrize(
    "spelling",
    [
        "{year}{seq}",
        "DR {year} {seq}",
        "dr-{year}-{seq}",
        "DR–{year}–{seq}",  # en dashes
        "DR—{year}—{seq}",  # em dashes
        "  DR - {year} - {seq}  ",
    ],
)
def test_the_number_is_found_however_it_is_written(client, distributor_user, approved, spelling):
    _dr, year, seq = approved.deal_reg_number.split("-")
    typed = ("DR" if spelling.startswith("{") else "") + spelling.format(year=year, seq=seq)
    client.force_login(distributor_user)
    response = check(client, typed)
    assert response.status_code == 200
    assert approved.customer.name in response.content.decode()
    # The Opportunity Manager and the reviewers' queue find it the same way.
    om = client.get(reverse("portal:opportunity_manager"), {"q": typed})
    assert approved.customer.name in om.content.decode()


def test_the_admin_queue_finds_a_number_however_it_is_written(client, reviewer, approved):
    client.force_login(reviewer)
    typed = approved.deal_reg_number.replace("-", " ").lower()
    response = client.get(reverse("admin:portal_deal_changelist"), {"q": typed})
    assert response.status_code == 200
    assert [d.pk for d in response.context["cl"].result_list] == [approved.pk]
