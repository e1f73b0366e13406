"""One date format per language (issue 14): "15 Mar 2027" in English, "15.03.2027" in
Polish, on every page of every role, the admin and the e-mails; no ISO dates, no
"March 15, 2027", no "7:30 p.m." in the visible text."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from portal import comments, workflow
from portal.models import Deal
from tests.test_translation_catalogue import visible_text

pytestmark = pytest.mark.django_db

MONTHS_EN = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
MONTHS_PL = (
    "stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|"
    "listopada|grudnia|styczeń|luty|marzec|kwiecień|maj|czerwiec|lipiec|sierpień|wrzesień|"
    "październik|listopad|grudzień"
)
SHAPES = {
    "ISO date": r"\b\d{4}-\d{2}-\d{2}\b",
    "slashes": r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    "dashes": r"\b\d{2}-\d{2}-\d{4}\b",
    "month first": rf"\b(?:{MONTHS_EN})[a-z]*\.? \d{{1,2}}, \d{{4}}",
    "a.m./p.m.": r"\b\d{1,2}(?::\d{2})? ?[ap]\.m\.",
    "Polish month name": rf"\b\d{{1,2}} (?:{MONTHS_PL}) \d{{4}}",
}
OWN = {"en": rf"\b\d{{1,2}} (?:{MONTHS_EN}) \d{{4}}\b", "pl": r"\b\d{2}\.\d{2}\.\d{4}\b"}
OTHER = {"en": OWN["pl"], "pl": OWN["en"]}


def foreign_dates(text: str, language: str) -> list[str]:
    found = [f"{name}: {m.group(0)}" for name, p in SHAPES.items() for m in re.finditer(p, text)]
    found += [f"the other language's: {m.group(0)}" for m in re.finditer(OTHER[language], text)]
    return found


@pytest.fixture
def world(make_deal, reviewer, partner_user, django_capture_on_commit_callbacks):
    close = datetime.date(2027, 3, 15)
    with django_capture_on_commit_callbacks(execute=True):
        approved = make_deal(Deal.Status.APPROVED, expected_close_date=close)
        submitted = make_deal(Deal.Status.SUBMITTED, expected_close_date=close)
        comments.add_comment(deal=approved, author=partner_user, body="Any news?")
        workflow.reject(deal=make_deal(Deal.Status.SUBMITTED), by=reviewer, reason="No budget.")
    return {"approved": approved, "submitted": submitted}


def pages(world, role):
    urls = [
        reverse("portal:home"),
        reverse("portal:opportunity_manager"),
        reverse("portal:deal_detail", args=[world["approved"].pk]),
        reverse("portal:deal_detail", args=[world["submitted"].pk]),
    ]
    if role == "reviewer":
        urls += [
            reverse("admin:portal_deal_changelist") + "?status=all",
            reverse("admin:portal_deal_change", args=[world["approved"].pk]),
            reverse("admin:portal_deal_approve", args=[world["submitted"].pk]),
        ]
    if role == "partner_user":
        urls.append(reverse("portal:deal_request_extension", args=[world["approved"].pk]))
    return urls


@pytest.mark.parametrize("language", ["en", "pl"])
@pytest.mark.parametrize("role", ["partner_user", "distributor_user", "reviewer"])
def test_every_page_writes_dates_one_way(request, client, world, role, language):
    user = request.getfixturevalue(role)
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    seen_own = 0
    for url in pages(world, role):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        assert foreign_dates(text, language) == [], url
        seen_own += len(re.findall(OWN[language], text))
    assert seen_own >= 3  # the close date, validity and history are there to be read


def test_the_e_mails_write_dates_the_recipients_way(world, partner_user, reviewer):
    assert mail.outbox
    for message in mail.outbox:
        language = "pl" if "Dzień dobry" in message.body else "en"
        assert foreign_dates(message.body, language) == [], message.subject
        assert foreign_dates(visible_text(message.alternatives[0][0]), language) == []
