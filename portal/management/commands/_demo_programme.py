"""The demo's partner programme: three tiers with a discount matrix, and decision rules —
one that approves small conflict-free Gold registrations, one that routes large ones to the
key-account queue, one that asks for two approvers on the largest (switched off)."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db.models import F

from portal import decision_rules, tallies
from portal.models import (
    Deal,
    DealHistory,
    DecisionRule,
    Partner,
    ProductFamily,
    ProgrammeTier,
    TierDiscount,
    User,
)

TIERS = [  # name, rank, default discount, highest a reviewer may give
    ("Registered", 1, "5", "10"),
    ("Silver", 2, "10", "20"),
    ("Gold", 3, "15", "30"),
]
MATRIX = {  # (tier, family): discount — the hardware premium of the higher tiers
    ("Silver", "Firewalls"): "14",
    ("Gold", "Firewalls"): "20",
    ("Gold", "Switching & Wireless"): "18",
}
KEY_ACCOUNTS = "Key accounts"


def seed_programme(partners: list[Partner], reviewer: User) -> dict[str, DecisionRule]:
    """Tiers, matrix and rules, each made once; the first partner is Gold, the second Silver."""
    tiers = {
        name: ProgrammeTier.objects.get_or_create(
            name=name,
            defaults={
                "rank": rank,
                "default_discount_percent": Decimal(default),
                "max_discount_percent": Decimal(top),
            },
        )[0]
        for name, rank, default, top in TIERS
    }
    for (tier, family), percent in MATRIX.items():
        family_row = ProductFamily.objects.filter(name=family).first()
        if family_row is not None:
            TierDiscount.objects.get_or_create(
                tier=tiers[tier], family=family_row, defaults={"discount_percent": percent}
            )
    for partner, tier in zip(partners, ["Gold", "Silver"], strict=False):
        if partner.tier_id is None:
            partner.tier = tiers[tier]
            partner.save(update_fields=["tier"])
    queue = Group.objects.get_or_create(name=KEY_ACCOUNTS)[0]
    reviewer.groups.add(queue)
    rules = {}
    for key, fields, m2m in [
        (
            "approve",
            {
                "name": "Small Gold registrations without conflict",
                "position": 10,
                "no_conflict": True,
                "max_value": Decimal(100000),
                "outcome": DecisionRule.Outcome.APPROVE,
                "is_active": True,
            },
            {"tiers": [tiers["Gold"]]},
        ),
        (
            "route",
            {
                "name": "Large registrations to the key-account queue",
                "position": 20,
                "min_value": Decimal(400000),
                "outcome": DecisionRule.Outcome.ROUTE,
                "route_to_queue": queue,
                "is_active": True,
            },
            {},
        ),
        (
            "second",
            {
                "name": "Two approvers above 1,000,000",
                "position": 30,
                "min_value": Decimal(1000000),
                "outcome": DecisionRule.Outcome.SECOND_APPROVER,
            },
            {},
        ),
    ]:
        rule, created = DecisionRule.objects.get_or_create(name=fields["name"], defaults=fields)
        if created:
            for name, rows in m2m.items():
                getattr(rule, name).set(rows)
            decision_rules.record_version(rule, by=reviewer)
        rules[key] = rule
    return rules


def spread_over_weeks(rng, weeks: int = 12) -> None:
    """The demo's finished deals move back over the last `weeks` weeks, each with a decision
    time a real queue has, so the dashboards have a history to draw; the deals still waiting
    keep their dates (and their decision clocks). The tallies are then counted again."""
    waiting = [Deal.Status.DRAFT, Deal.Status.SUBMITTED, Deal.Status.ACTION_REQUIRED]
    for deal in Deal.objects.exclude(status__in=waiting).order_by("pk"):
        back = datetime.timedelta(weeks=rng.randint(1, weeks - 1), hours=rng.randint(0, 72))
        moved = {
            name: F(name) - back
            for name in ["submitted_at", "decision_due_at", "approved_at", "decided_at"]
            if getattr(deal, name) is not None
        }
        hours = rng.choice([2, 3, 5, 8, 12, 16, 22, 30, 41, 55]) if deal.decided_at else None
        Deal.objects.filter(pk=deal.pk).update(**moved, decision_hours=hours)
        DealHistory.objects.filter(deal=deal).update(at=F("at") - back)
    tallies.rebuild()
