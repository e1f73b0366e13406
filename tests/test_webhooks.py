"""Webhooks through a real HTTP receiver on loopback: signed deliveries after commit, retries
with backoff, an endpoint switched off (with an e-mail) after failing again and again, a
reviewer's re-send, and targets that production refuses."""

import datetime
import http.server
import threading

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal import webhooks, workflow
from portal.models import Deal, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db
S = Deal.Status


class Receiver:
    """An HTTP server on a free loopback port that answers `status` and keeps what came."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.status = 204
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on loopback
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def endpoint(receiver, partner_user):
    return WebhookEndpoint.objects.create(
        partner=partner_user.partner,
        created_by=partner_user,
        url=receiver.url,
        events=[WebhookEvent.APPROVED, WebhookEvent.REJECTED],
        secret=webhooks.new_secret(),
    )


def test_an_approval_is_delivered_after_commit_signed_with_the_endpoints_secret(
    endpoint, receiver, make_deal, reviewer, django_capture_on_commit_callbacks
):
    deal = make_deal(S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(deal=deal, by=reviewer)
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert webhooks.verify(endpoint.secret, body, headers["Dealreg-Signature"])
    assert not webhooks.verify("whsec_other", body, headers["Dealreg-Signature"])
    assert not webhooks.verify(endpoint.secret, body + b" ", headers["Dealreg-Signature"])
    assert b'"event":"deal.approved"' in body
    deal.refresh_from_db()
    assert deal.deal_reg_number.encode() in body
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)


def test_an_event_not_chosen_and_another_partners_endpoint_get_nothing(
    endpoint, receiver, make_deal, make_other_deal, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(deal=make_deal(S.SUBMITTED), by=make_deal(S.SUBMITTED).registered_by)
        workflow.approve(deal=make_other_deal(S.SUBMITTED), by=reviewer)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_a_failing_receiver_is_retried_with_backoff_then_switched_off_with_an_email(
    endpoint, receiver, make_deal, reviewer, settings, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.WEBHOOK_DISABLE_AFTER = 3
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(deal=make_deal(S.SUBMITTED), by=reviewer, reason="Duplicate.")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error == "HTTP 500"
    wait = delivery.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=50) < wait <= datetime.timedelta(seconds=60)
    assert webhooks.deliver_due() == 0  # not due yet
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert webhooks.deliver_due(now=later) == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - timezone.now() > datetime.timedelta(minutes=4)
    webhooks.deliver_due(now=timezone.now() + datetime.timedelta(hours=1))
    endpoint.refresh_from_db()
    assert endpoint.is_active is False and endpoint.disabled_at is not None
    assert len(receiver.received) == 3
    assert any("switched off" in m.subject.lower() for m in mailoutbox)
    receiver.status = 200
    assert webhooks.deliver_due(now=timezone.now() + datetime.timedelta(days=1)) == 0


def test_a_delivery_gives_up_after_the_last_attempt(endpoint, receiver, make_deal, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.status = 503
    deal = make_deal(S.SUBMITTED)
    [pk] = webhooks.announce(deal, WebhookEvent.APPROVED)
    webhooks.deliver.call([pk])
    webhooks.deliver_due(now=timezone.now() + datetime.timedelta(minutes=5))
    delivery = WebhookDelivery.objects.get(pk=pk)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)


def test_a_reviewer_sends_a_delivery_again_from_the_admin(
    client, endpoint, receiver, make_deal, reviewer, django_capture_on_commit_callbacks
):
    receiver.status = 500
    deal = make_deal(S.SUBMITTED)
    [pk] = webhooks.announce(deal, WebhookEvent.APPROVED)
    webhooks.deliver.call([pk])
    receiver.status = 200
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:portal_webhookdelivery_changelist"),
            {"action": "send_again", "_selected_action": [pk]},
            follow=True,
        )
    assert "queued again" in response.content.decode()
    assert WebhookDelivery.objects.filter(status="delivered").count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest",
        "https://[::1]/hook",
        "http://example.com/hook",
        "ftp://example.com/",
    ],
)
def test_production_refuses_targets_inside_the_network(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError):
        webhooks.check_target(url)


def test_the_profile_page_adds_an_endpoint_and_shows_its_secret_once(
    client, partner_user, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    client.force_login(partner_user)
    refused = client.post(
        reverse("portal:webhook_create"),
        {"url": "https://127.0.0.1/x", "events": ["deal.approved"]},
    )
    assert refused.status_code == 400
    assert "public addresses" in refused.content.decode()
    assert not WebhookEndpoint.objects.exists()
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    made = client.post(
        reverse("portal:webhook_create"),
        {"url": "http://127.0.0.1:9/x", "events": ["deal.approved", "deal.won"]},
    )
    secret = made.context["new_secret"]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == secret and endpoint.partner == partner_user.partner
    assert secret not in client.get(reverse("portal:api_access")).content.decode()
    client.post(reverse("portal:webhook_delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_the_expiry_reminder_also_goes_to_the_webhook(
    endpoint, receiver, make_deal, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    endpoint.events = [WebhookEvent.EXPIRING]
    endpoint.save()
    deal = make_deal(S.APPROVED)
    Deal.objects.filter(pk=deal.pk).update(
        validity_end=timezone.localdate() + datetime.timedelta(days=3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_deals")
    [(headers, body)] = receiver.received
    assert headers["Dealreg-Event"] == "deal.expiring" and b'"event":"deal.expiring"' in body


def test_settled_deliveries_are_pruned_and_waiting_ones_stay(endpoint, make_deal, settings):
    from portal.management.commands.prune_records import prune

    deal = make_deal(S.SUBMITTED)
    old = timezone.now() - datetime.timedelta(days=settings.RETENTION_TASK_RESULT_DAYS + 1)
    for status in ("delivered", "failed", "pending"):
        row = WebhookDelivery.objects.create(
            endpoint=endpoint, deal=deal, event="deal.approved", payload={}, status=status
        )
        WebhookDelivery.objects.filter(pk=row.pk).update(created_at=old)
    assert prune()["webhook deliveries"] == 2
    assert list(WebhookDelivery.objects.values_list("status", flat=True)) == ["pending"]
