"""Per-product conflicts: in full for reviewers, without a trace of the other for partners."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from portal import conflicts, review_selectors
from portal.models import Deal, DealComment
from tests import factories


def partner_notice(deal):
    """What the deal's partner is told on its page: the date of the earlier registration."""
    return conflicts.with_conflict_since(Deal.objects.filter(pk=deal.pk)).get().conflict_since


pytestmark = pytest.mark.django_db
S = Deal.Status


@pytest.fixture
def rival(db):
    partner = factories.PartnerFactory(name="Rival Integrator Sp. z o.o.", tax_id="PL9990001112")
    return factories.PartnerUserFactory(partner=partner, username="rival", email="r@rival.example")


def rival_deal(make_deal, rival, status, customer, products, **kwargs):
    contact = factories.CustomerContactFactory(customer=customer)
    return make_deal(
        status,
        partner=rival.partner,
        registered_by=rival,
        customer=customer,
        customer_contact=contact,
        lines=products,
        **kwargs,
    )


def test_same_customer_and_a_common_product_is_a_conflict(make_deal, rival):
    shared, other = factories.ProductFactory(), factories.ProductFactory()
    theirs = rival_deal(make_deal, rival, S.APPROVED, factories.CustomerFactory(), [shared, other])
    mine = make_deal(S.SUBMITTED, customer=theirs.customer, lines=[shared])
    conflicts = review_selectors.conflicts_with_details(deal=mine)
    assert [c.pk for c in conflicts] == [theirs.pk]
    assert [line.product for line in conflicts[0].common_lines] == [shared]
    assert conflicts[0].came_first is True


def test_same_customer_with_different_products_is_no_conflict(make_deal, rival):
    theirs = rival_deal(
        make_deal, rival, S.SUBMITTED, factories.CustomerFactory(), [factories.ProductFactory()]
    )
    mine = make_deal(S.SUBMITTED, customer=theirs.customer)
    assert review_selectors.conflicts_with_details(deal=mine) == []
    assert partner_notice(mine) is None


def test_same_customer_typed_differently_is_the_same_customer(make_deal, rival):
    # The customer is one row per normalised tax ID, so "PL 111-222-33-49" finds it.
    customer = factories.CustomerFactory(tax_id="1112223349")
    product = factories.ProductFactory()
    theirs = rival_deal(make_deal, rival, S.SUBMITTED, customer, [product])
    assert factories.Customer.objects.get(tax_id_normalized="1112223349") == customer
    mine = make_deal(S.SUBMITTED, customer=customer, lines=[product])
    assert [c.pk for c in review_selectors.conflicts_with_details(deal=mine)] == [theirs.pk]


@pytest.mark.parametrize("status", [S.EXPIRED, S.REJECTED, S.WITHDRAWN, S.WON, S.LOST, S.DRAFT])
def test_finished_or_expired_deals_do_not_conflict(make_deal, rival, status):
    product = factories.ProductFactory()
    rival_deal(make_deal, rival, status, factories.CustomerFactory(), [product])
    theirs = Deal.objects.get(partner=rival.partner)
    mine = make_deal(S.SUBMITTED, customer=theirs.customer, lines=[product])
    assert review_selectors.conflicts_with_details(deal=mine) == []
    assert partner_notice(mine) is None


def test_approved_deal_past_its_validity_end_does_not_conflict_before_the_expiry_job(
    make_deal, rival
):
    product = factories.ProductFactory()
    theirs = rival_deal(make_deal, rival, S.APPROVED, factories.CustomerFactory(), [product])
    Deal.objects.filter(pk=theirs.pk).update(
        validity_end=timezone.localdate() - datetime.timedelta(days=1)
    )
    mine = make_deal(S.SUBMITTED, customer=theirs.customer, lines=[product])
    assert review_selectors.conflicts_with_details(deal=mine) == []


def test_own_partners_other_deal_is_no_conflict(make_deal):
    product = factories.ProductFactory()
    first = make_deal(S.SUBMITTED, lines=[product])
    second = make_deal(S.SUBMITTED, customer=first.customer, lines=[product])
    assert review_selectors.conflicts_with_details(deal=second) == []


def test_partner_notice_gives_only_the_earliest_date(make_deal, rival, partner_user):
    product = factories.ProductFactory()
    customer = factories.CustomerFactory()
    first = rival_deal(make_deal, rival, S.APPROVED, customer, [product])
    rival_deal(make_deal, rival, S.SUBMITTED, customer, [product])
    since = conflicts.conflict_notice_for_partner(
        customer_id=customer.pk, product_ids=[product.pk], partner_id=partner_user.partner_id
    )
    assert isinstance(since, datetime.datetime)
    assert since == Deal.objects.get(pk=first.pk).submitted_at


def test_partner_notice_is_none_for_the_registering_partner_itself(make_deal, rival):
    product = factories.ProductFactory()
    theirs = rival_deal(make_deal, rival, S.SUBMITTED, factories.CustomerFactory(), [product])
    assert (
        conflicts.conflict_notice_for_partner(
            customer_id=theirs.customer_id, product_ids=[product.pk], partner_id=rival.partner_id
        )
        is None
    )


def test_reviewer_sees_each_conflict_with_partner_status_products_and_order(
    client, reviewer, make_deal, rival
):
    shared = factories.ProductFactory(name="Next-Gen Firewall 400", sku="NGFW-400")
    not_shared = factories.ProductFactory(name="Access Switch 24", sku="SW-24P")
    theirs = rival_deal(
        make_deal, rival, S.APPROVED, factories.CustomerFactory(), [shared, not_shared]
    )
    mine = make_deal(S.SUBMITTED, customer=theirs.customer, lines=[shared])
    client.force_login(reviewer)
    html = client.get(reverse("admin:portal_deal_change", args=[mine.pk])).content.decode()
    assert "Rival Integrator" in html and theirs.deal_reg_number in html
    assert "Approved" in html
    assert "in common" in html and "NGFW-400" in html
    conflict_line = html[html.index('<div class="conflict">') :]
    conflict_line = conflict_line[: conflict_line.index("</div>")]
    assert "NGFW-400" in conflict_line and "SW-24P" not in conflict_line
    assert "registered first (before this deal)" in html
    # And from the other side, the later one is marked as such.
    html = client.get(reverse("admin:portal_deal_change", args=[theirs.pk])).content.decode()
    assert "registered after this deal" in html


def test_queue_flags_conflicts_without_a_query_per_row(
    client, reviewer, make_deal, rival, django_assert_max_num_queries
):
    for _ in range(6):
        product = factories.ProductFactory()
        theirs = rival_deal(make_deal, rival, S.SUBMITTED, factories.CustomerFactory(), [product])
        make_deal(S.SUBMITTED, customer=theirs.customer, lines=[product])
    quiet = make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    url = reverse("admin:portal_deal_changelist")
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    rows = {d.pk: d.conflict_count for d in response.context["cl"].result_list}
    assert rows[quiet.pk] == 0
    assert sum(1 for n in rows.values() if n == 1) == 12
    assert response.content.decode().count('class="conflict-flag"') == 12
    flagged = client.get(url, {"conflicts": "yes"}).context["cl"].result_list
    assert quiet.pk not in {d.pk for d in flagged} and len(flagged) == 12


def test_reject_as_duplicate_is_one_click_with_the_reason_filled_in(
    client, reviewer, make_deal, rival
):
    product = factories.ProductFactory()
    theirs = rival_deal(make_deal, rival, S.APPROVED, factories.CustomerFactory(), [product])
    mine = make_deal(S.SUBMITTED, customer=theirs.customer, lines=[product])
    client.force_login(reviewer)
    html = client.get(reverse("admin:portal_deal_change", args=[mine.pk])).content.decode()
    url = reverse("admin:portal_deal_reject_duplicate", args=[mine.pk])
    assert url in html
    response = client.post(url, follow=True)
    assert "Deal rejected as a duplicate" in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == S.REJECTED
    since = date_format(timezone.localtime(Deal.objects.get(pk=theirs.pk).submitted_at).date())
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", since)  # 3 Dec 2026: the page's format
    assert mine.rejection_reason == (
        "Duplicate registration: this customer and product were already registered "
        f"by another partner on {since}."
    )
    # The partner reads the reason: it names neither the other partner nor their deal.
    assert "Rival" not in mine.rejection_reason
    assert theirs.deal_reg_number not in mine.rejection_reason
    # The reviewers keep which deal it duplicated, as an internal note.
    note = DealComment.objects.get(deal=mine)
    assert note.is_internal and theirs.deal_reg_number in note.body


def test_reject_as_duplicate_is_not_offered_to_the_earlier_registration(
    client, reviewer, make_deal, rival
):
    product = factories.ProductFactory()
    mine = make_deal(S.SUBMITTED, lines=[product])
    rival_deal(make_deal, rival, S.SUBMITTED, mine.customer, [product])
    client.force_login(reviewer)
    html = client.get(reverse("admin:portal_deal_change", args=[mine.pk])).content.decode()
    assert "reject-duplicate" not in html
    client.post(reverse("admin:portal_deal_reject_duplicate", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.status == S.SUBMITTED


def test_staff_without_the_permission_cannot_reject_as_duplicate(
    client, staff_without_permission, make_deal, rival
):
    product = factories.ProductFactory()
    theirs = rival_deal(make_deal, rival, S.SUBMITTED, factories.CustomerFactory(), [product])
    mine = make_deal(S.SUBMITTED, customer=theirs.customer, lines=[product])
    client.force_login(staff_without_permission)
    response = client.post(reverse("admin:portal_deal_reject_duplicate", args=[mine.pk]))
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.status == S.SUBMITTED
