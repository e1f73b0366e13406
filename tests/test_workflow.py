"""Every transition, legal and illegal, through the one workflow module."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import action_required, sla, workflow
from portal.models import Deal, DealHistory, ReviewReason
from tests import factories

pytestmark = pytest.mark.django_db
S = Deal.Status

ALL_STATUSES = list(S)
TRANSITIONS = {
    # name: (function, kwargs-builder, statuses it is legal from, status it leads to)
    "submit": (workflow.submit, lambda d, r: {"by": d.registered_by}, {S.DRAFT}, S.SUBMITTED),
    "approve": (workflow.approve, lambda d, r: {"by": r}, {S.SUBMITTED}, S.APPROVED),
    "reject": (
        workflow.reject,
        lambda d, r: {"by": r, "reason": "No."},
        {S.SUBMITTED, S.ACTION_REQUIRED},
        S.REJECTED,
    ),
    "withdraw": (
        workflow.withdraw,
        lambda d, r: {"by": d.registered_by},
        {S.SUBMITTED, S.ACTION_REQUIRED},
        S.WITHDRAWN,
    ),
    "request_action": (
        action_required.request_action,
        lambda d, r: {
            "by": r,
            "reasons": ReviewReason.objects.filter(code="other"),
            "message": "More?",
        },
        {S.SUBMITTED},
        S.ACTION_REQUIRED,
    ),
    "resubmit": (
        action_required.resubmit,
        lambda d, r: {"by": d.registered_by, "changes": {}},
        {S.ACTION_REQUIRED},
        S.SUBMITTED,
    ),
    "lapse": (
        action_required.lapse,
        lambda d, r: {"by": None},
        {S.ACTION_REQUIRED},
        S.WITHDRAWN,
    ),
    "mark_won": (workflow.mark_won, lambda d, r: {"by": d.registered_by}, {S.APPROVED}, S.WON),
    "mark_lost": (workflow.mark_lost, lambda d, r: {"by": d.registered_by}, {S.APPROVED}, S.LOST),
    "expire": (
        workflow.expire,
        lambda d, r: {
            "today": (d.validity_end or timezone.localdate()) + datetime.timedelta(days=1)
        },
        {S.APPROVED},
        S.EXPIRED,
    ),
}


@pytest.mark.parametrize("name", TRANSITIONS)
@pytest.mark.parametrize("start", ALL_STATUSES)
def test_each_transition_is_legal_only_from_its_statuses(name, start, make_deal, reviewer):
    function, kwargs, legal_from, target = TRANSITIONS[name]
    deal = make_deal(start)
    history_before = deal.history.count()
    if start in legal_from:
        function(deal=deal, **kwargs(deal, reviewer))
        deal.refresh_from_db()
        assert deal.status == target
        last = deal.history.last()
        assert (last.from_status, last.to_status) == (start, target)
        assert deal.history.count() == history_before + 1
    else:
        with pytest.raises(workflow.DealTransitionError):
            function(deal=deal, **kwargs(deal, reviewer))
        deal.refresh_from_db()
        assert deal.status == start
        assert deal.history.count() == history_before


def test_submit_records_who_and_when_and_sets_the_decision_due_time(make_deal, partner_user):
    deal = make_deal(S.DRAFT)
    workflow.submit(deal=deal, by=partner_user)
    entry = DealHistory.objects.get(deal=deal)
    assert entry.by == partner_user
    assert (entry.from_status, entry.to_status) == (S.DRAFT, S.SUBMITTED)
    assert deal.submitted_at is not None
    assert deal.decision_due_at > deal.submitted_at


def test_submit_refuses_a_past_close_date_with_a_sentence(make_deal, partner_user):
    deal = make_deal(S.DRAFT, expected_close_date=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        workflow.submit(deal=deal, by=partner_user)
    assert exc.value.message_dict["expected_close_date"] == [
        "The expected close date must be in the future."
    ]
    deal.refresh_from_db()
    assert deal.status == S.DRAFT


def test_submit_refuses_an_inactive_product(make_deal, partner_user):
    deal = make_deal(S.DRAFT, lines=[factories.ProductFactory(is_active=False, name="Old box")])
    with pytest.raises(ValidationError, match="Old box"):
        workflow.submit(deal=deal, by=partner_user)


def test_submit_refuses_a_deal_without_products(make_deal, partner_user):
    deal = make_deal(S.DRAFT, lines=[])
    with pytest.raises(ValidationError, match="at least one product"):
        workflow.submit(deal=deal, by=partner_user)


def test_submit_refuses_a_contact_of_another_customer(make_deal, partner_user):
    deal = make_deal(S.DRAFT)
    Deal.objects.filter(pk=deal.pk).update(customer_contact=factories.CustomerContactFactory())
    with pytest.raises(ValidationError, match="another customer"):
        workflow.submit(deal=deal, by=partner_user)


def test_approval_issues_number_validity_and_default_discount(make_deal, reviewer, settings):
    settings.DEAL_VALIDITY_DAYS = 90
    settings.DEAL_DEFAULT_DISCOUNT_PERCENT = 12.5
    deal = make_deal(S.SUBMITTED)
    assert deal.deal_reg_number is None
    workflow.approve(deal=deal, by=reviewer)
    deal.refresh_from_db()
    year = timezone.localdate().year
    assert deal.deal_reg_number == f"DR-{year}-000001"
    assert deal.validity_end == timezone.localdate() + datetime.timedelta(days=90)
    assert deal.discount_percent == Decimal("12.5")


def test_reviewer_may_set_discount_and_validity(make_deal, reviewer):
    deal = make_deal(S.SUBMITTED)
    end = timezone.localdate() + datetime.timedelta(days=30)
    workflow.approve(deal=deal, by=reviewer, discount_percent=Decimal("7"), validity_end=end)
    deal.refresh_from_db()
    assert (deal.discount_percent, deal.validity_end) == (Decimal("7"), end)


def test_approval_refuses_a_discount_over_100(make_deal, reviewer):
    deal = make_deal(S.SUBMITTED)
    with pytest.raises(ValidationError):
        workflow.approve(deal=deal, by=reviewer, discount_percent=Decimal("150"))
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED and deal.deal_reg_number is None


def test_numbers_are_sequential_without_gaps(make_deal, reviewer):
    deals = [make_deal(S.SUBMITTED) for _ in range(3)]
    numbers = [workflow.approve(deal=d, by=reviewer).deal_reg_number for d in deals]
    year = timezone.localdate().year
    assert numbers == [f"DR-{year}-00000{i}" for i in (1, 2, 3)]


def test_a_rolled_back_approval_does_not_use_up_a_number(make_deal, reviewer):
    first, second = make_deal(S.SUBMITTED), make_deal(S.SUBMITTED)
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.approve(deal=first, by=reviewer)
        raise RuntimeError("the reviewer's request failed later")
    workflow.approve(deal=second, by=reviewer)
    assert second.deal_reg_number.endswith("-000001")


def test_number_stays_through_later_statuses(make_deal):
    for status in (S.EXPIRED, S.WON, S.LOST):
        deal = make_deal(status)
        deal.refresh_from_db()
        assert deal.deal_reg_number and deal.deal_reg_number.startswith("DR-")


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.REJECTED, S.WITHDRAWN])
def test_a_deal_never_approved_has_no_number(make_deal, status):
    deal = make_deal(status)
    deal.refresh_from_db()
    assert deal.deal_reg_number is None


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejection_requires_a_reason(make_deal, reviewer, reason):
    deal = make_deal(S.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        workflow.reject(deal=deal, by=reviewer, reason=reason)
    assert exc.value.message_dict["reason"] == ["Give the reason for the rejection."]
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED


def test_rejection_reason_is_kept_on_the_deal_and_in_history(make_deal, reviewer):
    deal = make_deal(S.SUBMITTED)
    workflow.reject(deal=deal, by=reviewer, reason="Customer already registered.")
    deal.refresh_from_db()
    assert deal.rejection_reason == "Customer already registered."
    assert deal.history.last().note == "Customer already registered."


def test_expire_refuses_a_deal_still_valid(make_deal):
    deal = make_deal(S.APPROVED)
    with pytest.raises(workflow.DealTransitionError, match="still valid"):
        workflow.expire(deal=deal, today=deal.validity_end)


@pytest.fixture
def announced():
    """The (from, to) pairs `workflow.status_changed` announces during the test."""
    seen = []

    def receiver(sender, deal, from_status, to_status, **kwargs):
        seen.append((from_status, to_status))

    workflow.status_changed.connect(receiver)
    yield seen
    workflow.status_changed.disconnect(receiver)


def test_status_changed_is_announced_only_after_commit(make_deal, reviewer, announced):
    deal = make_deal(S.SUBMITTED)
    announced.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.approve(deal=deal, by=reviewer)
        raise RuntimeError
    assert announced == []


@pytest.mark.django_db(transaction=True)
def test_status_changed_is_announced_after_a_committed_transition(make_deal, reviewer, announced):
    deal = make_deal(S.SUBMITTED)
    workflow.approve(deal=deal, by=reviewer)
    assert announced[-1] == (S.SUBMITTED, S.APPROVED)


def test_business_days_skip_the_weekend():
    friday = datetime.datetime(2026, 11, 27, 15, 0, tzinfo=datetime.UTC)
    assert sla.add_business_days(friday, 2) == datetime.datetime(
        2026, 12, 1, 15, 0, tzinfo=datetime.UTC
    )
    monday = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
    assert sla.add_business_days(monday, 2).day == 2
