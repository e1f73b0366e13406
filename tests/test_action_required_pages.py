"""Action Required and structured rejection as reviewers and partners see them (issue 15)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from portal import action_required
from portal.models import Deal, ReviewReason

pytestmark = pytest.mark.django_db
S = Deal.Status


def html(response) -> str:
    return response.content.decode()


def reason(code: str) -> ReviewReason:
    return ReviewReason.objects.get(code=code)


@pytest.fixture
def returned(make_deal, reviewer):
    """A submitted deal returned to partner A asking for a new name and close date."""
    deal = make_deal(S.SUBMITTED, name="Old name")
    action_required.request_action(
        deal=deal,
        by=reviewer,
        reasons=[reason("missing_distributor_quote")],
        message="Name the project after the site, please.",
        fields=["name", "expected_close_date"],
    )
    deal.refresh_from_db()
    return deal


def test_the_partner_sees_what_to_do_and_that_the_clock_is_stopped(client, partner_user, returned):
    client.force_login(partner_user)
    page = html(client.get(reverse("portal:deal_detail", args=[returned.pk])))
    assert 'data-status="action_required"' in page
    assert "Missing distributor quote" in page
    assert "Attach the distributor&#x27;s quote for this project" in page  # the guidance
    assert "Name the project after the site, please." in page
    assert "Project name, Expected close date" in page
    assert "decision clock is stopped" in page
    assert reverse("portal:deal_respond", args=[returned.pk]) in page


def test_the_answer_form_asks_only_for_the_fields_named(client, partner_user, returned):
    client.force_login(partner_user)
    page = html(client.get(reverse("portal:deal_respond", args=[returned.pk])))
    assert 'name="name" value="Old name"' in page
    assert 'name="expected_close_date"' in page
    assert 'name="next_steps"' not in page
    assert 'name="distributor"' not in page


def test_the_partner_answers_and_the_deal_is_submitted_again(client, partner_user, returned):
    client.force_login(partner_user)
    close = timezone.localdate() + datetime.timedelta(days=50)
    response = client.post(
        reverse("portal:deal_respond", args=[returned.pk]),
        {
            "name": "Gdańsk site network",
            "expected_close_date": close.isoformat(),
            "answer": "Done.",
        },
    )
    assert response.status_code == 302
    page = html(client.get(response["Location"]))
    assert "Submitted again" in page
    returned.refresh_from_db()
    assert (returned.status, returned.name, returned.expected_close_date) == (
        S.SUBMITTED,
        "Gdańsk site network",
        close,
    )
    assert returned.action_requests.get().answer == "Done."


def test_a_bad_answer_is_refused_next_to_its_field_and_keeps_the_rest(
    client, partner_user, returned
):
    client.force_login(partner_user)
    response = client.post(
        reverse("portal:deal_respond", args=[returned.pk]),
        {"name": "Kept name", "expected_close_date": "2020-01-01", "answer": "Kept answer"},
    )
    assert response.status_code == 400
    page = html(response)
    assert "The expected close date must be in the future." in page
    assert 'value="Kept name"' in page and "Kept answer" in page
    assert 'id="error-summary"' in page
    returned.refresh_from_db()
    assert (returned.status, returned.name) == (S.ACTION_REQUIRED, "Old name")


def test_a_deal_that_waits_on_nothing_sends_the_partner_back_to_its_page(
    client, partner_user, make_deal
):
    deal = make_deal(S.SUBMITTED)
    client.force_login(partner_user)
    response = client.get(reverse("portal:deal_respond", args=[deal.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:deal_detail", args=[deal.pk])
    assert "no longer waits on an answer from you" in html(response)


def test_the_partners_home_shows_what_waits_on_them(client, partner_user, returned):
    client.force_login(partner_user)
    page = html(client.get(reverse("portal:home")))
    section = page[page.index('data-testid="waiting-on-you"') :]
    assert "Old name" in section[: section.index("</section>")]
    assert reverse("portal:deal_respond", args=[returned.pk]) in section


def test_the_partners_home_says_when_nothing_waits(client, partner_user, make_deal):
    make_deal(S.SUBMITTED)
    client.force_login(partner_user)
    assert "the vendor has not asked you for anything" in html(client.get(reverse("portal:home")))


def test_a_submitted_deal_shows_the_decision_counting_down(client, partner_user, make_deal):
    deal = make_deal(S.SUBMITTED)
    client.force_login(partner_user)
    page = html(client.get(reverse("portal:deal_detail", args=[deal.pk])))
    clock = page[page.index('data-testid="decision-clock"') :]
    assert clock[clock.index(">") + 1 :].startswith("due in ")


def test_a_rejection_shows_its_reason_and_the_guidance_in_the_readers_language(
    client, partner_user, make_deal, reviewer
):
    from portal import workflow

    deal = make_deal(S.SUBMITTED)
    workflow.reject(
        deal=deal, by=reviewer, reason="Wrong customer.", reason_code=reason("end_customer_unclear")
    )
    partner_user.language = "pl"
    partner_user.save()
    client.force_login(partner_user)
    client.post(reverse("set_language"), {"language": "pl"})
    page = html(client.get(reverse("portal:deal_detail", args=[deal.pk])))
    assert "Niejasny klient końcowy" in page
    assert "Podaj pełną nazwę klienta końcowego" in page
    assert "Wrong customer." in page


# --- the reviewer's side ----------------------------------------------------------------


@pytest.fixture
def admin_client_reviewer(client, reviewer):
    client.force_login(reviewer)
    return client


def request_url(deal) -> str:
    return reverse("admin:portal_deal_request_action", args=[deal.pk])


def test_the_reviewer_returns_a_deal_from_its_admin_page(admin_client_reviewer, make_deal):
    client = admin_client_reviewer
    deal = make_deal(S.SUBMITTED)
    change = html(client.get(reverse("admin:portal_deal_change", args=[deal.pk])))
    assert request_url(deal) in change
    form = html(client.get(request_url(deal)))
    for r in ReviewReason.objects.filter(is_active=True):
        assert escape(r.name) in form
    response = client.post(
        request_url(deal),
        {
            "reasons": [reason("proof_of_activity").pk],
            "message": "Tell us about the workshop.",
            "fields": ["next_steps"],
        },
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == S.ACTION_REQUIRED
    change = html(client.get(reverse("admin:portal_deal_change", args=[deal.pk])))
    assert 'data-testid="waiting-request"' in change
    assert "Tell us about the workshop." in change
    assert request_url(deal) not in change  # asked already
    queue = html(client.get(reverse("admin:portal_deal_changelist") + "?status=action_required"))
    assert "sla-paused" in queue and "paused, " in queue


def test_a_request_without_reason_or_message_is_refused_beside_the_fields(
    admin_client_reviewer, make_deal
):
    deal = make_deal(S.SUBMITTED)
    response = admin_client_reviewer.post(request_url(deal), {"fields": ["name"]})
    assert response.status_code == 200
    page = html(response)
    assert "Choose at least one reason." in page
    assert "Say what the partner should do." in page
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED


def test_a_rejection_in_the_admin_needs_a_reason_from_the_list(admin_client_reviewer, make_deal):
    deal = make_deal(S.SUBMITTED)
    url = reverse("admin:portal_deal_reject", args=[deal.pk])
    refused = admin_client_reviewer.post(url, {"reason": "No."})
    assert refused.status_code == 200 and "This field is required." in html(refused)
    admin_client_reviewer.post(url, {"reason": "No.", "reason_code": reason("duplicate").pk})
    deal.refresh_from_db()
    assert (deal.status, deal.rejection_reason_code.code) == (S.REJECTED, "duplicate")


def test_reviewers_keep_the_list_of_reasons_in_the_admin(admin_client_reviewer):
    url = reverse("admin:portal_reviewreason_add")
    response = admin_client_reviewer.post(
        url,
        {
            "code": "budget",
            "position": 70,
            "is_active": "on",
            "name": "Budget unclear",
            "guidance": "Say who pays.",
            "name_pl": "Niejasny budżet",
            "guidance_pl": "Napisz, kto płaci.",
        },
    )
    assert response.status_code == 302
    assert ReviewReason.objects.get(code="budget").label == "Budget unclear"
    listing = html(admin_client_reviewer.get(reverse("admin:portal_reviewreason_changelist")))
    assert "Niejasny budżet" in listing


def test_the_history_shows_each_round_with_what_was_asked(client, partner_user, returned, reviewer):
    action_required.resubmit(deal=returned, by=partner_user, changes={}, answer="Renamed.")
    action_required.request_action(
        deal=returned, by=reviewer, reasons=[reason("proof_of_activity")], message="And proof?"
    )
    client.force_login(partner_user)
    page = html(client.get(reverse("portal:deal_detail", args=[returned.pk])))
    rounds = page.split('data-testid="asked"')[1:]
    assert len(rounds) == 2
    assert "Missing distributor quote" in rounds[0] and "Project name" in rounds[0]
    assert "Proof of pre-sales activity" in rounds[1] and "And proof?" in rounds[1]
    assert "Renamed." in page  # the partner's answer, in between
