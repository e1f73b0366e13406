"""What a decision rule matches, as one SQL condition: the same condition decides a new
registration at submission (`workflow.submit`) and counts past ones in the dry run, so the
two cannot disagree.

A condition left empty holds for every registration. "No conflict" reads `Deal.conflicted`,
set at submission, so the dry run sees each past registration as the rule would have.
"""

import datetime
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import workflow
from portal.models import Deal, DealLine, DecisionRule, DecisionRuleVersion

logger = logging.getLogger(__name__)


def condition(rule: DecisionRule) -> Q:
    """The registrations `rule` matches, over `Deal`."""
    q = Q()
    if rule.no_conflict:
        q &= Q(conflicted=False)
    tiers = [t.pk for t in rule.tiers.all()]
    if tiers:
        q &= Q(tier_id__in=tiers)
    families = [f.pk for f in rule.families.all()]
    if families:
        other_family = DealLine.objects.filter(deal_id=OuterRef("pk")).exclude(
            product__family_id__in=families
        )
        q &= ~Exists(other_family)
    if rule.min_value is not None:
        q &= Q(estimated_value__gte=rule.min_value)
    if rule.max_value is not None:
        q &= Q(estimated_value__lte=rule.max_value)
    if rule.country_codes:
        q &= Q(customer__country__in=rule.country_codes)
    distributors = [d.pk for d in rule.distributors.all()]
    if distributors:
        q &= Q(distributor_id__in=distributors)
    return q


def active_rules() -> list[DecisionRule]:
    """The switched-on rules in the order they are tried, with what `condition` reads."""
    return list(
        DecisionRule.objects.filter(is_active=True)
        .select_related("route_to_reviewer", "route_to_queue")
        .prefetch_related("tiers", "families", "distributors")
    )


def first_match(deal: Deal) -> DecisionRule | None:
    """The first active rule whose condition holds for `deal`; one query per rule tried."""
    for rule in active_rules():
        if Deal.objects.filter(pk=deal.pk).filter(condition(rule)).exists():
            return rule
    return None


def definition(rule: DecisionRule) -> dict:
    """What a version records: the conditions and the outcome, ids of the related rows."""
    data = model_to_dict(rule, exclude=["id", "version", "is_active", "position"])
    for name in ("tiers", "families", "distributors"):
        data[name] = sorted(obj.pk for obj in data[name])
    for name in ("min_value", "max_value"):
        data[name] = None if data[name] is None else str(data[name])
    return data


def record_version(rule: DecisionRule, *, by) -> DecisionRuleVersion | None:
    """After a rule is saved: a new version when its definition changed (the first save
    is version 1); None when nothing that decides changed."""
    now = definition(rule)
    latest = rule.versions.order_by("-version").first()
    if latest is not None and latest.definition == now:
        return None
    if latest is not None:
        rule.version = latest.version + 1
        DecisionRule.objects.filter(pk=rule.pk).update(version=rule.version)
    return DecisionRuleVersion.objects.create(
        rule=rule, version=rule.version, definition=now, saved_by=by
    )


@dataclass
class DryRun:
    days: int
    since: datetime.datetime
    registrations: int  # submitted in the window
    matched: int  # that this rule would decide (no earlier active rule takes them)
    value: object
    by_status: list[tuple[str, str, int]]  # what reviewers actually decided of the matched
    sample: list[Deal]
    earlier: list[DecisionRule]


SAMPLE = 20


def dry_run(rule: DecisionRule, *, days: int, now=None) -> DryRun:
    """What `rule` would have decided over the registrations submitted in the last `days`,
    in its place in the order: the active rules before it take theirs first."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=days)
    window = Deal.objects.filter(submitted_at__gte=since, submitted_at__lt=now)
    earlier = [
        other
        for other in active_rules()
        if other.pk != rule.pk and (other.position, other.pk) < (rule.position, rule.pk)
    ]
    selects = condition(rule)
    for other in earlier:
        selects &= ~condition(other)
    # One pass over the window (an index-only scan at a million deals): every registration
    # counted, and those the rule would take, by what reviewers decided.
    rows = list(
        window.order_by()
        .values("status")
        .annotate(
            total=Count("pk"),
            n=Count("pk", filter=selects),
            value=Sum("estimated_value", filter=selects),
        )
    )
    labels = dict(Deal.Status.choices)
    by_status = sorted(
        ((row["status"], labels[row["status"]], row["n"]) for row in rows if row["n"]),
        key=lambda r: -r[2],
    )
    matched = window.filter(selects)
    return DryRun(
        days=days,
        since=since,
        registrations=sum(row["total"] for row in rows),
        matched=sum(n for _, _, n in by_status),
        value=sum((row["value"] or 0) for row in rows),
        by_status=by_status,
        sample=list(
            matched.select_related("partner", "customer").order_by("-submitted_at")[:SAMPLE]
        ),
        earlier=earlier,
    )


def decide(deal: Deal) -> DecisionRule | None:
    """At submission: the first active rule that matches decides `deal` through the
    workflow (approve with the matrix discount, route, or ask for a second approver). A
    rule that cannot (its approval refused) leaves the deal to the reviewers: logged, and
    the registration stands."""
    rule = first_match(deal)
    if rule is None:
        return None
    try:
        with transaction.atomic():
            carry_out(rule, deal)
    except (ValidationError, workflow.DealTransitionError):
        logger.exception("The rule %s could not decide deal %s", rule.pk, deal.pk)
        return None
    return rule


def carry_out(rule: DecisionRule, deal: Deal) -> None:
    said = {"rule": rule.name, "version": rule.version}
    Outcome = DecisionRule.Outcome
    if rule.outcome == Outcome.APPROVE:
        note = _("Approved automatically by the rule “%(rule)s” (version %(version)d).") % said
        workflow.approve(deal=deal, by=None, note=note, rule=rule)
    elif rule.outcome == Outcome.ROUTE:
        target = rule.route_to_reviewer or rule.route_to_queue
        note = _("Routed to %(target)s by the rule “%(rule)s” (version %(version)d).") % {
            **said,
            "target": target.get_full_name() or target.get_username()
            if rule.route_to_reviewer
            else target,
        }
        workflow.route(
            deal=deal,
            rule=rule,
            reviewer=rule.route_to_reviewer,
            queue=rule.route_to_queue,
            note=note,
        )
    else:
        note = (
            _("Needs the approval of two reviewers by the rule “%(rule)s” (version %(version)d).")
            % said
        )
        workflow.route(deal=deal, rule=rule, approvals_required=2, note=note)
