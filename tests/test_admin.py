"""The reviewers' admin: the queue, approve / reject, permission, conflict warning."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from portal.models import Deal, ReviewReason
from tests import factories
from tests.factories import approve_form

pytestmark = pytest.mark.django_db
S = Deal.Status


def other_reason() -> int:
    return ReviewReason.objects.get(code="other").pk


def test_reviewers_group_holds_the_review_permission(reviewer):
    group = Group.objects.get(name="Vendor reviewers")
    assert group.permissions.filter(codename="review_deal").exists()
    assert reviewer.has_perm("portal.review_deal")


def test_reviewer_lands_on_the_queue_and_may_list_every_status(client, reviewer, make_deal):
    approved = make_deal(S.APPROVED)
    submitted = make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    response = client.get(reverse("admin:portal_deal_changelist"))
    assert response.status_code == 200
    assert [d.pk for d in response.context["cl"].result_list] == [submitted.pk]
    html = client.get(reverse("admin:portal_deal_changelist"), {"status": "all"}).content.decode()
    assert approved.deal_reg_number in html
    assert submitted.customer.name in html
    assert "Submitted" in html and "Approved" in html


def test_queue_filters_by_status_and_searches_by_tax_id(client, reviewer, make_deal):
    approved = make_deal(S.APPROVED)
    submitted = make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    url = reverse("admin:portal_deal_changelist")
    html = client.get(url, {"status": "submitted"}).content.decode()
    assert submitted.customer.name in html and approved.customer.name not in html
    html = client.get(url, {"q": submitted.customer.tax_id_normalized}).content.decode()
    assert submitted.customer.name in html and approved.customer.name not in html
    html = client.get(url, {"q": approved.deal_reg_number}).content.decode()
    assert approved.customer.name in html and submitted.customer.name not in html


def test_change_page_offers_approve_and_reject_for_a_submitted_deal(client, reviewer, make_deal):
    deal = make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    html = client.get(reverse("admin:portal_deal_change", args=[deal.pk])).content.decode()
    assert reverse("admin:portal_deal_approve", args=[deal.pk]) in html
    assert reverse("admin:portal_deal_reject", args=[deal.pk]) in html
    # Partner-entered fields are shown, not editable.
    assert 'name="next_steps"' not in html


def test_reviewer_approves_from_the_deal_page(client, reviewer, make_deal):
    deal = make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    url = reverse("admin:portal_deal_approve", args=[deal.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, approve_form(deal, "15", validity_end="2031-12-31"))
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == S.APPROVED
    assert str(deal.discount_percent) == "15.00"
    assert str(deal.validity_end) == "2031-12-31"
    assert deal.history.last().by == reviewer


def test_approval_with_a_bad_discount_shows_the_error_and_changes_nothing(
    client, reviewer, make_deal
):
    deal = make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:portal_deal_approve", args=[deal.pk]),
        approve_form(deal, "120", validity_end="2031-12-31"),
    )
    assert response.status_code == 200
    assert "less than or equal to 100" in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED


def test_reviewer_rejects_with_a_reason(client, reviewer, make_deal):
    deal = make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    url = reverse("admin:portal_deal_reject", args=[deal.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED
    client.post(
        url, {"reason": "Registered by another partner first.", "reason_code": other_reason()}
    )
    deal.refresh_from_db()
    assert deal.status == S.REJECTED
    assert deal.rejection_reason == "Registered by another partner first."


def test_approving_a_deal_no_longer_submitted_is_refused_with_a_message(
    client, reviewer, make_deal
):
    deal = make_deal(S.WITHDRAWN)
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:portal_deal_approve", args=[deal.pk]),
        approve_form(deal, "10", validity_end="2031-12-31"),
        follow=True,
    )
    assert "Cannot approve a deal that is Withdrawn" in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == S.WITHDRAWN


@pytest.mark.parametrize("view", ["approve", "reject"])
def test_staff_without_the_permission_cannot_approve_or_reject(
    client, staff_without_permission, make_deal, view
):
    staff_without_permission.user_permissions.add(Permission.objects.get(codename="view_deal"))
    deal = make_deal(S.SUBMITTED)
    client.force_login(staff_without_permission)
    url = reverse(f"admin:portal_deal_{view}", args=[deal.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"reason": "x", "discount_percent": "1", "validity_end": "2031-01-01"}
    )
    assert response.status_code == 403
    html = client.get(reverse("admin:portal_deal_change", args=[deal.pk])).content.decode()
    assert reverse(f"admin:portal_deal_{view}", args=[deal.pk]) not in html
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED


def test_bulk_approve_reports_done_and_refused(client, reviewer, make_deal):
    submitted, withdrawn = make_deal(S.SUBMITTED), make_deal(S.WITHDRAWN)
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:portal_deal_changelist") + "?status=all",  # as listed: every status
        {"action": "approve_selected", "_selected_action": [submitted.pk, withdrawn.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "1 deal approved" in html
    assert "was not changed: Cannot approve a deal that is Withdrawn" in html
    submitted.refresh_from_db()
    withdrawn.refresh_from_db()
    assert (submitted.status, withdrawn.status) == (S.APPROVED, S.WITHDRAWN)


def test_bulk_reject_asks_for_one_reason_then_rejects(client, reviewer, make_deal):
    first, second = make_deal(S.SUBMITTED), make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    url = reverse("admin:portal_deal_changelist")
    selection = {"action": "reject_selected", "_selected_action": [first.pk, second.pk]}
    response = client.post(url, selection)
    assert "Reject these deals with one reason" in response.content.decode()
    response = client.post(url, {**selection, "apply": "1", "reason": ""})
    assert "This field is required" in response.content.decode()
    client.post(
        url,
        {**selection, "apply": "1", "reason": "Out of territory.", "reason_code": other_reason()},
        follow=True,
    )
    for deal in (first, second):
        deal.refresh_from_db()
        assert (deal.status, deal.rejection_reason) == (S.REJECTED, "Out of territory.")


def test_bulk_actions_are_hidden_from_staff_without_the_permission(
    client, staff_without_permission, make_deal
):
    staff_without_permission.user_permissions.add(Permission.objects.get(codename="view_deal"))
    deal = make_deal(S.SUBMITTED)
    client.force_login(staff_without_permission)
    response = client.post(
        reverse("admin:portal_deal_changelist"),
        {"action": "approve_selected", "_selected_action": [deal.pk]},
    )
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED
    assert response.status_code in (200, 302)


def test_conflict_warning_names_the_other_partners_overlapping_deal(client, reviewer, make_deal):
    product = factories.ProductFactory()
    mine = make_deal(S.SUBMITTED, lines=[product])
    other_partner = factories.PartnerFactory(name="Rival Integrator")
    other = make_deal(
        S.APPROVED,
        partner=other_partner,
        registered_by=factories.PartnerUserFactory(partner=other_partner),
        customer=mine.customer,
        customer_contact=mine.customer_contact,
        lines=[product, factories.ProductFactory()],
    )
    client.force_login(reviewer)
    html = client.get(reverse("admin:portal_deal_change", args=[mine.pk])).content.decode()
    assert "Conflict" in html
    assert "Rival Integrator" in html and other.deal_reg_number in html


def test_no_conflict_for_same_customer_with_other_products(client, reviewer, make_deal):
    mine = make_deal(S.SUBMITTED)
    other_partner = factories.PartnerFactory()
    make_deal(
        S.SUBMITTED,
        partner=other_partner,
        registered_by=factories.PartnerUserFactory(partner=other_partner),
        customer=mine.customer,
        customer_contact=mine.customer_contact,
    )
    client.force_login(reviewer)
    html = client.get(reverse("admin:portal_deal_change", args=[mine.pk])).content.decode()
    assert "Conflict" not in html


@pytest.mark.parametrize(
    "model", ["product", "customer", "partner", "distributor", "competitor", "customercontact"]
)
def test_catalogue_and_organisation_pages_have_search(client, reviewer, model):
    client.force_login(reviewer)
    response = client.get(reverse(f"admin:portal_{model}_changelist"), {"q": "x"})
    assert response.status_code == 200
    assert 'id="searchbar"' in response.content.decode()


def test_partner_staff_cannot_reach_the_admin(client, partner_user):
    client.force_login(partner_user)
    response = client.get(reverse("admin:portal_deal_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("many", [False, True], ids=["a few deals", "many deals"])
def test_a_search_by_a_partners_name_finds_its_deals_and_the_customers_of_that_name(
    client, reviewer, make_deal, monkeypatch, many
):
    # A partner with many deals is matched on the deal's row, one with a few in the UNION
    # of the other matches: the same deals either way, with a status filter or without.
    from portal import filters

    monkeypatch.setattr(filters, "MANY_PARTNER_DEALS", 1 if many else 5_000)
    zebra = factories.PartnerFactory(name="Zebra Networks")
    theirs = make_deal(S.SUBMITTED, partner=zebra)
    approved_theirs = make_deal(S.APPROVED, partner=zebra)
    named_customer = make_deal(S.SUBMITTED, customer=factories.CustomerFactory(name="Zebra Zoo"))
    other = make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    url = reverse("admin:portal_deal_changelist")

    def found(**params):
        response = client.get(url, {"q": "zebra", **params})
        assert response.status_code == 200
        return {deal.pk for deal in response.context["cl"].result_list}

    assert found() == {theirs.pk, approved_theirs.pk, named_customer.pk}  # every status
    assert found(status="submitted") == {theirs.pk, named_customer.pk}
    assert found(status="approved") == {approved_theirs.pk}
    assert other.pk not in found(status="all")
    assert "Zebra Networks" in client.get(url, {"q": "zebra"}).content.decode()
