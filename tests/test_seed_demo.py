"""`seed_demo` makes a usable demo, once, and only on a debug database."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal import workflow
from portal.models import (
    Deal,
    DealComment,
    DistributorApiToken,
    ExtensionRequest,
    PartnerApplication,
    Product,
    User,
)

pytestmark = pytest.mark.django_db

LOGINS = ["partner", "partner2", "distributor", "distributor2", "reviewer", "admin"]


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.filter(username="partner").exists()


def test_seed_demo_creates_every_status_and_is_idempotent(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    for login in LOGINS:
        assert login in out
    counts = (Deal.objects.count(), Product.objects.count(), User.objects.count())
    statuses = set(Deal.objects.values_list("status", flat=True))
    assert statuses == set(Deal.Status) - {Deal.Status.DRAFT}
    assert Product.objects.filter(is_active=True).count() >= 12
    assert Product.objects.values("family").distinct().count() == 3
    call_command("seed_demo")
    assert (Deal.objects.count(), Product.objects.count(), User.objects.count()) == counts


@pytest.mark.parametrize("username", LOGINS)
def test_every_demo_login_works(settings, client, username):
    settings.DEBUG = True
    call_command("seed_demo")
    response = client.post(reverse("login"), {"username": username, "password": "demo"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get(reverse("portal:home")).status_code == 200


def test_demo_has_a_channel_conflict_for_reviewers(settings):
    from portal.review_selectors import conflicts_with_details

    settings.DEBUG = True
    call_command("seed_demo")
    submitted = Deal.objects.filter(status=Deal.Status.SUBMITTED)
    assert any(conflicts_with_details(deal=d) for d in submitted)


def test_demo_shows_a_rule_that_approves_one_that_routes_and_dashboards_with_history(settings):
    from portal import tallies
    from portal.models import DealHistory, DealTally

    settings.DEBUG = True
    call_command("seed_demo")
    by_rule = DealHistory.objects.filter(rule__isnull=False)
    assert by_rule.filter(to_status=Deal.Status.APPROVED, by=None).exists()
    assert by_rule.filter(kind=DealHistory.Kind.ROUTED).exists()
    assert Deal.objects.filter(assigned_queue__name="Key accounts").exists()
    weeks = DealTally.objects.filter(scope="v", measure="status").values("bucket").distinct()
    assert weeks.count() > 3  # spread over weeks, not all registered today
    kept = tallies.table()
    tallies.rebuild()
    assert tallies.table() == kept


@pytest.mark.django_db(transaction=True)
def test_seed_demo_sends_no_email(settings, mailoutbox):
    # Transactional: the command's transaction really commits, as under `make run`.
    settings.DEBUG = True
    call_command("seed_demo")
    assert Deal.objects.filter(status=Deal.Status.APPROVED).exists()
    assert mailoutbox == []
    # Mail of real work after the seed still goes out.
    deal = Deal.objects.filter(status=Deal.Status.SUBMITTED).first()
    workflow.approve(deal=deal, by=User.objects.get(username="reviewer"))
    assert mailoutbox != []


@pytest.mark.django_db(transaction=True)
def test_seed_demo_queues_no_email_for_the_database_task_backend(settings):
    from django_tasks_db.models import DBTaskResult

    settings.DEBUG = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("seed_demo")
    assert not DBTaskResult.objects.exists()


def test_demo_shows_comments_an_extension_request_an_application_and_an_api_token(
    settings, capsys, client
):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    thread = DealComment.objects.order_by("pk")
    assert [(c.author.username, c.is_internal) for c in thread] == [
        ("partner", False),
        ("reviewer", False),
        ("reviewer", True),
    ]
    assert {c.deal.status for c in thread} == {Deal.Status.SUBMITTED}
    request = ExtensionRequest.objects.get()
    assert (request.status, request.deal.status) == ("pending", Deal.Status.APPROVED)
    assert request.requested_by.username == "partner"
    assert PartnerApplication.objects.get().status == PartnerApplication.Status.PENDING
    token_row = DistributorApiToken.objects.get()
    assert token_row.distributor.users.filter(username="distributor").exists()
    # The printed token works against the API.
    token = next(line for line in out.splitlines() if "API token" in line).split()[-1]
    approved = Deal.objects.filter(
        status=Deal.Status.APPROVED, distributor=token_row.distributor
    ).first()
    response = client.get(
        reverse("portal:api_deal_reg_check"),
        {"number": approved.deal_reg_number},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200

    call_command("seed_demo")
    again = capsys.readouterr().out
    assert "API token" not in again  # shown once, when made
    assert DealComment.objects.count() == 3
    assert ExtensionRequest.objects.count() == 1
    assert PartnerApplication.objects.count() == 1
    assert DistributorApiToken.objects.count() == 1
