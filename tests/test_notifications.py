"""E-mails about deals: the right people, the right content, only after commit."""

import datetime
import logging

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format

from portal import workflow
from portal.models import Deal, DealContact
from tests import factories


def recipients(outbox) -> set[str]:
    return {address for message in outbox for address in message.to}


def html_of(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


@pytest.fixture
def second_reviewer(db):
    return factories.ReviewerFactory(username="reviewer2", language="pl")


def test_submitting_a_deal_emails_every_reviewer_and_nobody_else(
    make_deal,
    reviewer,
    second_reviewer,
    staff_without_permission,
    superuser,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # Superusers are reviewers (portal.access); partner staff never are, even with the
    # permission, so they get no reviewer's e-mail.
    from django.contrib.auth.models import Group

    from portal.roles import REVIEWERS_GROUP

    deal = make_deal(Deal.Status.DRAFT)
    partner_with_permission = factories.PartnerUserFactory(email="sneaky@partner.example")
    partner_with_permission.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(deal=deal, by=deal.registered_by)
    assert recipients(mailoutbox) == {reviewer.email, second_reviewer.email, superuser.email}
    assert all(len(m.to) == 1 for m in mailoutbox)
    english = next(m for m in mailoutbox if m.to == [reviewer.email])
    assert deal.customer.name in english.subject
    assert f"/admin/portal/deal/{deal.pk}/change/" in english.body
    assert deal.partner.name in english.body


def test_a_reviewer_without_an_email_or_inactive_gets_nothing(
    make_deal, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    factories.ReviewerFactory(username="no_mail", email="")
    factories.ReviewerFactory(username="gone", is_active=False)
    deal = make_deal(Deal.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(deal=deal, by=deal.registered_by)
    assert recipients(mailoutbox) == {reviewer.email}


def test_approval_emails_the_registering_user_partner_contacts_and_distributor_users(
    make_deal,
    partner_user,
    distributor_user,
    other_distributor_user,
    other_partner_user,
    reviewer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    deal = make_deal(Deal.Status.SUBMITTED)
    DealContact.objects.create(
        deal=deal,
        role=DealContact.Role.ENGINEER,
        name="Piotr Inżynier",
        email="eng@partner.example",
    )
    colleague = factories.UserFactory(distributor=distributor_user.distributor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(deal=deal, by=reviewer, discount_percent=12.5)
    assert recipients(mailoutbox) == {
        partner_user.email,  # registered it, and is the sales contact: one e-mail
        "eng@partner.example",
        distributor_user.email,
        colleague.email,
    }
    message = next(m for m in mailoutbox if m.to == [partner_user.email])
    deal.refresh_from_db()
    assert deal.deal_reg_number in message.subject
    assert deal.deal_reg_number in message.body
    assert "12.50%" in message.body
    assert date_format(deal.validity_end, "DATE_FORMAT") in message.body
    assert f"http://127.0.0.1:8000/sales-zone/opportunity-manager/{deal.pk}/" in message.body
    html = html_of(message)
    assert deal.deal_reg_number in html
    assert f'href="http://127.0.0.1:8000/sales-zone/opportunity-manager/{deal.pk}/"' in html


def test_rejection_emails_the_registering_user_and_partner_contacts_with_the_reason(
    make_deal,
    partner_user,
    distributor_user,
    reviewer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    deal = make_deal(Deal.Status.SUBMITTED)
    DealContact.objects.create(
        deal=deal, role=DealContact.Role.ENGINEER, name="Eng", email="eng@partner.example"
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(deal=deal, by=reviewer, reason="Another partner registered it first.")
    assert recipients(mailoutbox) == {partner_user.email, "eng@partner.example"}
    for message in mailoutbox:
        assert "Another partner registered it first." in message.body
        assert "Another partner registered it first." in html_of(message)


def test_each_recipient_reads_the_email_in_their_own_language(
    make_deal,
    partner_user,
    distributor_user,
    reviewer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    partner_user.language = "pl"
    partner_user.save()
    deal = make_deal(Deal.Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(deal=deal, by=reviewer, validity_end=datetime.date(2030, 3, 5))
    polish = next(m for m in mailoutbox if m.to == [partner_user.email])
    english = next(m for m in mailoutbox if m.to == [distributor_user.email])
    assert "Rejestracja projektu zatwierdzona" in polish.subject
    assert "05.03.2030" in polish.body  # the date the Polish way
    assert "10,00%" in polish.body or "10%" in polish.body
    assert "Deal registration approved" in english.subject
    assert "5 Mar 2030" in english.body


def test_no_email_when_the_transaction_rolls_back(
    make_deal, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    deal = make_deal(Deal.Status.DRAFT)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        workflow.submit(deal=deal, by=deal.registered_by)
        raise RuntimeError("something later in the request failed")
    assert callbacks == []
    assert mailoutbox == []
    deal.refresh_from_db()
    assert deal.status == Deal.Status.DRAFT


def test_a_mail_server_failure_is_logged_and_the_status_change_stays(
    make_deal, reviewer, settings, caplog, django_capture_on_commit_callbacks
):
    # A real SMTP connection to a port where nothing listens.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    deal = make_deal(Deal.Status.SUBMITTED)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        workflow.approve(deal=deal, by=reviewer)
    deal.refresh_from_db()
    assert deal.status == Deal.Status.APPROVED
    assert "Could not send" in caplog.text


def test_typed_text_is_escaped_in_the_html_email(
    make_deal, partner_user, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    deal = make_deal(Deal.Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(deal=deal, by=reviewer, reason='<script>alert("x")</script> & more')
    message = mailoutbox[0]
    assert "<script>" not in html_of(message)
    assert "&lt;script&gt;" in html_of(message)
    assert '<script>alert("x")</script> & more' in message.body  # plain text stays plain


def test_withdrawal_and_outcomes_send_no_email(
    make_deal, mailoutbox, django_capture_on_commit_callbacks
):
    submitted = make_deal(Deal.Status.SUBMITTED)
    approved = make_deal(Deal.Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(deal=submitted, by=submitted.registered_by)
        workflow.mark_won(deal=approved, by=approved.registered_by)
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_with_the_database_task_backend_mail_waits_for_the_worker(
    make_deal, reviewer, settings, mailoutbox
):
    # A transactional test: the changes really commit, and the worker runs as in production.
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    deal = make_deal(Deal.Status.DRAFT)
    workflow.submit(deal=deal, by=deal.registered_by)
    assert mailoutbox == []
    assert DBTaskResult.objects.count() == 1
    call_command("db_worker", batch=True, interval=0, no_startup_delay=True, verbosity=0)
    assert recipients(mail.outbox) == {reviewer.email}
    assert DBTaskResult.objects.successful().count() == 1


def test_the_expired_email_goes_to_the_registering_user_only(
    make_deal, partner_user, distributor_user, mailoutbox, django_capture_on_commit_callbacks
):
    deal = make_deal(Deal.Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.expire(deal=deal, today=deal.validity_end + datetime.timedelta(days=1))
    assert recipients(mailoutbox) == {partner_user.email}
    assert "expired" in mailoutbox[0].subject
    assert deal.deal_reg_number in mailoutbox[0].body


def test_an_extension_emails_the_registering_user_the_new_validity_end(
    make_deal,
    partner_user,
    distributor_user,
    reviewer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    partner_user.language = "pl"
    partner_user.save()
    deal = make_deal(Deal.Status.APPROVED)
    new_end = deal.validity_end + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.extend(deal=deal, by=reviewer, validity_end=new_end)
    assert recipients(mailoutbox) == {partner_user.email}
    message = mailoutbox[0]
    with translation.override("pl"):
        polish_date = date_format(new_end, "DATE_FORMAT")
    assert polish_date in message.subject and polish_date in message.body
    assert deal.deal_reg_number in message.subject
    assert polish_date in html_of(message)


def test_no_extension_email_when_the_transaction_rolls_back(
    make_deal, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    deal = make_deal(Deal.Status.APPROVED)
    old_end = deal.validity_end
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        workflow.extend(deal=deal, by=reviewer, validity_end=old_end + datetime.timedelta(days=30))
        raise RuntimeError("something later in the request failed")
    assert callbacks == []
    assert mailoutbox == []
    deal.refresh_from_db()
    assert deal.validity_end == old_end
