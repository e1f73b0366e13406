"""`manage.py expire_deals`: expires exactly the deals past their end, reminds once."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal.models import Deal, DealHistory

TODAY = timezone.localdate


def approved_until(make_deal, end: datetime.date) -> Deal:
    deal = make_deal(Deal.Status.APPROVED)
    Deal.objects.filter(pk=deal.pk).update(validity_end=end)
    deal.refresh_from_db()
    return deal


def run(django_capture_on_commit_callbacks) -> str:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_deals", stdout=out)
    return out.getvalue()


def test_it_expires_exactly_the_approved_deals_past_their_validity_end(
    make_deal, mailoutbox, django_capture_on_commit_callbacks
):
    ended_yesterday = approved_until(make_deal, TODAY() - datetime.timedelta(days=1))
    ended_long_ago = approved_until(make_deal, TODAY() - datetime.timedelta(days=40))
    ends_today = approved_until(make_deal, TODAY())
    future = approved_until(make_deal, TODAY() + datetime.timedelta(days=60))
    submitted = make_deal(Deal.Status.SUBMITTED)
    won = make_deal(Deal.Status.WON)
    Deal.objects.filter(pk=won.pk).update(validity_end=TODAY() - datetime.timedelta(days=5))

    output = run(django_capture_on_commit_callbacks)

    status = dict(Deal.objects.values_list("pk", "status"))
    assert status[ended_yesterday.pk] == Deal.Status.EXPIRED
    assert status[ended_long_ago.pk] == Deal.Status.EXPIRED
    assert status[ends_today.pk] == Deal.Status.APPROVED  # valid through its last day
    assert status[future.pk] == Deal.Status.APPROVED
    assert status[submitted.pk] == Deal.Status.SUBMITTED
    assert status[won.pk] == Deal.Status.WON
    assert "Expired 2 deal(s)" in output
    # Through the workflow: history written, number kept.
    entry = DealHistory.objects.get(deal=ended_yesterday, to_status=Deal.Status.EXPIRED)
    assert entry.from_status == Deal.Status.APPROVED
    assert (
        Deal.objects.get(pk=ended_yesterday.pk).deal_reg_number == ended_yesterday.deal_reg_number
    )


def test_running_it_again_changes_nothing_and_sends_nothing(
    make_deal, mailoutbox, django_capture_on_commit_callbacks
):
    approved_until(make_deal, TODAY() - datetime.timedelta(days=1))
    approved_until(make_deal, TODAY() + datetime.timedelta(days=7))
    run(django_capture_on_commit_callbacks)
    first_run_mail = len(mailoutbox)
    assert first_run_mail == 2  # one "expired", one "expires soon"
    history = DealHistory.objects.count()

    output = run(django_capture_on_commit_callbacks)

    assert "Expired 0 deal(s)" in output and "sent 0 expiry reminder(s)" in output
    assert len(mailoutbox) == first_run_mail
    assert DealHistory.objects.count() == history


def test_the_expired_email_goes_to_the_registering_user(
    make_deal, partner_user, mailoutbox, django_capture_on_commit_callbacks
):
    deal = approved_until(make_deal, TODAY() - datetime.timedelta(days=1))
    run(django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [[partner_user.email]]
    assert deal.deal_reg_number in mailoutbox[0].subject
    assert "expired" in mailoutbox[0].body


@pytest.mark.parametrize("days_left", [0, 1, 14])
def test_a_deal_ending_within_14_days_gets_one_reminder(
    days_left, make_deal, partner_user, mailoutbox, django_capture_on_commit_callbacks
):
    deal = approved_until(make_deal, TODAY() + datetime.timedelta(days=days_left))
    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [[partner_user.email]]
    assert "expires on" in mailoutbox[0].subject
    assert deal.deal_reg_number in mailoutbox[0].body
    assert "request an extension" in mailoutbox[0].body
    deal.refresh_from_db()
    assert deal.expiry_reminder_sent_for == deal.validity_end
    assert deal.status == Deal.Status.APPROVED


def test_a_deal_ending_in_15_days_gets_no_reminder_yet(
    make_deal, mailoutbox, django_capture_on_commit_callbacks
):
    deal = approved_until(make_deal, TODAY() + datetime.timedelta(days=15))
    run(django_capture_on_commit_callbacks)
    assert mailoutbox == []
    deal.refresh_from_db()
    assert deal.expiry_reminder_sent_for is None


def test_the_reminder_is_in_the_users_language(
    make_deal, partner_user, mailoutbox, django_capture_on_commit_callbacks
):
    partner_user.language = "pl"
    partner_user.save()
    approved_until(make_deal, TODAY() + datetime.timedelta(days=2))
    run(django_capture_on_commit_callbacks)
    assert "wygasa" in mailoutbox[0].subject
    assert "wygasa" in mailoutbox[0].body


def test_the_reminder_is_not_sent_when_the_run_rolls_back(make_deal, mailoutbox):
    # Without running the on-commit callbacks (the test's transaction never commits),
    # nothing is sent even though the reminder was claimed inside the transaction.
    approved_until(make_deal, TODAY() + datetime.timedelta(days=3))
    call_command("expire_deals", stdout=StringIO())
    assert mailoutbox == []


def test_a_new_validity_end_gets_its_own_reminder(
    make_deal, partner_user, mailoutbox, django_capture_on_commit_callbacks
):
    deal = approved_until(make_deal, TODAY() + datetime.timedelta(days=5))
    run(django_capture_on_commit_callbacks)
    # An extension moves the end (the reviewer workspace does it through the workflow).
    Deal.objects.filter(pk=deal.pk).update(validity_end=TODAY() + datetime.timedelta(days=12))
    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [[partner_user.email], [partner_user.email]]
