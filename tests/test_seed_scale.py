"""seed_scale: a small data set that keeps every invariant of the real one."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min

from bench.management.commands.seed_scale import BENCH_DISTRIBUTOR, BENCH_PARTNER, BENCH_REVIEWER
from portal import workflow
from portal.models import (
    NUMBERED_STATUSES,
    Customer,
    Deal,
    DealHistory,
    DealLine,
    DealRegSequence,
    User,
)

pytestmark = pytest.mark.django_db

SMALL = {"deals": 600, "customers": 60, "partners": 8, "distributors": 3, "products": 12}


@pytest.fixture
def seeded():
    call_command("seed_scale", **SMALL, stdout=None)


def test_seed_makes_the_requested_numbers_of_deals_and_customers(seeded):
    assert Deal.objects.count() == 600
    assert Customer.objects.count() == 60
    assert all(c.contacts.exists() for c in Customer.objects.all())


def test_status_mix_looks_like_a_real_channel(seeded):
    counts = dict(Deal.objects.values_list("status").annotate(n=Count("pk")))
    approved_or_expired = counts.get("approved", 0) + counts.get("expired", 0)
    assert approved_or_expired > 600 / 2
    for status in ["submitted", "rejected", "withdrawn", "won", "lost"]:
        assert counts.get(status, 0) > 0, status


def test_deal_reg_numbers_exist_exactly_on_approved_deals_and_are_well_formed(seeded):
    numbered = Deal.objects.filter(status__in=[str(s) for s in NUMBERED_STATUSES])
    assert not numbered.filter(deal_reg_number__isnull=True).exists()
    assert not Deal.objects.exclude(pk__in=numbered).filter(deal_reg_number__isnull=False).exists()
    for number in numbered.values_list("deal_reg_number", flat=True):
        assert re.fullmatch(r"DR-\d{4}-\d{6}", number)


def test_every_deal_has_one_to_three_distinct_products_at_positions_one_to_three(seeded):
    per_deal = Deal.objects.annotate(
        n=Count("lines"),
        n_products=Count("lines__product", distinct=True),
        top=Max("lines__position"),
    )
    for deal in per_deal:
        assert 1 <= deal.n <= 3
        assert deal.n_products == deal.n
        assert deal.top == deal.n
    assert DealLine.objects.aggregate(low=Min("position"))["low"] == 1


def test_history_follows_each_status(seeded):
    for deal in Deal.objects.exclude(status="draft").prefetch_related("history")[:200]:
        steps = [(h.from_status, h.to_status) for h in deal.history.all()]
        assert steps[0] == ("draft", "submitted")
        assert steps[-1][1] == deal.status
    assert not DealHistory.objects.filter(deal__status="draft").exists()


def test_approved_deals_are_still_valid_and_expired_ones_are_not(seeded):
    from django.utils import timezone

    today = timezone.localdate()
    assert not Deal.objects.filter(status="approved", validity_end__lt=today).exists()
    assert not Deal.objects.filter(status="expired", validity_end__gte=today).exists()


def test_a_later_approval_continues_the_number_sequence(seeded):
    year = max(DealRegSequence.objects.values_list("year", flat=True))
    last = DealRegSequence.objects.get(year=year).last_value
    deal = Deal.objects.filter(status="submitted").first()
    reviewer = User.objects.get(username=BENCH_REVIEWER)
    workflow.approve(deal=deal, by=reviewer)
    assert deal.deal_reg_number == f"DR-{year}-{last + 1:06d}"
    assert (
        not Deal.objects.filter(deal_reg_number=deal.deal_reg_number).exclude(pk=deal.pk).exists()
    )


def test_bench_users_are_created_in_their_organisations(seeded):
    assert User.objects.get(username=BENCH_PARTNER).partner is not None
    assert User.objects.get(username=BENCH_DISTRIBUTOR).distributor is not None
    reviewer = User.objects.get(username=BENCH_REVIEWER)
    assert reviewer.has_perm("portal.review_deal")
    assert not reviewer.has_usable_password()


def test_seeding_twice_is_refused_without_append(seeded):
    with pytest.raises(CommandError, match="already has deals"):
        call_command("seed_scale", **SMALL)


def test_append_adds_deals_with_fresh_ids_and_numbers(seeded):
    call_command("seed_scale", **{**SMALL, "deals": 100, "customers": 10}, append=True)
    assert Deal.objects.count() == 700
    numbers = list(
        Deal.objects.exclude(deal_reg_number=None).values_list("deal_reg_number", flat=True)
    )
    assert len(numbers) == len(set(numbers))
