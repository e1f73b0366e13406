"""A sentence that ends on a company name or a time ends with one period: "Sp. z o.o.",
"7:30 p.m.", not "Sp. z o.o.." or "p.m.."."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal import workflow
from portal.models import Deal
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def dotted(make_deal):
    """A submitted deal of a partner and for a customer whose names end with a period."""
    customer = factories.CustomerFactory(name="Alfa Sp. z o.o.")
    deal = make_deal(
        Deal.Status.DRAFT,
        customer=customer,
        customer_contact=factories.CustomerContactFactory(customer=customer),
    )
    deal.partner.name = "Integra Sp. z o.o."
    deal.partner.save()
    return deal


def assert_one_period(text: str) -> None:
    assert ".." not in text.replace("...", "").replace("…", ""), text


def test_the_reviewers_email_ends_the_sentence_once(
    dotted, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(deal=dotted, by=dotted.registered_by)
    message = mailoutbox[0]
    assert "Alfa Sp. z o.o. It waits for your decision." in message.body
    assert_one_period(message.body)
    assert_one_period(message.alternatives[0][0])


def test_the_deal_page_ends_the_expected_decision_time_once(client, dotted):
    workflow.submit(deal=dotted, by=dotted.registered_by)
    evening = timezone.localtime().replace(hour=19, minute=30) + datetime.timedelta(days=1)
    Deal.objects.filter(pk=dotted.pk).update(decision_due_at=evening)
    client.force_login(dotted.registered_by)
    page = client.get(reverse("portal:deal_detail", args=[dotted.pk])).content.decode()
    assert "19:30" in page  # 24-hour times in both languages: no "p.m.." left to mend
    assert_one_period(page)


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_the_reviewers_decision_pages_end_on_the_partner_once(client, dotted, reviewer, action):
    workflow.submit(deal=dotted, by=dotted.registered_by)
    client.force_login(reviewer)
    response = client.get(reverse(f"admin:portal_deal_{action}", args=[dotted.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "by Integra Sp. z o.o." in page
    assert_one_period(page)
