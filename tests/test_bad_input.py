"""Inputs that used to crash a page (issue 11, defects 5 to 7): each gets a clear 4xx or a
normal page now, nothing is half-saved, and a database outage answers 503."""

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal import extensions
from portal.models import Customer, Deal, ExtensionRequest
from tests.wizard_steps import answer_until, answers, review_token, step_url

pytestmark = pytest.mark.django_db
S = Deal.Status
OM = reverse("portal:opportunity_manager")
ADMIN_DEALS = reverse("admin:portal_deal_changelist")


@pytest.fixture
def quiet_client():
    """A client that hands back the 500 page instead of raising, as a browser would see."""
    return Client(raise_request_exception=False)


def test_a_nul_byte_anywhere_is_a_clear_400(quiet_client, partner_user, reviewer, catalogue):
    quiet_client.force_login(partner_user)
    nul = "a\x00b"
    for url, params in [
        (reverse("portal:customer_search"), {"q": nul}),
        (step_url("customer"), {"q": nul}),
        (step_url("products"), {"pq": nul}),
        (OM, {"q": nul}),
    ]:
        response = quiet_client.get(url, params)
        assert response.status_code == 400, url
        assert "not allowed (NUL)" in response.content.decode()
    response = quiet_client.post(step_url("opportunity"), {"has_opportunity": nul})
    assert response.status_code == 400
    quiet_client.force_login(reviewer)
    for params in ({"q": nul}, {"status__exact": nul}, {"distributor__id__exact": nul}):
        assert quiet_client.get(ADMIN_DEALS, params).status_code == 400


# Superscript two passes str.isdigit() but not int(); Arabic-Indic digits pass both.
ODD_DIGITS = ["²", "٣", "１", "9" * 30]


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_odd_digits_in_numeric_parameters_are_no_error(
    quiet_client, partner_user, reviewer, make_deal, catalogue, value
):
    make_deal(S.SUBMITTED)
    quiet_client.force_login(partner_user)
    for url, params in [
        (OM, {"page": value}),
        (OM, {"page": value, "q": "Customer"}),
        (OM, {"distributor": value, "family": value}),
        (step_url("products"), {"family": value}),
        (reverse("portal:deal_detail", args=[1]) + f"?x={value}", {}),
    ]:
        response = quiet_client.get(url, params)
        assert response.status_code < 500, (url, params)
    quiet_client.force_login(reviewer)
    for params in ({"distributor__id__exact": value}, {"p": value}, {"partner__id__exact": value}):
        assert quiet_client.get(ADMIN_DEALS, params).status_code < 500, params


def test_a_huge_page_number_with_a_search_shows_a_page(client, partner_user, make_deal):
    deal = make_deal(S.SUBMITTED)
    client.force_login(partner_user)
    response = client.get(OM, {"q": deal.customer.name, "page": "99999999999999999999"})
    assert response.status_code == 200
    assert deal.customer.name in response.content.decode()


@pytest.mark.parametrize("bad", ["abc", "²", "1.5", "%00"])
def test_malformed_ids_in_the_admins_own_views_are_404(quiet_client, reviewer, bad):
    quiet_client.force_login(reviewer)
    for name in ("portal_deal_approve", "portal_deal_reject", "portal_deal_reject_duplicate"):
        url = f"/admin/portal/deal/{bad}/" + reverse(f"admin:{name}", args=[1]).split("/1/")[1]
        assert quiet_client.get(url).status_code in (400, 404), url
        assert quiet_client.post(url).status_code in (400, 404), url
    for name in ("portal_partnerapplication_approve", "portal_partnerapplication_reject"):
        url = reverse(f"admin:{name}", args=[1]).replace("/1/", f"/{bad}/")
        assert quiet_client.get(url).status_code in (400, 404), url


def test_an_extension_of_a_deal_valid_until_9999_is_a_message(
    client, make_deal, partner_user, reviewer
):
    deal = make_deal(S.APPROVED)
    Deal.objects.filter(pk=deal.pk).update(validity_end=datetime.date(9999, 12, 31))
    request = extensions.request_extension(deal=deal, by=partner_user, reason="Longer tender.")
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:portal_extensionrequest_changelist"),
        {"action": "approve_requests", "_selected_action": [request.pk], "apply": "1"},
        follow=True,
    )
    assert response.status_code == 200
    assert "was not changed" in response.content.decode()
    assert ExtensionRequest.objects.get(pk=request.pk).status == ExtensionRequest.Status.PENDING


def test_dates_far_ahead_are_refused_next_to_the_field(client, partner_user, catalogue):
    client.force_login(partner_user)
    answer_until(client, catalogue, "details")
    data = {**answers(catalogue)["details"], "expected_close_date": "9999-12-31"}
    response = client.post(step_url("details"), data)
    assert response.status_code == 200
    assert "Choose a date before" in response.content.decode()
    assert data["next_steps"] in response.content.decode()  # the rest of the input is kept


def test_control_characters_are_refused_in_single_line_fields(client, partner_user, catalogue):
    client.force_login(partner_user)
    answer_until(client, catalogue, "customer")
    data = {
        "mode": "new",
        "name": "Evil\r\nBcc: everyone@example.com",
        "tax_id": "PL1234563218",
        "country": "PL",
        "city": "Kraków\x1b[31m",
    }
    response = client.post(step_url("customer"), data)
    assert response.status_code == 200
    html = response.content.decode()
    # Next to each of the two fields, and again in the error summary at the top.
    assert html.count("Remove the control characters") == 4
    summary = html[
        html.index('id="error-summary"') : html.index("</div>", html.index('id="error-summary"'))
    ]
    assert summary.count("Remove the control characters") == 2
    assert not Customer.objects.filter(tax_id__contains="1234563218").exists()


def test_multi_line_fields_keep_their_line_breaks(client, partner_user, catalogue):
    client.force_login(partner_user)
    answer_until(client, catalogue, "details")
    data = {**answers(catalogue)["details"], "next_steps": "Call the CTO.\r\nThen\ta demo."}
    assert client.post(step_url("details"), data).status_code == 302
    bell = {**data, "next_steps": "Ring\x07"}
    response = client.post(step_url("details"), bell)
    assert "Remove the control characters" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_partners_registering_the_same_new_customer_at_once_share_it(
    partner_user, other_partner_user, catalogue
):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    new_customer = {
        "mode": "new",
        "name": "Zakład Wspólny",
        "tax_id": "PL1234563218",
        "country": "PL",
        "city": "Łódź",
    }
    new_contact = {"mode": "new", "first_name": "Jan", "last_name": "Wspólny", "email": "j@zw.pl"}
    clients, tokens = [], []
    for user in (partner_user, other_partner_user):
        client = Client()
        client.force_login(user)
        answer_until(client, catalogue, "review", customer=new_customer, contact=new_contact)
        clients.append(client)
        tokens.append(review_token(client))
    barrier = threading.Barrier(2)
    results = []

    def register(client, token):
        try:
            barrier.wait()
            results.append(client.post(step_url("review"), {"token": token}).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=register, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302, 302]
    customer = Customer.objects.get(tax_id_normalized="1234563218")
    assert Deal.objects.filter(customer=customer).count() == 2
    assert customer.contacts.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_answers_503_and_keeps_nothing_half_written(partner_user, make_deal):
    if connection.vendor != "postgresql":
        pytest.skip("an in-memory SQLite test database cannot be taken away and brought back")
    deal = make_deal(S.SUBMITTED)
    client = Client(raise_request_exception=False)
    client.force_login(partner_user)
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: the database is "down"
    try:
        page = client.get(reverse("portal:deal_detail", args=[deal.pk]))
        comment = client.post(reverse("portal:deal_comment", args=[deal.pk]), {"body": "Hello?"})
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    for response in (page, comment):
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert "briefly unavailable" in response.content.decode()
    assert not deal.comments.exists()
    assert client.get(reverse("portal:deal_detail", args=[deal.pk])).status_code == 200
