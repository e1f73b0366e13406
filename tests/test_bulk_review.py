"""Bulk approve, reject and extend from the queue: each deal on its own, with a report."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from portal import workflow
from portal.models import Deal, DealHistory, ReviewReason

pytestmark = pytest.mark.django_db
S = Deal.Status
URL = "admin:portal_deal_changelist"
# The actions apply to the list as shown: here every status, as a reviewer lists it.
EVERY_STATUS = "?status=all"


def post_action(client, action, deals, **data):
    return client.post(
        reverse(URL) + EVERY_STATUS,
        {"action": action, "_selected_action": [d.pk for d in deals], **data},
        follow=True,
    )


def history_counts(deals):
    return {d.pk: DealHistory.objects.filter(deal=d).count() for d in deals}


def test_bulk_approve_on_a_mixed_selection_changes_only_submitted_deals(
    client, reviewer, make_deal
):
    a, b = make_deal(S.SUBMITTED), make_deal(S.SUBMITTED)
    rejected, approved = make_deal(S.REJECTED), make_deal(S.APPROVED)
    before = history_counts([a, b, rejected, approved])
    client.force_login(reviewer)
    html = post_action(client, "approve_selected", [a, b, rejected, approved]).content.decode()
    for deal in (a, b, rejected, approved):
        deal.refresh_from_db()
    assert (a.status, b.status) == (S.APPROVED, S.APPROVED)
    assert "2 deals approved: " in html
    assert a.deal_reg_number in html and b.deal_reg_number in html
    assert "was not changed: Cannot approve a deal that is Rejected" in html
    assert "was not changed: Cannot approve a deal that is Approved" in html
    # Each approved deal has its own history entry; the refused ones have none more.
    after = history_counts([a, b, rejected, approved])
    assert after[a.pk] == before[a.pk] + 1 and after[b.pk] == before[b.pk] + 1
    assert after[rejected.pk] == before[rejected.pk]
    assert after[approved.pk] == before[approved.pk]
    assert rejected.deal_reg_number is None


def test_bulk_reject_on_a_mixed_selection_uses_one_reason_and_reports_refusals(
    client, reviewer, make_deal
):
    a, withdrawn = make_deal(S.SUBMITTED), make_deal(S.WITHDRAWN)
    client.force_login(reviewer)
    html = post_action(
        client,
        "reject_selected",
        [a, withdrawn],
        apply="1",
        reason="Out of territory.",
        reason_code=ReviewReason.objects.get(code="other").pk,
    ).content.decode()
    a.refresh_from_db()
    withdrawn.refresh_from_db()
    assert (a.status, a.rejection_reason) == (S.REJECTED, "Out of territory.")
    assert withdrawn.status == S.WITHDRAWN and withdrawn.rejection_reason == ""
    assert "1 deal rejected" in html
    assert "was not changed: Cannot reject a deal that is Withdrawn" in html
    assert a.history.last().note == "Out of territory."


def test_bulk_extend_asks_for_a_date_then_extends_approved_deals_only(client, reviewer, make_deal):
    approved, submitted, expired = (
        make_deal(S.APPROVED),
        make_deal(S.SUBMITTED),
        make_deal(S.EXPIRED),
    )
    client.force_login(reviewer)
    selection = [approved, submitted, expired]
    page = post_action(client, "extend_selected", selection).content.decode()
    assert "Extend the validity of these deals" in page
    new_end = timezone.localdate() + datetime.timedelta(days=200)
    html = post_action(
        client,
        "extend_selected",
        selection,
        apply="1",
        validity_end=new_end.isoformat(),
        note="Customer tender postponed.",
    ).content.decode()
    for deal in selection:
        deal.refresh_from_db()
    assert approved.validity_end == new_end and approved.status == S.APPROVED
    entry = approved.history.last()
    assert (entry.from_status, entry.to_status, entry.note, entry.by) == (
        S.APPROVED,
        S.APPROVED,
        "Customer tender postponed.",
        reviewer,
    )
    assert "1 deal extended" in html
    assert "Cannot extend a deal that is Submitted" in html
    assert "Cannot extend a deal that is Expired" in html
    assert submitted.validity_end is None


def test_bulk_extend_refuses_a_deal_already_extended_to_the_limit(
    client, reviewer, make_deal, settings
):
    settings.DEAL_MAX_EXTENSIONS = 1
    once, fresh = make_deal(S.APPROVED), make_deal(S.APPROVED)
    workflow.extend(
        deal=once, by=reviewer, validity_end=once.validity_end + datetime.timedelta(days=30)
    )
    once.refresh_from_db()
    old_end = once.validity_end
    client.force_login(reviewer)
    new_end = old_end + datetime.timedelta(days=60)
    html = post_action(
        client, "extend_selected", [once, fresh], apply="1", validity_end=new_end.isoformat()
    ).content.decode()
    once.refresh_from_db()
    fresh.refresh_from_db()
    assert once.validity_end == old_end
    assert fresh.validity_end == new_end
    assert "already extended the maximum number of times (1)" in html


def test_bulk_extend_with_a_date_in_the_past_changes_nothing(client, reviewer, make_deal):
    deal = make_deal(S.APPROVED)
    end = deal.validity_end
    client.force_login(reviewer)
    html = post_action(
        client, "extend_selected", [deal], apply="1", validity_end="2001-01-01"
    ).content.decode()
    deal.refresh_from_db()
    assert deal.validity_end == end
    assert "The new validity end must be later than" in html
    assert deal.history.filter(from_status=S.APPROVED, to_status=S.APPROVED).count() == 0


def test_bulk_extend_with_a_malformed_date_shows_the_form_again(client, reviewer, make_deal):
    deal = make_deal(S.APPROVED)
    client.force_login(reviewer)
    response = post_action(client, "extend_selected", [deal], apply="1", validity_end="soon")
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_extension_is_not_a_status_change_signal(
    make_deal, reviewer, django_capture_on_commit_callbacks
):
    deal = make_deal(S.APPROVED)
    seen = []

    def listener(**kwargs):
        seen.append(kwargs)

    workflow.status_changed.connect(listener)
    workflow.validity_extended.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            workflow.extend(
                deal=deal, by=reviewer, validity_end=deal.validity_end + datetime.timedelta(1)
            )
    finally:
        workflow.status_changed.disconnect(listener)
        workflow.validity_extended.disconnect(listener)
    assert len(seen) == 1 and seen[0]["validity_end"] == deal.validity_end


def test_staff_without_the_permission_cannot_bulk_extend(
    client, staff_without_permission, make_deal
):
    staff_without_permission.user_permissions.add(Permission.objects.get(codename="view_deal"))
    deal = make_deal(S.APPROVED)
    end = deal.validity_end
    client.force_login(staff_without_permission)
    post_action(client, "extend_selected", [deal], apply="1", validity_end="2031-01-01")
    deal.refresh_from_db()
    assert deal.validity_end == end
