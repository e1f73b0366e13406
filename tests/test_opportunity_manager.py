"""Sales Zone → Opportunity Manager: which rows, filters, search, sorting, pages, budget."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import Deal
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("portal:opportunity_manager")
COUNTS_URL = reverse("portal:opportunity_manager_counts")
NUMBERED = {"approved", "expired", "won", "lost"}


def rows(response) -> list[Deal]:
    return list(response.context["deals"])


def row_ids(response) -> list[int]:
    return [deal.pk for deal in rows(response)]


def get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


# --- who sees which rows ------------------------------------------------------------------


def test_partner_sees_only_their_own_partners_deals(
    client, partner_user, make_deal, make_other_deal
):
    own = make_deal(Deal.Status.SUBMITTED)
    make_other_deal(Deal.Status.SUBMITTED)
    assert row_ids(get(client, partner_user)) == [own.pk]


def test_distributor_sees_deals_naming_it_but_never_a_draft(
    client, distributor_user, make_deal, make_other_deal
):
    named = make_deal(Deal.Status.APPROVED)
    make_deal(Deal.Status.DRAFT)
    make_other_deal(Deal.Status.APPROVED)
    response = get(client, distributor_user)
    assert row_ids(response) == [named.pk]
    assert "draft" not in [value for value, *_ in response.context["facets"]]


def test_reviewer_sees_every_partners_deals(client, reviewer, make_deal, make_other_deal):
    deals = {make_deal().pk, make_other_deal().pk}
    assert set(row_ids(get(client, reviewer))) == deals


def test_staff_without_the_review_permission_is_refused(
    client, staff_without_permission, make_deal
):
    make_deal()
    assert get(client, staff_without_permission).status_code == 403


def test_partner_column_and_filter_are_only_for_distributors_and_vendor_staff(
    client, partner_user, distributor_user, make_deal, make_other_deal
):
    make_deal()
    make_other_deal()
    partner_page = get(client, partner_user)
    assert "partner" not in partner_page.context["form"].fields
    assert "Partner</" not in partner_page.content.decode()
    distributor_page = get(client, distributor_user)
    # Only partners with a deal naming this distributor are offered.
    assert distributor_page.context["form"].fields["partner"].choices[1:] == [
        (partner_user.partner.pk, partner_user.partner.name)
    ]
    assert "distributor" not in distributor_page.context["form"].fields


# --- the Deal Reg Number column ---------------------------------------------------------------


@pytest.mark.parametrize("status", Deal.Status.values)
def test_deal_reg_number_column_is_filled_exactly_when_the_deal_was_approved(
    client, partner_user, make_deal, status
):
    deal = make_deal(status)
    html = get(client, partner_user).content.decode()
    if status in NUMBERED:
        assert deal.deal_reg_number.startswith("DR-")
        detail = reverse("portal:deal_detail", args=[deal.pk])
        assert f'class="deal-reg-number" href="{detail}">{deal.deal_reg_number}</a>' in html
    else:
        assert deal.deal_reg_number is None
        assert "DR-" not in html
        assert "—</span>" in html


def table_rows(html: str) -> str:
    return html[html.index('<tr data-deal="') : html.index("</tbody>")]


def test_each_row_shows_its_deal_as_text_in_the_readers_language_and_format(
    client, partner_user, make_deal
):
    customer = factories.CustomerFactory(name="<b>Smith & Sons</b>", tax_id="PL5260250995")
    deal = make_deal(
        Deal.Status.APPROVED,
        customer=customer,
        name="<script>alert(1)</script> refresh",
        estimated_value=150000,
        currency="PLN",
        expected_close_date=datetime.date(2031, 3, 5),
        lines=[factories.ProductFactory(name="FortiGate <60F>")],
    )
    deal.lines.update(quantity=3)
    partner_user.language = "pl"
    partner_user.save()
    response = get(client, partner_user)
    assert response.status_code == 200
    row = table_rows(response.content.decode())
    link = reverse("portal:deal_detail", args=[deal.pk])
    assert f'<tr data-deal="{deal.pk}">' in row
    assert f'href="{link}" class="fw-semibold">&lt;b&gt;Smith &amp; Sons&lt;/b&gt;</a>' in row
    assert "&lt;script&gt;alert(1)&lt;/script&gt; refresh</a>" in row and "<script>" not in row
    assert "<div>FortiGate &lt;60F&gt; × 3</div>" in row
    assert "150\xa0000,00 PLN" in row  # Polish grouping and decimal comma
    assert 'data-label="Data zamknięcia">05.03.2031</td>' in row  # the card's label, in Polish
    assert 'data-status="approved"' in row and 'data-testid="row-status"' in row


def test_a_rows_submission_date_is_the_readers_day(client, partner_user, make_deal):
    deal = make_deal(Deal.Status.SUBMITTED)
    # 23:30 UTC is already the next day in Warsaw (the portal's time zone).
    Deal.objects.filter(pk=deal.pk).update(
        submitted_at=datetime.datetime(2031, 3, 5, 23, 30, tzinfo=datetime.UTC)
    )
    row = table_rows(get(client, partner_user).content.decode())
    assert ">6 Mar 2031</td>" in row
    assert ">—</td>" in row  # no validity before approval


# --- filters --------------------------------------------------------------------------------


def test_status_filter_takes_several_statuses_and_counts_each(client, partner_user, make_deal):
    submitted = make_deal(Deal.Status.SUBMITTED)
    approved = make_deal(Deal.Status.APPROVED)
    make_deal(Deal.Status.REJECTED)
    response = get(client, partner_user, status=["submitted", "approved"])
    assert set(row_ids(response)) == {submitted.pk, approved.pk}
    counts = {value: (count, selected) for value, _, count, selected in response.context["facets"]}
    assert counts["submitted"] == (1, True)
    assert counts["approved"] == (1, True)
    # Unticked statuses still show how many deals they would add.
    assert counts["rejected"] == (1, False)
    assert counts["won"] == (0, False)
    assert response.context["total"] == 2


def test_status_counts_follow_the_other_filters(client, partner_user, make_deal):
    firewalls = factories.ProductFactory(family=factories.ProductFamilyFactory(name="Firewalls"))
    switches = factories.ProductFactory(family=factories.ProductFamilyFactory(name="Switches"))
    make_deal(Deal.Status.SUBMITTED, lines=[firewalls])
    make_deal(Deal.Status.SUBMITTED, lines=[switches])
    make_deal(Deal.Status.APPROVED, lines=[switches])
    response = get(client, partner_user, family=switches.family_id, status="approved")
    counts = {value: count for value, _, count, _ in response.context["facets"]}
    assert counts["submitted"] == 1 and counts["approved"] == 1
    assert response.context["total"] == 1


def test_distributor_filter(client, partner_user, distributor_user, make_deal):
    other = factories.DistributorFactory()
    via_x = make_deal(distributor=distributor_user.distributor)
    via_other = make_deal(distributor=other)
    assert row_ids(get(client, partner_user, distributor=other.pk)) == [via_other.pk]
    assert row_ids(get(client, partner_user, distributor=via_x.distributor_id)) == [via_x.pk]


def test_product_family_filter_finds_a_deal_once_however_many_products_match(
    client, partner_user, make_deal
):
    family = factories.ProductFamilyFactory(name="Endpoint Security")
    two_matching = make_deal(
        lines=[factories.ProductFactory(family=family), factories.ProductFactory(family=family)]
    )
    make_deal()  # another family
    response = get(client, partner_user, family=family.pk)
    assert row_ids(response) == [two_matching.pk]
    assert response.context["total"] == 1


def test_expected_close_date_range(client, partner_user, make_deal):
    today = timezone.localdate()
    soon = make_deal(expected_close_date=today + datetime.timedelta(days=10))
    later = make_deal(expected_close_date=today + datetime.timedelta(days=40))
    make_deal(expected_close_date=today + datetime.timedelta(days=90))
    response = get(
        client,
        partner_user,
        close_from=(today + datetime.timedelta(days=10)).isoformat(),
        close_to=(today + datetime.timedelta(days=40)).isoformat(),
    )
    assert set(row_ids(response)) == {soon.pk, later.pk}
    only_after = get(
        client, partner_user, close_from=(today + datetime.timedelta(days=41)).isoformat()
    )
    assert len(rows(only_after)) == 1


@pytest.mark.parametrize(
    "query",
    ["gdańska", "Spółka Wodna", "PL 987-654-32-10", "9876543210", "OPP-4711", "opp-47"],
)
def test_search_finds_a_deal_by_customer_name_tax_id_or_opportunity_id(
    client, partner_user, make_deal, query
):
    customer = factories.CustomerFactory(name="Gdańska Spółka Wodna", tax_id="PL9876543210")
    contact = factories.CustomerContactFactory(customer=customer)
    wanted = make_deal(customer=customer, customer_contact=contact, opportunity_id="OPP-4711")
    make_deal()
    assert row_ids(get(client, partner_user, q=query)) == [wanted.pk]


def test_search_finds_a_deal_by_its_deal_reg_number(client, partner_user, make_deal):
    wanted = make_deal(Deal.Status.APPROVED)
    make_deal(Deal.Status.APPROVED)
    assert row_ids(get(client, partner_user, q=wanted.deal_reg_number)) == [wanted.pk]
    assert row_ids(get(client, partner_user, q=f"  {wanted.deal_reg_number.lower()} ")) == [
        wanted.pk
    ]


def test_search_never_reaches_another_partners_deal(
    client, partner_user, make_deal, make_other_deal
):
    foreign = make_other_deal(Deal.Status.APPROVED)
    make_deal()
    assert rows(get(client, partner_user, q=foreign.customer.name)) == []
    assert rows(get(client, partner_user, q=foreign.deal_reg_number)) == []


def test_filters_combine(client, partner_user, make_deal):
    family = factories.ProductFamilyFactory(name="Switching")
    other_distributor = factories.DistributorFactory()
    customer = factories.CustomerFactory(name="Huta Szkła")
    contact = factories.CustomerContactFactory(customer=customer)
    common = {"customer": customer, "customer_contact": contact}
    wanted = make_deal(
        Deal.Status.APPROVED,
        lines=[factories.ProductFactory(family=family)],
        distributor=other_distributor,
        **common,
    )
    make_deal(  # wrong status
        Deal.Status.SUBMITTED,
        lines=[factories.ProductFactory(family=family)],
        distributor=other_distributor,
        **common,
    )
    make_deal(Deal.Status.APPROVED, distributor=other_distributor, **common)  # wrong family
    make_deal(  # wrong distributor
        Deal.Status.APPROVED, lines=[factories.ProductFactory(family=family)], **common
    )
    make_deal(Deal.Status.APPROVED, lines=[factories.ProductFactory(family=family)])  # customer
    response = get(
        client,
        partner_user,
        status=["approved", "won"],
        family=family.pk,
        distributor=other_distributor.pk,
        q="huta",
        counts="1",
    )
    assert row_ids(response) == [wanted.pk]
    assert response.context["total"] == 1


def test_filters_live_in_the_url_so_a_shared_link_shows_the_same_list(
    client, partner_user, distributor_user, make_deal
):
    make_deal(Deal.Status.SUBMITTED)
    approved = make_deal(Deal.Status.APPROVED)
    link = f"{URL}?status=approved&q=&o=-close"
    client.force_login(partner_user)
    assert row_ids(client.get(link)) == [approved.pk]
    html = client.get(link).content.decode()
    assert 'method="get"' in html
    # The distributor the deal names opens the same link and sees the same deal.
    client.force_login(distributor_user)
    assert row_ids(client.get(link)) == [approved.pk]


def test_a_tampered_query_string_is_ignored_not_an_error(client, partner_user, make_deal):
    deal = make_deal()
    response = get(
        client,
        partner_user,
        status="bogus",
        distributor="abc",
        family="999999",
        close_from="not-a-date",
        o="password",
        page="x",
    )
    assert response.status_code == 200
    assert row_ids(response) == [deal.pk]
    assert "could not be used" in response.content.decode()
    # A NUL byte would make PostgreSQL fail: it is refused before any view sees it.
    for params in ({"q": "a\x00b"}, {"distributor": "\x00"}, {"status": "\x00"}):
        refused = get(client, partner_user, **params)
        assert refused.status_code == 400
        assert "not allowed (NUL)" in refused.content.decode()
    export = client.get(reverse("portal:deal_export"), {"q": "\x00"})
    assert export.status_code == 400


# --- sorting and pages ---------------------------------------------------------------------------


def test_sorting_by_customer_both_ways(client, partner_user, make_deal):
    names = ["Bravo", "Alfa", "Charlie"]
    for name in names:
        customer = factories.CustomerFactory(name=name)
        make_deal(
            customer=customer, customer_contact=factories.CustomerContactFactory(customer=customer)
        )
    ascending = [d.customer.name for d in rows(get(client, partner_user, o="customer"))]
    descending = [d.customer.name for d in rows(get(client, partner_user, o="-customer"))]
    assert ascending == ["Alfa", "Bravo", "Charlie"]
    assert descending == ["Charlie", "Bravo", "Alfa"]


def test_sorting_by_deal_reg_number_puts_deals_without_one_last(client, partner_user, make_deal):
    first = make_deal(Deal.Status.APPROVED)
    second = make_deal(Deal.Status.WON)
    unnumbered = make_deal(Deal.Status.SUBMITTED)
    assert row_ids(get(client, partner_user, o="number")) == [first.pk, second.pk, unnumbered.pk]
    assert row_ids(get(client, partner_user, o="-number")) == [second.pk, first.pk, unnumbered.pk]


def test_sorting_by_expected_close_date(client, partner_user, make_deal):
    today = timezone.localdate()
    late = make_deal(expected_close_date=today + datetime.timedelta(days=50))
    early = make_deal(expected_close_date=today + datetime.timedelta(days=5))
    assert row_ids(get(client, partner_user, o="close")) == [early.pk, late.pk]
    assert row_ids(get(client, partner_user, o="-close")) == [late.pk, early.pk]


def test_column_headers_link_to_the_opposite_order_keeping_the_filters(
    client, partner_user, make_deal
):
    make_deal()
    html = get(client, partner_user, o="customer", status="submitted").content.decode()
    assert "?o=-customer&amp;status=submitted" in html
    assert "?o=close&amp;status=submitted" in html


def next_link(response) -> str:
    found = re.search(r'href="([^"]*)" rel="next"', response.content.decode())
    return URL + unescape(found.group(1))


def test_pages_split_the_list_without_repeating_a_deal(client, partner_user, make_deal):
    deals = [make_deal() for _ in range(27)]
    first = get(client, partner_user)
    html = first.content.decode()
    assert "after=" in html and "Page 1 of 2" in html
    second = client.get(next_link(first))
    assert len(rows(first)) == 25 and len(rows(second)) == 2
    assert set(row_ids(first)) | set(row_ids(second)) == {d.pk for d in deals}
    assert "Page 2 of 2" in second.content.decode()
    # An old numbered link (no cursor) shows the first page, not an error.
    assert row_ids(get(client, partner_user, page=99)) == row_ids(first)


def test_empty_list_says_so_and_offers_register_a_deal(client, partner_user):
    html = get(client, partner_user).content.decode()
    assert 'data-testid="empty-state"' in html
    assert "There are no deals here yet." in html
    assert f'href="{reverse("portal:register_deal")}"' in html


def test_no_match_offers_to_clear_the_filters(client, partner_user, make_deal):
    make_deal(Deal.Status.SUBMITTED)
    html = get(client, partner_user, status="won").content.decode()
    assert "No deals match these filters." in html
    assert f'href="{URL}"' in html


def test_the_menu_leads_to_the_opportunity_manager(client, partner_user, staff_without_permission):
    client.force_login(partner_user)
    html = client.get(reverse("portal:home")).content.decode()
    assert "Sales Zone" in html and f'href="{URL}"' in html
    client.force_login(staff_without_permission)
    assert "Sales Zone" not in client.get(reverse("portal:home")).content.decode()


# --- query budget -------------------------------------------------------------------------------


@pytest.mark.parametrize("number_of_deals", [5, 100])
@pytest.mark.parametrize("actor", ["partner_user", "distributor_user", "reviewer"])
def test_the_list_runs_a_bounded_number_of_queries(
    client, request, make_deal, django_assert_max_num_queries, number_of_deals, actor
):
    user = request.getfixturevalue(actor)
    family = factories.ProductFamilyFactory(name="Firewalls")
    products = [factories.ProductFactory(family=family) for _ in range(3)]
    for i in range(number_of_deals):
        make_deal(Deal.Status.APPROVED if i % 2 else Deal.Status.SUBMITTED, lines=products)
    client.force_login(user)
    params = {"status": ["submitted", "approved"], "family": family.pk, "q": "Customer"}
    with django_assert_max_num_queries(8):
        response = client.get(URL, params)
    assert response.status_code == 200
    assert len(rows(response)) == min(number_of_deals, 25)
    assert "Customer" in response.content.decode()
    with django_assert_max_num_queries(8):
        counts = client.get(COUNTS_URL, params)
    assert counts.status_code == 200
    assert counts.context["total"] == number_of_deals
    with django_assert_max_num_queries(8):
        inline = client.get(URL, {**params, "counts": "1"})
    assert inline.context["total"] == number_of_deals


def test_the_partner_drop_down_lists_names_safely_and_keeps_the_chosen_partner(
    client, reviewer, make_deal, make_other_deal
):
    own = make_deal(Deal.Status.SUBMITTED)
    other = make_other_deal(Deal.Status.SUBMITTED)
    other.partner.name = "Smith & <Sons>"
    other.partner.save()
    html = get(client, reviewer, partner=other.partner_id).content.decode()
    assert '<option value="">All partners</option>' in html
    assert f'<option value="{other.partner_id}" selected>Smith &amp; &lt;Sons&gt;</option>' in html
    assert f'<option value="{own.partner_id}">{own.partner.name}</option>' in html
    assert '<select name="partner" class="form-select form-select-sm" id="id_partner">' in html


def test_a_search_by_customer_name_counts_each_status_exactly(client, distributor_user, make_deal):
    customer = factories.CustomerFactory(name="Medica Polska")
    contact = factories.CustomerContactFactory(customer=customer)
    for status in [Deal.Status.SUBMITTED, Deal.Status.SUBMITTED, Deal.Status.APPROVED]:
        make_deal(
            status,
            customer=customer,
            customer_contact=contact,
            distributor=distributor_user.distributor,
        )
    make_deal(
        Deal.Status.DRAFT, customer=customer, customer_contact=contact
    )  # a draft: never shown to a distributor
    make_deal(Deal.Status.SUBMITTED, distributor=distributor_user.distributor)  # no match
    assert len(rows(get(client, distributor_user, q="medica"))) == 3
    response = client.get(COUNTS_URL, {"q": "medica"})
    counts = {value: count for value, _, count, _ in response.context["facets"]}
    assert counts["submitted"] == 2 and counts["approved"] == 1
    assert response.context["total"] == 3


# --- a search: rows first, counts in a second request -------------------------------------


def medica() -> dict:
    customer = factories.CustomerFactory(name="Medica Polska")
    contact = factories.CustomerContactFactory(customer=customer)
    return {"customer": customer, "customer_contact": contact}


def test_a_search_shows_the_rows_without_counting_them(client, partner_user, make_deal):
    deal = make_deal(Deal.Status.SUBMITTED, **medica())
    client.force_login(partner_user)
    client.get(URL, {"q": "medica", "counts": "1"})  # warm up
    with CaptureQueriesContext(connection) as counted:
        client.get(URL, {"q": "medica", "status": "submitted", "counts": "1"})
    with CaptureQueriesContext(connection) as uncounted:
        response = client.get(URL, {"q": "medica", "status": "submitted"})
    assert len(uncounted) < len(counted)
    assert not [q for q in uncounted.captured_queries if "COUNT(" in q["sql"].upper()]
    assert row_ids(response) == [deal.pk]
    html = response.content.decode()
    assert 'data-testid="count-submitted"' not in html
    assert f'hx-get="{COUNTS_URL}?q=medica&amp;status=submitted"' in html
    assert 'hx-trigger="load"' in html and 'hx-swap="outerHTML"' in html
    assert '<noscript><a href="?q=medica&amp;status=submitted&amp;counts=1"' in html
    # The chips are there to tick, without their numbers.
    assert 'id="status-submitted" autocomplete="off" checked>' in html


def test_the_no_javascript_link_counts_inline_as_before(client, partner_user, make_deal):
    company = medica()
    make_deal(Deal.Status.SUBMITTED, **company)
    make_deal(Deal.Status.APPROVED, **company)
    html = get(client, partner_user, q="medica", counts="1").content.decode()
    assert 'data-testid="count-submitted">1<' in html
    assert 'data-testid="count-approved">1<' in html
    assert "2 deals" in html
    assert "hx-get" not in html and "<noscript><a" not in html


def test_the_counts_of_a_search_are_exact_per_status_and_scoped(
    client, partner_user, make_deal, make_other_deal
):
    company = medica()
    for status in [Deal.Status.SUBMITTED, Deal.Status.SUBMITTED, Deal.Status.APPROVED]:
        make_deal(status, **company)
    make_deal(Deal.Status.WON, **company)
    make_other_deal(Deal.Status.SUBMITTED, **company)  # another partner's: never counted
    client.force_login(partner_user)
    response = client.get(COUNTS_URL, {"q": "medica", "status": ["submitted", "won"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="count-submitted">2<' in html
    assert 'data-testid="count-approved">1<' in html
    assert 'data-testid="count-won">1<' in html
    assert "3 deals" in html  # the ticked statuses: submitted + won
    assert 'id="status-won" autocomplete="off" checked>' in html
    assert "<html" not in html  # a fragment, not a page


def test_the_counts_fragment_runs_a_bounded_number_of_queries(
    client, reviewer, make_deal, django_assert_max_num_queries
):
    company = medica()
    for _ in range(30):
        make_deal(Deal.Status.SUBMITTED, **company)
    client.force_login(reviewer)
    with django_assert_max_num_queries(8):
        response = client.get(COUNTS_URL, {"q": "medica"})
    assert response.status_code == 200
    assert response.context["total"] == 30
    assert "30" in response.content.decode()


def test_a_search_pages_forward_and_back_without_a_total(client, partner_user, make_deal):
    company = medica()
    for _ in range(26):
        make_deal(Deal.Status.SUBMITTED, **company)
    first = get(client, partner_user, q="medica")
    html = first.content.decode()
    assert len(rows(first)) == 25
    assert 'rel="next"' in html and 'rel="prev"' not in html
    assert "Page 1<" in html and "Page 1 of" not in html
    second = client.get(next_link(first))
    html = second.content.decode()
    assert len(rows(second)) == 1
    assert 'rel="prev"' in html and 'rel="next"' not in html
    assert "Page 2<" in html
    assert not set(row_ids(first)) & set(row_ids(second))
    # A page number without its cursor (an old link) shows the first page.
    assert len(rows(get(client, partner_user, q="medica", page="9"))) == 25


def test_a_distributors_own_list_does_not_repeat_its_name_in_a_column(
    client, partner_user, distributor_user, make_deal
):
    make_deal()
    partner_page = get(client, partner_user)
    assert partner_page.status_code == 200
    header = re.compile(r'<th scope="col">\s*Distributor\s*</th>')
    assert header.search(partner_page.content.decode())
    distributor_page = get(client, distributor_user)
    html = distributor_page.content.decode()
    assert distributor_page.status_code == 200 and 'data-testid="deals"' in html
    assert not header.search(html)
    name_cell = f'<td class="om-wide-only">{distributor_user.distributor.name}</td>'
    assert name_cell in table_rows(partner_page.content.decode())
    assert name_cell not in table_rows(html)
