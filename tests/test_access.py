"""portal.access: the one definition of each role, and what a user may do with a deal."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from portal import access
from portal.models import Deal
from portal.roles import REVIEWERS_GROUP
from tests import factories

pytestmark = pytest.mark.django_db
S = Deal.Status


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
