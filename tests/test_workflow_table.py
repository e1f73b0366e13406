"""The transitions table (`workflow.TRANSITIONS`) is what the workflow enforces and what
the deal page offers."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal import workflow
from portal.models import Deal, DealHistory, ReviewReason
from portal.views.deals import ACTIONS
from portal.workflow import TRANSITIONS, Actor

pytestmark = pytest.mark.django_db
S = Deal.Status

# What each transition needs besides the deal and who does it.
ARGUMENTS = {
    "reject": {"reason": "Not a fit."},
    "request_action": {"reasons": ReviewReason.objects.filter(code="other"), "message": "More?"},
    "resubmit": {"changes": {}},
    "expire": {"today": datetime.date(9999, 1, 1)},
    "extend": {},
}


def call(name: str, deal: Deal, by):
    return TRANSITIONS[name].function(deal=deal, by=by, **ARGUMENTS.get(name, {}))


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


def test_every_transition_is_a_function_of_the_workflow_or_its_service():
    for name, transition in TRANSITIONS.items():
        assert callable(transition.function), name
        assert transition.function.__name__ == name


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
