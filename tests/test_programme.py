"""The partner programme: tiers and the discount matrix, decision rules (each condition, each
outcome, their order, the second approver) and the dry run."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal import decision_rules, workflow
from portal.models import (
    Deal,
    DealHistory,
    DecisionRule,
    ProgrammeTier,
    TierDiscount,
)
from tests import factories
from tests.factories import approve_form

pytestmark = pytest.mark.django_db
S = Deal.Status


@pytest.fixture
def gold(partner_user):
    tier = ProgrammeTier.objects.create(
        name="Gold", rank=3, default_discount_percent=15, max_discount_percent=30
    )
    partner_user.partner.tier = tier
    partner_user.partner.save()
    return tier


@pytest.fixture
def families():
    return {
        name: factories.ProductFamilyFactory(name=name)
        for name in ["Firewalls", "Switches", "Licences"]
    }


def product(family):
    return factories.ProductFactory(family=family)


def test_each_line_gets_the_matrix_discount_of_its_tier_and_family(
    make_deal, gold, families, reviewer
):
    TierDiscount.objects.create(tier=gold, family=families["Firewalls"], discount_percent=20)
    TierDiscount.objects.create(tier=gold, family=families["Switches"], discount_percent=18)
    deal = make_deal(
        S.SUBMITTED,
        lines=[product(families["Firewalls"]), product(families["Switches"]),
               product(families["Licences"])],
    )  # fmt: skip
    assert deal.tier == gold  # the tier is the partner's at submission
    workflow.approve(deal=deal, by=reviewer)
    got = [line.discount_percent for line in deal.lines.order_by("position")]
    # Licences are not in the matrix: the tier's own default.
    assert got == [Decimal("20"), Decimal("18"), Decimal("15")]
    deal.refresh_from_db()
    assert deal.discount_percent is None  # no single discount: it is per line


def test_a_partner_in_no_tier_gets_the_default_discount(make_deal, reviewer, settings):
    settings.DEAL_DEFAULT_DISCOUNT_PERCENT = 7.5
    deal = make_deal(S.APPROVED)
    assert deal.discount_percent == Decimal("7.5")
    assert [line.discount_percent for line in deal.lines.all()] == [Decimal("7.5")]


def test_a_tier_change_after_submission_does_not_change_the_deals_tier(
    make_deal, gold, partner_user, reviewer
):
    deal = make_deal(S.SUBMITTED)
    silver = ProgrammeTier.objects.create(
        name="Silver", rank=2, default_discount_percent=10, max_discount_percent=20
    )
    partner_user.partner.tier = silver
    partner_user.partner.save()
    workflow.approve(deal=deal, by=reviewer)
    assert deal.lines.get().discount_percent == Decimal("15")  # Gold's, as registered


def test_a_reviewer_overrides_within_the_tier_bound_and_is_refused_above(
    client, make_deal, gold, reviewer
):
    deal = make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    url = reverse("admin:portal_deal_approve", args=[deal.pk])
    page = client.get(url).content.decode()
    assert "The matrix gives 15%; at most 30% for Gold." in page
    refused = client.post(url, approve_form(deal, "31", validity_end="2031-12-31", note="Hi"))
    assert refused.status_code == 200
    assert "Gold partners get at most 30% on a registered deal." in refused.content.decode()
    assert 'value="31"' in refused.content.decode()  # the input is kept
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED and deal.deal_reg_number is None
    done = client.post(url, approve_form(deal, "30", validity_end="2031-12-31"))
    assert done.status_code == 302
    assert deal.lines.get().discount_percent == Decimal("30")


def test_the_deal_page_and_the_approval_email_show_the_discount_per_line(
    client,
    make_deal,
    gold,
    families,
    partner_user,
    reviewer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    TierDiscount.objects.create(tier=gold, family=families["Firewalls"], discount_percent=20)
    firewall = product(families["Firewalls"])
    deal = make_deal(S.SUBMITTED, lines=[firewall, product(families["Licences"])])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(deal=deal, by=reviewer)
    client.force_login(partner_user)
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert page.count('data-testid="line-discount"') == 2
    assert ">20%<" in page and ">15%<" in page
    body = next(m for m in mailoutbox if "Approved" in m.body).body
    assert f"{firewall.name} (discount 20%)" in body


def rule(**fields) -> DecisionRule:
    m2m = {k: fields.pop(k) for k in ("tiers", "families", "distributors") if k in fields}
    fields.setdefault("outcome", DecisionRule.Outcome.APPROVE)
    fields.setdefault("is_active", True)
    made = DecisionRule.objects.create(name=fields.pop("name", "Rule"), **fields)
    for name, rows in m2m.items():
        getattr(made, name).set(rows)
    decision_rules.record_version(made, by=None)
    return made


@pytest.fixture
def conflicted(make_deal, make_other_deal):
    """A submitted deal that another partner's earlier live registration overlaps."""
    customer = factories.CustomerFactory()
    shared = factories.ProductFactory()
    make_other_deal(S.SUBMITTED, customer=customer, lines=[shared])
    return make_deal(S.SUBMITTED, customer=customer, lines=[shared])


@pytest.mark.parametrize(
    "condition, matches",
    [
        ("no_conflict", False),
        ("tier", True),
        ("other_tier", False),
        ("family", True),
        ("other_family", False),
        ("value_in_range", True),
        ("value_too_high", False),
        ("country", True),
        ("other_country", False),
        ("distributor", True),
        ("other_distributor", False),
    ],
)
def test_each_condition_decides_whether_a_rule_matches(
    conflicted, gold, families, distributor_user, other_distributor_user, condition, matches
):
    deal = conflicted
    deal.estimated_value = Decimal("50000")
    deal.save()
    Deal.objects.filter(pk=deal.pk).update(tier=gold)
    silver = ProgrammeTier.objects.create(
        name="Silver", rank=2, default_discount_percent=10, max_discount_percent=20
    )
    family = deal.lines.get().product.family
    fields = {
        "no_conflict": {"no_conflict": True},
        "tier": {"tiers": [gold]},
        "other_tier": {"tiers": [silver]},
        "family": {"families": [family]},
        "other_family": {"families": [families["Licences"]]},
        "value_in_range": {"min_value": 10000, "max_value": 50000},
        "value_too_high": {"min_value": 50001},
        "country": {"countries": "PL, CZ"},
        "other_country": {"countries": "DE"},
        "distributor": {"distributors": [distributor_user.distributor]},
        "other_distributor": {"distributors": [other_distributor_user.distributor]},
    }[condition]
    made = rule(**fields)
    assert deal.conflicted  # the fixture's overlap was seen at submission
    assert (decision_rules.first_match(deal) == made) is matches


def test_a_rule_with_no_value_bound_matches_a_deal_without_a_value(make_deal):
    made = rule(max_value=None)
    assert decision_rules.first_match(make_deal(S.SUBMITTED, estimated_value=None)) == made
    rule(name="Bounded", max_value=100, position=1)
    assert decision_rules.first_match(make_deal(S.SUBMITTED, estimated_value=None)) == made


def test_an_approving_rule_approves_through_the_workflow_and_records_itself(make_deal, gold):
    made = rule(name="Small Gold", tiers=[gold], max_value=100000)
    deal = make_deal(S.SUBMITTED, estimated_value=Decimal("90000"))
    assert decision_rules.decide(deal) == made
    deal.refresh_from_db()
    assert deal.status == S.APPROVED and deal.deal_reg_number
    assert deal.lines.get().discount_percent == Decimal("15")  # the matrix's (tier default)
    entry = deal.history.get(to_status=S.APPROVED)
    assert (entry.by, entry.rule, entry.rule_version) == (None, made, 1)
    assert "Small Gold" in entry.note and "version 1" in entry.note
    assert deal.decision_hours == 0


def test_a_routing_rule_assigns_the_queue_and_the_admin_filters_it(client, make_deal, reviewer):
    queue = Group.objects.create(name="Key accounts")
    reviewer.groups.add(queue)
    made = rule(outcome=DecisionRule.Outcome.ROUTE, route_to_queue=queue, min_value=400000)
    routed = make_deal(S.SUBMITTED, estimated_value=Decimal("450000"))
    other = make_deal(S.SUBMITTED, estimated_value=Decimal("1000"))
    assert decision_rules.decide(routed) == made
    assert decision_rules.decide(other) is None
    routed.refresh_from_db()
    assert routed.status == S.SUBMITTED and routed.assigned_queue == queue
    entry = routed.history.get(kind=DealHistory.Kind.ROUTED)
    assert entry.rule == made and "Key accounts" in entry.note
    client.force_login(reviewer)
    page = client.get(reverse("admin:portal_deal_changelist") + "?routed=me").content.decode()
    assert routed.name in page and other.name not in page


def test_the_second_approver_path(make_deal, reviewer):
    rule(outcome=DecisionRule.Outcome.SECOND_APPROVER, min_value=1000000)
    deal = make_deal(S.SUBMITTED, estimated_value=Decimal("2000000"))
    decision_rules.decide(deal)
    workflow.approve(deal=deal, by=reviewer)
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED and deal.first_approved_by == reviewer
    assert deal.history.filter(kind=DealHistory.Kind.FIRST_APPROVAL, by=reviewer).exists()
    with pytest.raises(workflow.DealTransitionError, match="another reviewer"):
        workflow.approve(deal=deal, by=reviewer)
    second = factories.ReviewerFactory()
    workflow.approve(deal=deal, by=second)
    deal.refresh_from_db()
    assert deal.status == S.APPROVED and deal.history.last().by == second


def test_the_second_approver_page_says_the_first_approval_is_recorded(client, make_deal, reviewer):
    deal = make_deal(S.SUBMITTED)
    Deal.objects.filter(pk=deal.pk).update(approvals_required=2)
    client.force_login(reviewer)
    url = reverse("admin:portal_deal_approve", args=[deal.pk])
    done = client.post(url, approve_form(deal, "10", validity_end="2031-12-31"), follow=True)
    assert "First approval recorded" in done.content.decode()
    assert Deal.objects.get(pk=deal.pk).status == S.SUBMITTED


def test_rules_are_tried_in_order_and_the_first_match_decides(make_deal):
    later = rule(name="Later", position=20)
    first = rule(name="First", position=10, outcome=DecisionRule.Outcome.SECOND_APPROVER)
    rule(name="Switched off", position=1, is_active=False)
    deal = make_deal(S.SUBMITTED)
    assert decision_rules.decide(deal) == first
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED and deal.approvals_required == 2
    first.is_active = False
    first.save()
    assert decision_rules.first_match(deal) == later


def test_a_registration_through_the_wizard_is_decided_by_the_rules(client, partner_user, catalogue):
    from tests.wizard_steps import register

    rule(name="Everything")
    client.force_login(partner_user)
    assert register(client, catalogue).status_code == 302
    deal = Deal.objects.get(partner=partner_user.partner)
    assert deal.status == S.APPROVED and deal.history.last().rule.name == "Everything"


def test_changing_what_a_rule_decides_makes_a_new_version(client, reviewer, gold):
    made = rule(name="Small", max_value=1000)
    client.force_login(reviewer)
    url = reverse("admin:portal_decisionrule_change", args=[made.pk])
    data = {
        "name": "Small",
        "position": "10",
        "max_value": "2000",
        "outcome": "approve",
        "countries": "pl",
        "tiers": [gold.pk],
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "1",
    }
    assert client.post(url, data).status_code == 302
    made.refresh_from_db()
    assert made.version == 2 and made.countries == "PL"
    assert made.versions.get(version=2).definition["tiers"] == [gold.pk]
    data["position"] = "5"  # the order is not the definition
    assert client.post(url, data).status_code == 302
    assert DecisionRule.objects.get(pk=made.pk).version == 2


def test_a_rule_form_refuses_routing_to_nobody_and_bad_countries(client, reviewer):
    client.force_login(reviewer)
    page = client.post(
        reverse("admin:portal_decisionrule_add"),
        {"name": "Route", "position": "1", "outcome": "route", "countries": "Poland"},
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "choose exactly one" in html and "Use two-letter country codes" in html
    assert not DecisionRule.objects.exists()


def test_the_dry_run_counts_what_the_rule_would_have_decided(client, make_deal, reviewer):
    now = timezone.now()
    made = rule(name="Up to 100k", max_value=100000, is_active=False)
    earlier = rule(name="Tiny first", position=1, max_value=1000)
    plan = [  # value, what reviewers did, days ago
        (50000, S.APPROVED, 2),
        (60000, S.REJECTED, 3),
        (70000, S.SUBMITTED, 5),
        (500, S.APPROVED, 4),  # the earlier active rule takes it
        (900000, S.APPROVED, 6),  # above the bound
        (40000, S.APPROVED, 40),  # outside the window
    ]
    for value, status, days in plan:
        deal = make_deal(status, estimated_value=Decimal(value))
        Deal.objects.filter(pk=deal.pk).update(submitted_at=now - datetime.timedelta(days=days))
    run = decision_rules.dry_run(made, days=30, now=now)
    assert run.registrations == 5
    assert run.matched == 3
    assert {code: n for code, _label, n in run.by_status} == {
        S.APPROVED: 1,
        S.REJECTED: 1,
        S.SUBMITTED: 1,
    }
    assert run.value == Decimal("180000")
    assert run.earlier == [earlier]
    client.force_login(reviewer)
    page = client.get(reverse("admin:portal_decisionrule_dry_run", args=[made.pk]) + "?days=30")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Of the 5 registrations submitted in the last 30 days" in html
    assert "would have decided 3" in html and "Tiny first" in html
    bad = client.get(reverse("admin:portal_decisionrule_dry_run", args=[made.pk]) + "?days=x")
    assert bad.status_code == 200 and "last 30 days" in bad.content.decode()


def test_workflow_refuses_a_discount_out_of_range(make_deal, reviewer):
    deal = make_deal(S.SUBMITTED)
    with pytest.raises(ValidationError):
        workflow.approve(deal=deal, by=reviewer, discount_percent=Decimal("150"))


def test_where_a_rule_routed_a_deal_is_the_vendors_to_see(
    client, make_deal, partner_user, reviewer
):
    queue = Group.objects.create(name="Key accounts")
    rule(outcome=DecisionRule.Outcome.ROUTE, route_to_queue=queue)
    deal = make_deal(S.SUBMITTED)
    decision_rules.decide(deal)
    url = reverse("portal:deal_detail", args=[deal.pk])
    client.force_login(reviewer)
    assert "Routed to Key accounts" in client.get(url).content.decode()
    client.force_login(partner_user)
    page = client.get(url)
    assert page.status_code == 200 and "Key accounts" not in page.content.decode()


def test_a_rule_that_cannot_approve_leaves_the_registration_to_the_reviewers(
    client, partner_user, catalogue, settings
):
    from tests.wizard_steps import register

    settings.DEAL_VALIDITY_DAYS = 100_000  # the default end would be past the latest date
    rule(name="Everything")
    client.force_login(partner_user)
    assert register(client, catalogue).status_code == 302
    deal = Deal.objects.get(partner=partner_user.partner)
    assert deal.status == S.SUBMITTED and deal.deal_reg_number is None
