"""The Deal Reg Number check as a JSON endpoint with a per-distributor bearer token."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from portal.dealregcheck import create_api_token, hash_token
from portal.models import Deal, DistributorApiToken
from tests import factories

pytestmark = pytest.mark.django_db
S = Deal.Status
URL = "/api/v1/deal-reg-check/"


@pytest.fixture
def token(distributor_user):
    _row, token = create_api_token(distributor=distributor_user.distributor, name="ERP")
    return token


def api(client, number, token=None, **headers):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.get(URL, {"number": number}, **headers)


def test_url_is_the_documented_one():
    assert reverse("portal:api_deal_reg_check") == URL


def test_valid_number_answers_with_name_partner_customer_products_discount_and_end(
    client, token, make_deal
):
    product = factories.ProductFactory(sku="NGFW-400", name="Next-Gen Firewall 400")
    deal = make_deal(S.APPROVED, lines=[product])
    deal.refresh_from_db()
    response = api(client, deal.deal_reg_number, token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "found": True,
        "valid": True,
        "deal_reg_number": deal.deal_reg_number,
        "name": deal.name,
        "partner": deal.partner.name,
        "customer": {"name": deal.customer.name, "tax_id": deal.customer.tax_id},
        "products": [{"sku": "NGFW-400", "name": "Next-Gen Firewall 400", "quantity": 1}],
        "discount_percent": str(deal.discount_percent),
        "validity_end": deal.validity_end.isoformat(),
    }


def test_own_foreign_expired_and_malformed_numbers(
    client, token, make_deal, other_distributor_user
):
    own = make_deal(S.APPROVED)
    foreign = make_deal(S.APPROVED, distributor=other_distributor_user.distributor)
    expired = make_deal(S.EXPIRED)
    past_end = make_deal(S.APPROVED)
    Deal.objects.filter(pk=past_end.pk).update(
        validity_end=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert api(client, own.deal_reg_number, token).status_code == 200
    misses = [
        foreign.deal_reg_number,
        expired.deal_reg_number,
        past_end.deal_reg_number,
        "DR-2026-999999",
        "not a number",
        "DR-" + "1" * 300,
        "",
    ]
    answers = set()
    for number in misses:
        response = api(client, number, token)
        assert response.status_code == 404, number
        answers.add(response.content)
    # Byte for byte the same answer: nothing tells a guesser which kind of miss it was.
    assert len(answers) == 1
    assert api(client, "x", token).json() == {
        "found": False,
        "valid": False,
        "detail": "Not found: no registration with this Deal Reg Number is valid today "
        "for your organisation.",
    }


def test_missing_number_parameter_is_a_plain_miss(client, token):
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 404 and response.json()["found"] is False


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000],
)
def test_invalid_or_missing_token_answers_401(client, make_deal, header):
    deal = make_deal(S.APPROVED)
    headers = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get(URL, {"number": deal.deal_reg_number}, **headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or missing API token."}
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert deal.customer.name not in response.content.decode()


def test_revoked_token_answers_401(client, token, make_deal):
    DistributorApiToken.objects.update(revoked_at=timezone.now())
    deal = make_deal(S.APPROVED)
    assert api(client, deal.deal_reg_number, token).status_code == 401


def test_a_logged_in_session_is_not_a_token(client, distributor_user, make_deal):
    client.force_login(distributor_user)
    assert api(client, make_deal(S.APPROVED).deal_reg_number).status_code == 401


def test_token_is_stored_hashed_and_its_use_recorded(client, token, make_deal):
    row = DistributorApiToken.objects.get()
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert token.startswith(row.prefix)
    assert row.last_used_at is None
    api(client, make_deal(S.APPROVED).deal_reg_number, token)
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_only_get_is_allowed(client, token):
    response = client.post(URL, {"number": "x"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405


def test_the_endpoint_costs_few_queries(client, token, make_deal, django_assert_max_num_queries):
    deal = make_deal(S.APPROVED)
    # The rate limit's counter, the token, its last-used stamp, the look-up.
    with django_assert_max_num_queries(4):
        response = api(client, deal.deal_reg_number, token)
    assert response.status_code == 200
    assert response.json()["deal_reg_number"] == deal.deal_reg_number


def test_management_command_prints_a_working_token(client, distributor_user, make_deal):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        distributor_user.distributor.name,
        "--name",
        "ERP",
        stdout=out,
        stderr=err,
    )
    token = out.getvalue().strip()
    assert api(client, make_deal(S.APPROVED).deal_reg_number, token).status_code == 200
    with pytest.raises(CommandError):
        call_command("create_api_token", "No Such Distributor", stdout=out, stderr=err)


def test_reviewer_creates_a_token_in_the_admin_and_sees_it_once(
    client, reviewer, distributor_user, make_deal
):
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:portal_distributorapitoken_add"),
        {"distributor": distributor_user.distributor.pk, "name": "ERP"},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('data-testid="new-api-token">') + len('data-testid="new-api-token">')
    token = html[start : html.index("</code>", start)]
    row = DistributorApiToken.objects.get()
    assert row.token_hash == hash_token(token)
    assert api(client, make_deal(S.APPROVED).deal_reg_number, token).status_code == 200
    # Not shown again on its page.
    page = client.get(reverse("admin:portal_distributorapitoken_change", args=[row.pk]))
    assert token not in page.content.decode()
    # Revoking it closes the door.
    client.post(
        reverse("admin:portal_distributorapitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [row.pk]},
    )
    assert api(client, make_deal(S.APPROVED).deal_reg_number, token).status_code == 401


def test_partner_staff_cannot_reach_the_token_admin(client, partner_user):
    client.force_login(partner_user)
    response = client.get(reverse("admin:portal_distributorapitoken_changelist"))
    assert response.status_code == 302


def test_the_api_accepts_the_number_however_it_is_written(client, token, make_deal):
    deal = make_deal(S.APPROVED)
    spaced = deal.deal_reg_number.replace("-", " ").lower()
    for typed in (
        spaced,
        deal.deal_reg_number.replace("-", ""),
        deal.deal_reg_number.replace("-", "–"),
    ):
        response = api(client, typed, token)
        assert response.status_code == 200, typed
        assert response.json()["deal_reg_number"] == deal.deal_reg_number
