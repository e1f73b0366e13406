"""Action Required through the workflow: the reviewer asks, the clock stops, the partner
answers and resubmits, or the portal withdraws the deal unanswered (issue 15)."""

import datetime
import importlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from portal import action_required, sla, workflow
from portal.models import ActionRequest, Deal, ReviewReason
from tests import factories

pytestmark = pytest.mark.django_db
S = Deal.Status
WARSAW = ZoneInfo("Europe/Warsaw")


def at(monkeypatch, *args) -> datetime.datetime:
    """Set the clock to a Warsaw wall time."""
    moment = datetime.datetime(*args, tzinfo=WARSAW)
    monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(datetime.UTC))
    return moment


def reason(code: str) -> ReviewReason:
    return ReviewReason.objects.get(code=code)


LATER = datetime.date(2027, 9, 1)  # after every clock these tests set


def ask(deal, reviewer, **kwargs):
    kwargs.setdefault("reasons", [reason("missing_distributor_quote")])
    kwargs.setdefault("message", "Please add the distributor's quote.")
    return action_required.request_action(deal=deal, by=reviewer, **kwargs)


def test_the_vendors_list_of_reasons_is_there_from_the_start():
    codes = list(ReviewReason.objects.values_list("code", flat=True))
    assert codes == [
        "end_customer_unclear", "proof_of_activity", "products_mismatch",
        "missing_distributor_quote", "duplicate", "other",
    ]  # fmt: skip
    assert all(r.guidance and r.name_pl and r.guidance_pl for r in ReviewReason.objects.all())


def test_a_reviewer_returns_a_submitted_deal_with_reasons_a_message_and_fields(make_deal, reviewer):
    deal = make_deal(S.SUBMITTED)
    request = ask(
        deal,
        reviewer,
        reasons=[reason("end_customer_unclear"), reason("other")],
        fields=["name", "next_steps", "not_a_field"],
    )
    deal.refresh_from_db()
    assert deal.status == S.ACTION_REQUIRED
    assert request.is_open and request.asked_by == reviewer
    assert request.fields == ["name", "next_steps"]  # what is not a deal field is dropped
    assert {r.code for r in request.reasons.all()} == {"end_customer_unclear", "other"}
    step = deal.history.last()
    assert (step.from_status, step.to_status, step.by) == (S.SUBMITTED, S.ACTION_REQUIRED, reviewer)
    assert step.note == "Please add the distributor's quote."


@pytest.mark.parametrize("status", [S.DRAFT, S.APPROVED, S.REJECTED, S.WITHDRAWN])
def test_action_cannot_be_asked_of_a_deal_that_is_not_submitted(make_deal, reviewer, status):
    deal = make_deal(status)
    with pytest.raises(workflow.DealTransitionError):
        ask(deal, reviewer)
    assert not ActionRequest.objects.exists()


def test_a_request_needs_a_reason_and_a_message_and_changes_nothing_without(make_deal, reviewer):
    deal = make_deal(S.SUBMITTED)
    with pytest.raises(ValidationError) as refused:
        ask(deal, reviewer, reasons=[], message="  ")
    assert set(refused.value.message_dict) == {"reasons", "message"}
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED and not ActionRequest.objects.exists()


def test_a_second_request_waits_until_the_first_is_answered(make_deal, reviewer):
    deal = make_deal(S.SUBMITTED)
    ask(deal, reviewer)
    with pytest.raises(workflow.DealTransitionError):
        ask(deal, reviewer)  # the deal is Action Required already


def test_the_partner_changes_only_what_was_asked_and_resubmits(make_deal, reviewer, partner_user):
    deal = make_deal(S.SUBMITTED, name="Old name", next_steps="Old steps")
    request = ask(deal, reviewer, fields=["name"])
    action_required.resubmit(
        deal=deal,
        by=partner_user,
        changes={"name": "Museum network", "next_steps": "Not asked for"},
        answer="Renamed as asked.",
    )
    deal.refresh_from_db()
    request.refresh_from_db()
    assert deal.status == S.SUBMITTED
    assert deal.name == "Museum network"
    assert deal.next_steps == "Old steps"
    assert request.answered_by == partner_user and request.answer == "Renamed as asked."
    assert not request.is_open
    # Each round is in the history: who asked, who answered.
    rounds = [(h.from_status, h.to_status, h.by) for h in deal.history.all()][-2:]
    assert rounds == [
        (S.SUBMITTED, S.ACTION_REQUIRED, reviewer),
        (S.ACTION_REQUIRED, S.SUBMITTED, partner_user),
    ]


def test_resubmission_checks_the_submission_rules_again(make_deal, reviewer, partner_user):
    deal = make_deal(S.SUBMITTED)
    ask(deal, reviewer, fields=["expected_close_date"])
    past = timezone.localdate() - datetime.timedelta(days=3)
    with pytest.raises(ValidationError):
        action_required.resubmit(deal=deal, by=partner_user, changes={"expected_close_date": past})
    deal.refresh_from_db()
    assert deal.status == S.ACTION_REQUIRED  # nothing half-saved
    assert deal.expected_close_date != past
    assert action_required.open_request(deal) is not None


@pytest.mark.parametrize("status", [S.SUBMITTED, S.APPROVED])
def test_only_a_deal_waiting_on_the_partner_is_resubmitted(make_deal, partner_user, status):
    with pytest.raises(workflow.DealTransitionError):
        action_required.resubmit(deal=make_deal(status), by=partner_user, changes={})


def test_the_clock_stops_while_the_deal_waits_on_the_partner(
    make_deal, reviewer, partner_user, monkeypatch
):
    # Submitted Thursday 10:00: due two working days later, Monday 10:00.
    at(monkeypatch, 2027, 3, 4, 10, 0)
    deal = make_deal(S.SUBMITTED, expected_close_date=LATER)
    assert timezone.localtime(deal.decision_due_at) == datetime.datetime(
        2027, 3, 8, 10, 0, tzinfo=WARSAW
    )
    # Returned Friday 10:00: Friday 10-24 and Monday 0-10 are left, 24 working hours.
    at(monkeypatch, 2027, 3, 5, 10, 0)
    ask(deal, reviewer)
    deal.refresh_from_db()
    assert deal.sla_remaining == datetime.timedelta(hours=24)
    assert action_required.paused_badge(deal) == "paused, 1 d left"
    # Answered the next Wednesday 15:00: the 24 hours run from then, to Thursday 15:00.
    at(monkeypatch, 2027, 3, 10, 15, 0)
    action_required.resubmit(deal=deal, by=partner_user, changes={})
    deal.refresh_from_db()
    assert timezone.localtime(deal.decision_due_at) == datetime.datetime(
        2027, 3, 11, 15, 0, tzinfo=WARSAW
    )
    assert deal.sla_paused_at is None and deal.sla_remaining is None


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        ((2027, 3, 5, 18), (2027, 3, 8, 6), 12),  # Friday evening to Monday morning
        ((2027, 3, 6, 9), (2027, 3, 7, 17), 0),  # within a weekend
        ((2027, 3, 8, 9), (2027, 3, 8, 17), 8),
    ],
)
def test_business_time_skips_weekends_both_ways(start, end, hours):
    start = datetime.datetime(*start, tzinfo=WARSAW)
    end = datetime.datetime(*end, tzinfo=WARSAW)
    assert sla.business_time_between(start, end) == datetime.timedelta(hours=hours)
    if hours:
        assert sla.add_business_time(start, datetime.timedelta(hours=hours)) == end


def test_an_overdue_deal_stays_overdue_by_as_much_after_the_pause(
    make_deal, reviewer, partner_user, monkeypatch
):
    at(monkeypatch, 2027, 3, 1, 9, 0)  # a Monday
    deal = make_deal(S.SUBMITTED, expected_close_date=LATER)  # due Wednesday 9:00
    at(monkeypatch, 2027, 3, 3, 12, 0)  # Wednesday noon: 3 h overdue
    ask(deal, reviewer)
    at(monkeypatch, 2027, 3, 4, 12, 0)
    action_required.resubmit(deal=deal, by=partner_user, changes={})
    deal.refresh_from_db()
    assert timezone.now() - deal.decision_due_at == datetime.timedelta(hours=3)


def test_withdrawing_or_rejecting_a_waiting_deal_closes_its_request(
    make_deal, reviewer, partner_user
):
    withdrawn, rejected = make_deal(S.SUBMITTED), make_deal(S.SUBMITTED)
    ask(withdrawn, reviewer)
    ask(rejected, reviewer)
    workflow.withdraw(deal=withdrawn, by=partner_user)
    workflow.reject(
        deal=rejected,
        by=reviewer,
        reason="Not our product.",
        reason_code=reason("products_mismatch"),
    )
    assert not ActionRequest.objects.filter(closed_at=None, answered_at=None).exists()
    rejected.refresh_from_db()
    assert rejected.rejection_reason_code.code == "products_mismatch"


def test_an_unanswered_request_withdraws_the_deal_once_and_tells_the_partner(
    make_deal, reviewer, partner_user, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.ACTION_REQUIRED_ANSWER_DAYS = 14
    late, recent, answered = (make_deal(S.SUBMITTED, expected_close_date=LATER) for _ in range(3))
    at(monkeypatch, 2027, 3, 1, 9, 0)
    ask(late, reviewer)
    ask(answered, reviewer)
    action_required.resubmit(deal=answered, by=partner_user, changes={})
    at(monkeypatch, 2027, 3, 10, 9, 0)
    ask(recent, reviewer)
    mail.outbox.clear()

    at(monkeypatch, 2027, 3, 15, 10, 0)  # 14 days and an hour after the first request
    with django_capture_on_commit_callbacks(execute=True):
        assert action_required.withdraw_unanswered() == 1
    assert action_required.withdraw_unanswered() == 0  # cron runs it again: nothing more
    statuses = {d.pk: Deal.objects.get(pk=d.pk).status for d in (late, recent, answered)}
    assert statuses == {
        late.pk: S.WITHDRAWN,
        recent.pk: S.ACTION_REQUIRED,
        answered.pk: S.SUBMITTED,
    }
    step = Deal.objects.get(pk=late.pk).history.last()
    assert step.by is None and "No answer to the vendor's request within 14 days" in step.note
    (message,) = mail.outbox
    assert message.to == [partner_user.email]
    assert "withdrawn" in message.subject


def test_expire_deals_runs_the_sweep(make_deal, reviewer, settings, monkeypatch):
    settings.ACTION_REQUIRED_ANSWER_DAYS = 1
    deal = make_deal(S.SUBMITTED)
    ask(deal, reviewer)
    at(monkeypatch, *(timezone.localtime() + datetime.timedelta(days=2)).timetuple()[:5])
    call_command("expire_deals", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Deal.objects.get(pk=deal.pk).status == S.WITHDRAWN


def test_the_partner_is_told_in_their_language_and_reviewers_on_resubmission(
    make_deal, reviewer, partner_user, django_capture_on_commit_callbacks
):
    partner_user.language = "pl"
    partner_user.save()
    deal = make_deal(S.SUBMITTED)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ask(deal, reviewer)
    (to_partner,) = [m for m in mail.outbox if partner_user.email in m.to]
    assert "Action Required" in to_partner.subject
    assert "Brak oferty dystrybutora" in to_partner.body  # the reason, in Polish
    assert "Please add the distributor's quote." in to_partner.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        action_required.resubmit(deal=deal, by=partner_user, changes={}, answer="Quote attached.")
    (to_reviewer,) = [m for m in mail.outbox if reviewer.email in m.to]
    assert "resubmitted" in to_reviewer.subject
    assert "Quote attached." in to_reviewer.body


def test_a_rejection_carries_a_reason_from_the_list_or_other(make_deal, reviewer):
    deal = make_deal(S.SUBMITTED)
    workflow.reject(deal=deal, by=reviewer, reason="Not enough detail.")
    deal.refresh_from_db()
    assert deal.rejection_reason_code.code == ReviewReason.OTHER
    assert deal.rejection_reason == "Not enough detail."


def test_rejections_from_before_the_list_migrate_to_other(make_deal, reviewer):
    deal = make_deal(S.REJECTED)
    Deal.objects.filter(pk=deal.pk).update(rejection_reason_code=None)
    migration = importlib.import_module("portal.migrations.0022_action_required")
    migration.seed_reasons(apps, None)
    assert Deal.objects.get(pk=deal.pk).rejection_reason_code.code == ReviewReason.OTHER


def test_reasons_read_in_the_readers_language():
    from django.utils import translation

    quote = reason("missing_distributor_quote")
    with translation.override("pl"):
        assert quote.label == "Brak oferty dystrybutora"
        assert quote.what_to_do.startswith("Załącz ofertę dystrybutora")
    assert quote.label == "Missing distributor quote"
    untranslated = factories.ReviewReasonFactory(name="Budget unclear", name_pl="")
    with translation.override("pl"):
        assert untranslated.label == "Budget unclear"


def test_a_deal_waiting_on_its_partner_still_holds_its_customer_against_others(
    make_deal, make_other_deal, reviewer
):
    from portal.review_selectors import conflicts_with_details

    ours = make_deal(S.SUBMITTED)
    ask(ours, reviewer)
    theirs = make_other_deal(
        S.SUBMITTED,
        customer=ours.customer,
        customer_contact=ours.customer_contact,
        lines=[ours.lines.first().product],
    )
    assert [d.pk for d in conflicts_with_details(deal=theirs)] == [ours.pk]
