"""The rulebook: the transitions table is what the workflow enforces, and `portal.access`
is the one definition of each role."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal import access, workflow
from portal.models import Deal, DealHistory
from portal.roles import REVIEWERS_GROUP
from portal.views.deals import ACTIONS
from portal.workflow import TRANSITIONS, Actor
from tests import factories

pytestmark = pytest.mark.django_db
S = Deal.Status

# What each transition needs besides the deal and who does it.
ARGUMENTS = {
    "reject": {"reason": "Not a fit."},
    "expire": {"today": datetime.date(9999, 1, 1)},
    "extend": {},
}


def call(name: str, deal: Deal, by):
    return getattr(workflow, name)(deal=deal, by=by, **ARGUMENTS.get(name, {}))


@pytest.mark.parametrize("name", list(TRANSITIONS))
@pytest.mark.parametrize("status", S.values)
def test_the_workflow_allows_a_transition_exactly_from_its_source_statuses(
    make_deal, reviewer, name, status
):
    deal = make_deal(status)
    allowed = TRANSITIONS[name].allows(status)
    if not allowed:
        with pytest.raises(workflow.DealTransitionError):
            call(name, deal, reviewer)
        assert Deal.objects.get(pk=deal.pk).status == status
        return
    try:
        call(name, deal, reviewer)
    except ValidationError:
        # A legal move refused on its data (e.g. the submission check): not a status rule.
        return
    deal.refresh_from_db()
    assert deal.status == TRANSITIONS[name].target
    assert deal.history.last().kind == TRANSITIONS[name].kind


def test_an_extension_is_a_history_entry_of_its_own_kind(make_deal, reviewer):
    deal = make_deal(S.APPROVED)
    workflow.extend(deal=deal, by=reviewer)
    kinds = list(deal.history.values_list("kind", flat=True))
    assert kinds == [DealHistory.Kind.STATUS] * 2 + [DealHistory.Kind.EXTENSION]
    assert workflow.extensions_used(deal) == 1


def test_the_default_extension_end_is_one_rule(make_deal, reviewer, settings):
    settings.DEAL_EXTENSION_DAYS = 30
    today = timezone.localdate()
    days = datetime.timedelta(days=30)
    valid = make_deal(S.APPROVED)
    ended = make_deal(S.APPROVED)
    Deal.objects.filter(pk=ended.pk).update(validity_end=today - datetime.timedelta(days=3))
    ended.refresh_from_db()
    assert workflow.default_extension_end(valid) == valid.validity_end + days
    assert workflow.default_extension_end(ended) == today + days
    requested = today + datetime.timedelta(days=5)
    assert workflow.default_extension_end(valid, requested=requested) == requested
    expected = workflow.default_extension_end(valid)
    workflow.extend(deal=valid, by=reviewer)
    valid.refresh_from_db()
    assert valid.validity_end == expected


def test_every_transition_is_a_workflow_function():
    for name in TRANSITIONS:
        assert callable(getattr(workflow, name)), name


def test_the_partners_buttons_are_the_tables_partner_transitions(client, make_deal, partner_user):
    client.force_login(partner_user)
    for status in S.values:
        deal = make_deal(status)
        html = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
        expected = {t.name for t in workflow.transitions_for(status=status, actor=Actor.PARTNER)}
        for name in ACTIONS:
            url = reverse(f"portal:deal_{name}", args=[deal.pk])
            assert (f'href="{url}"' in html) == (name in expected), (status, name)


def test_a_partners_action_outside_its_source_statuses_changes_nothing(
    client, make_deal, partner_user
):
    client.force_login(partner_user)
    deal = make_deal(S.REJECTED)
    for name in ACTIONS:
        response = client.post(reverse(f"portal:deal_{name}", args=[deal.pk]))
        assert response.status_code == 302
    assert Deal.objects.get(pk=deal.pk).status == S.REJECTED


@pytest.fixture
def reviewers_group():
    return Group.objects.get(name=REVIEWERS_GROUP)


def test_superusers_are_reviewers(superuser):
    assert access.is_reviewer(superuser)
    assert superuser in access.reviewers()


def test_the_permission_makes_a_reviewer_directly_or_through_the_group(reviewers_group):
    direct = factories.UserFactory()
    direct.user_permissions.add(Permission.objects.get(codename="review_deal"))
    member = factories.UserFactory()
    member.groups.add(reviewers_group)
    assert access.is_reviewer(direct) and access.is_reviewer(member)
    assert {direct, member} <= set(access.reviewers())


@pytest.mark.parametrize(
    "factory", [factories.PartnerUserFactory, factories.DistributorUserFactory]
)
def test_partner_or_distributor_staff_never_are_reviewers(reviewers_group, factory):
    holder = factory(is_superuser=True, is_staff=True)
    holder.groups.add(reviewers_group)
    assert not access.is_reviewer(holder)
    assert holder not in access.reviewers()


def test_inactive_or_anonymous_users_are_nobody(reviewer):
    from django.contrib.auth.models import AnonymousUser

    reviewer.is_active = False
    assert not access.is_reviewer(reviewer)
    assert not access.is_reviewer(AnonymousUser())
    assert not access.may_use_sales_zone(AnonymousUser())


def test_what_each_role_may_do_with_a_deal(
    make_deal, partner_user, other_partner_user, distributor_user, reviewer
):
    deal = make_deal(S.SUBMITTED)
    mine = access.deal_access(partner_user, deal)
    assert mine.is_partner and mine.may("withdraw") and not mine.may("approve")
    assert mine.may_comment and not mine.may_write_internal_notes
    theirs = access.deal_access(distributor_user, deal)
    assert theirs.transitions == [] and not theirs.may_comment
    vendor = access.deal_access(reviewer, deal)
    assert vendor.may("approve") and vendor.may("reject") and not vendor.may("withdraw")
    assert vendor.may_write_internal_notes
    with pytest.raises(Exception) as exc:
        access.get_deal_access(user=other_partner_user, pk=deal.pk)
    assert type(exc.value).__name__ == "Http404"
