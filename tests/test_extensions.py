"""Extension requests: the partner asks, a reviewer approves with a new end or refuses."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal import extensions, workflow
from portal.models import Deal, ExtensionRequest

pytestmark = pytest.mark.django_db
S = Deal.Status
R = ExtensionRequest.Status


@pytest.fixture
def approved(make_deal):
    return make_deal(S.APPROVED)


def ask(deal, user, reason="Customer postponed the tender.", **kwargs):
    return extensions.request_extension(deal=deal, by=user, reason=reason, **kwargs)


def test_partner_asks_and_reviewer_approves_with_the_requested_date(
    approved, partner_user, reviewer
):
    wanted = approved.validity_end + datetime.timedelta(days=45)
    request = ask(approved, partner_user, requested_validity_end=wanted)
    assert request.status == R.PENDING
    extensions.approve_extension(request=request, by=reviewer)
    request.refresh_from_db()
    approved.refresh_from_db()
    assert (request.status, request.decided_by) == (R.APPROVED, reviewer)
    assert approved.validity_end == wanted and approved.status == S.APPROVED
    entry = approved.history.last()
    assert (entry.from_status, entry.to_status) == (S.APPROVED, S.APPROVED)
    assert "Customer postponed the tender." in entry.note


def test_reviewer_may_choose_another_date(approved, partner_user, reviewer):
    request = ask(approved, partner_user)
    chosen = approved.validity_end + datetime.timedelta(days=10)
    extensions.approve_extension(request=request, by=reviewer, validity_end=chosen)
    approved.refresh_from_db()
    assert approved.validity_end == chosen


def test_without_a_date_the_default_extension_applies(approved, partner_user, reviewer, settings):
    settings.DEAL_EXTENSION_DAYS = 30
    old_end = approved.validity_end
    extensions.approve_extension(request=ask(approved, partner_user), by=reviewer)
    approved.refresh_from_db()
    assert approved.validity_end == old_end + datetime.timedelta(days=30)


def test_refusal_needs_a_reason_and_leaves_the_deal_alone(approved, partner_user, reviewer):
    request = ask(approved, partner_user)
    with pytest.raises(ValidationError):
        extensions.refuse_extension(request=request, by=reviewer, reason=" ")
    extensions.refuse_extension(request=request, by=reviewer, reason="Tender already decided.")
    request.refresh_from_db()
    approved_end = approved.validity_end
    approved.refresh_from_db()
    assert (request.status, request.decision_note) == (R.REFUSED, "Tender already decided.")
    assert approved.validity_end == approved_end


def test_a_decided_request_cannot_be_decided_again(approved, partner_user, reviewer):
    request = ask(approved, partner_user)
    extensions.refuse_extension(request=request, by=reviewer, reason="No.")
    with pytest.raises(workflow.DealTransitionError):
        extensions.approve_extension(request=request, by=reviewer)


def test_only_one_pending_request_per_deal(approved, partner_user):
    ask(approved, partner_user)
    with pytest.raises(ValidationError) as exc:
        ask(approved, partner_user)
    assert "already waiting for the vendor" in str(exc.value)


@pytest.mark.parametrize("status", [S.SUBMITTED, S.REJECTED, S.EXPIRED, S.WON, S.LOST])
def test_only_approved_deals_can_be_extended(make_deal, partner_user, status):
    deal = make_deal(status)
    with pytest.raises(ValidationError) as exc:
        ask(deal, partner_user)
    assert "Only an Approved registration can be extended." in exc.value.messages
    assert not ExtensionRequest.objects.exists()


def test_the_number_of_extensions_is_limited_by_the_setting(
    approved, partner_user, reviewer, settings
):
    settings.DEAL_MAX_EXTENSIONS = 1
    extensions.approve_extension(request=ask(approved, partner_user), by=reviewer)
    with pytest.raises(ValidationError) as exc:
        ask(approved, partner_user)
    assert "maximum number of times (1)" in str(exc.value)
    settings.DEAL_MAX_EXTENSIONS = 2
    second = ask(approved, partner_user)
    extensions.approve_extension(request=second, by=reviewer)
    assert workflow.extensions_used(approved) == 2


def test_limit_is_checked_again_at_approval(approved, partner_user, reviewer, settings):
    settings.DEAL_MAX_EXTENSIONS = 1
    request = ask(approved, partner_user)
    # A reviewer extended the deal from the queue meanwhile.
    workflow.extend(
        deal=approved, by=reviewer, validity_end=approved.validity_end + datetime.timedelta(9)
    )
    with pytest.raises(workflow.DealTransitionError):
        extensions.approve_extension(request=request, by=reviewer)
    request.refresh_from_db()
    assert request.status == R.PENDING


def test_other_partners_distributors_and_reviewers_cannot_ask(
    approved, other_partner_user, distributor_user, reviewer
):
    for user in (other_partner_user, distributor_user, reviewer):
        with pytest.raises(PermissionDenied):
            ask(approved, user)


def test_partner_cannot_decide(approved, partner_user):
    request = ask(approved, partner_user)
    with pytest.raises(PermissionDenied):
        extensions.approve_extension(request=request, by=partner_user)
    with pytest.raises(PermissionDenied):
        extensions.refuse_extension(request=request, by=partner_user, reason="x")


# --- the partner's view -----------------------------------------------------------


def url(deal):
    return reverse("portal:deal_request_extension", args=[deal.pk])


def test_partner_requests_an_extension_through_the_page(client, approved, partner_user):
    client.force_login(partner_user)
    assert client.get(url(approved)).status_code == 200
    response = client.post(url(approved), {"reason": "Tender moved to Q2."}, follow=True)
    assert response.status_code == 200
    assert "Your extension request was sent to the vendor." in response.content.decode()
    request = ExtensionRequest.objects.get()
    assert (request.deal_id, request.requested_by, request.reason) == (
        approved.pk,
        partner_user,
        "Tender moved to Q2.",
    )


def test_bad_input_shows_sentences_and_keeps_what_was_typed(client, approved, partner_user):
    client.force_login(partner_user)
    response = client.post(url(approved), {"reason": "", "requested_validity_end": "2001-01-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert 'value="2001-01-01"' in html
    response = client.post(
        url(approved), {"reason": "Later.", "requested_validity_end": "2001-01-01"}
    )
    html = response.content.decode()
    assert "Choose a date after the current validity end" in html and "Later." in html
    assert not ExtensionRequest.objects.exists()


def test_submitted_deal_answers_with_a_sentence_not_an_error(client, make_deal, partner_user):
    deal = make_deal(S.SUBMITTED)
    client.force_login(partner_user)
    response = client.post(url(deal), {"reason": "Please."})
    assert response.status_code == 400
    assert "Only an Approved registration can be extended." in response.content.decode()


def test_tampered_post_does_not_crash(client, approved, partner_user):
    client.force_login(partner_user)
    response = client.post(
        url(approved), {"reason": "x" * 5000, "requested_validity_end": "31/31/2026"}
    )
    assert response.status_code == 400
    assert not ExtensionRequest.objects.exists()


def test_other_partner_gets_404_and_distributor_or_reviewer_403(
    client, approved, other_partner_user, distributor_user, reviewer
):
    client.force_login(other_partner_user)
    assert client.post(url(approved), {"reason": "x"}).status_code == 404
    for user in (distributor_user, reviewer):
        client.force_login(user)
        assert client.post(url(approved), {"reason": "x"}).status_code == 403
    assert not ExtensionRequest.objects.exists()


def test_anonymous_user_is_sent_to_login(client, approved):
    response = client.post(url(approved), {"reason": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_costs_few_queries(client, approved, partner_user, django_assert_max_num_queries):
    client.force_login(partner_user)
    with django_assert_max_num_queries(8):
        page = client.get(url(approved))
    assert page.status_code == 200
    assert "Why does the registration need more time?" in page.content.decode()
    with django_assert_max_num_queries(8):
        sent = client.post(url(approved), {"reason": "Tender moved."})
    assert sent.status_code == 302
    assert approved.extension_requests.get().reason == "Tender moved."


# --- the reviewers' admin ---------------------------------------------------------


def test_reviewer_approves_and_refuses_requests_from_the_admin(
    client, reviewer, make_deal, partner_user
):
    first, second = make_deal(S.APPROVED), make_deal(S.APPROVED)
    r1, r2 = ask(first, partner_user), ask(second, partner_user)
    client.force_login(reviewer)
    changelist = reverse("admin:portal_extensionrequest_changelist")
    assert client.get(changelist).status_code == 200
    new_end = first.validity_end + datetime.timedelta(days=20)
    html = client.post(
        changelist,
        {
            "action": "approve_requests",
            "_selected_action": [r1.pk],
            "apply": "1",
            "validity_end": new_end.isoformat(),
        },
        follow=True,
    ).content.decode()
    assert "1 extension request approved" in html
    html = client.post(
        changelist,
        {
            "action": "refuse_requests",
            "_selected_action": [r1.pk, r2.pk],
            "apply": "1",
            "reason": "Not this quarter.",
        },
        follow=True,
    ).content.decode()
    assert "1 extension request refused" in html
    assert "was not changed: This extension request was already approved." in html
    r1.refresh_from_db()
    r2.refresh_from_db()
    first.refresh_from_db()
    assert (r1.status, r2.status) == (R.APPROVED, R.REFUSED)
    assert first.validity_end == new_end


def test_refusing_in_the_admin_asks_for_the_reason(client, reviewer, approved, partner_user):
    request = ask(approved, partner_user)
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:portal_extensionrequest_changelist"),
        {"action": "refuse_requests", "_selected_action": [request.pk], "apply": "1"},
    )
    assert "This field is required" in response.content.decode()
    request.refresh_from_db()
    assert request.status == R.PENDING


def test_pending_request_shows_on_the_deals_admin_page(client, reviewer, approved, partner_user):
    ask(approved, partner_user, reason="Tender moved to Q2.")
    client.force_login(reviewer)
    html = client.get(reverse("admin:portal_deal_change", args=[approved.pk])).content.decode()
    assert "Tender moved to Q2." in html and "Pending" in html


def test_an_extension_shows_in_the_timeline_as_its_own_kind(approved, partner_user, reviewer):
    from portal.timeline import deal_timeline

    extensions.approve_extension(request=ask(approved, partner_user), by=reviewer)
    kinds = [entry.kind for entry in deal_timeline(user=partner_user, deal=approved)]
    assert kinds == ["status", "status", "extension"]
