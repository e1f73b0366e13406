"""The partner API v1: its schema and docs, who reaches each operation, registering through
the wizard's rules with an idempotency key, lists and transitions, limits and errors."""

import json

import pytest
from django.urls import reverse

from portal import api_tokens
from portal.api import api
from portal.dealregcheck import create_api_token
from portal.models import Deal, PartnerApiToken
from tests import factories
from tests.wizard_steps import future

pytestmark = pytest.mark.django_db
S = Deal.Status
BASE = "/api/v1"


@pytest.fixture
def tokens(partner_user, other_partner_user, distributor_user, other_distributor_user):
    """A token per role, as each would send it."""
    write = PartnerApiToken.Scope.WRITE
    made = {
        "partner A": api_tokens.create_token(user=partner_user, name="CRM", scope=write)[1],
        "partner A, read only": api_tokens.create_token(
            user=partner_user, name="BI", scope=PartnerApiToken.Scope.READ
        )[1],
        "partner B": api_tokens.create_token(user=other_partner_user, name="CRM", scope=write)[1],
        "distributor X": create_api_token(distributor=distributor_user.distributor, name="ERP")[1],
        "distributor Y": create_api_token(
            distributor=other_distributor_user.distributor, name="ERP"
        )[1],
    }
    revoked_row, made["revoked"] = api_tokens.create_token(
        user=partner_user, name="Old", scope=write
    )
    api_tokens.revoke_token(token=revoked_row, by=partner_user)
    made["anonymous"] = None
    return made


def call(client, method, path, token=None, body=None, **headers):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if body is not None:
        return getattr(client, method)(
            BASE + path, json.dumps(body), content_type="application/json", **headers
        )
    return getattr(client, method)(BASE + path, **headers)


def registration(cat, **changes) -> dict:
    p1, p2 = cat.products[0], cat.products[2]
    body = {
        "customer": {"id": cat.customer.pk},
        "contact": {"id": cat.contact.pk},
        "products": [{"id": p1.pk, "quantity": 2}, {"id": p2.pk, "quantity": 10}],
        "name": "Head office firewall refresh",
        "expected_close_date": future(),
        "sales_name": "Anna Tester",
        "sales_email": "partner_a@example.com",
        "distributor": cat.distributor.pk,
        "next_steps": "Workshop, then a proof of concept.",
        "estimated_value": "150000",
        "currency": "PLN",
        "competitors": [c.pk for c in cat.competitors],
    }
    body.update(changes)
    return body


def test_the_schema_and_its_docs_are_served_without_a_cdn(client):
    schema = client.get(f"{BASE}/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/deals", "/api/v1/deals/{deal_id}", "/api/v1/distributor/deals"} <= set(paths)
    docs = client.get(f"{BASE}/docs")
    html = docs.content.decode()
    assert docs.status_code == 200 and "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def operations() -> list[tuple[str, str]]:
    """Every operation of the served schema: (method, path), from the API itself."""
    schema = api.get_openapi_schema()
    return [
        (method, path)
        for path, methods in schema["paths"].items()
        for method in methods
        if method in {"get", "post"}
    ]


PARTNER_OPS = {"catalogue", "customers", "deals"}
# Who gets what: partner A sees its deals, B gets 404 for A's, distributors use their own.
EXPECTED = {
    "partner": {
        "anonymous": 401, "revoked": 401, "distributor X": 401, "partner B": 404,
        "partner A": 200, "partner A, read only": 200,
    },
    "distributor": {
        "anonymous": 401, "revoked": 401, "partner A": 401, "distributor Y": 200,
        "distributor X": 200,
    },
}  # fmt: skip


def test_every_operation_answers_each_role_as_the_access_policy_says(
    client, tokens, make_deal, settings
):
    """Each operation of the schema × each role, on a fresh approved deal of partner A
    naming distributor X (registering has its own tests below)."""
    settings.RATE_LIMITS_ENABLED = False
    checked = 0
    for method, path in operations():
        if method == "post" and path.endswith("/deals"):
            continue
        group = "distributor" if "/distributor/" in path else "partner"
        for role, expected in EXPECTED[group].items():
            deal = make_deal(S.APPROVED)
            concrete = path.removeprefix(BASE).replace("{deal_id}", str(deal.pk))
            if "deal-reg-check" in path:
                concrete += f"?number={deal.deal_reg_number}"
                expected = 404 if role == "distributor Y" else expected
            elif role == "partner B" and "{deal_id}" not in path:
                expected = 200  # its own lists and the catalogue
            if method == "post" and role.startswith("partner A"):
                # Read-only tokens change nothing; an approved deal is won or lost, not
                # withdrawn.
                expected = 403 if "read only" in role else 409 if "withdraw" in path else 200
            body = {} if method == "post" else None
            response = call(client, method, concrete, tokens[role], body)
            assert response.status_code == expected, (method, path, role, response.content[:300])
            checked += 1
    assert checked >= 9 * 5


def test_registering_twice_with_one_idempotency_key_makes_one_deal(
    client, tokens, catalogue, partner_user
):
    body = registration(catalogue)
    first = call(client, "post", "/deals", tokens["partner A"], body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = call(client, "post", "/deals", tokens["partner A"], body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Deal.objects.filter(partner=partner_user.partner).count() == 1
    deal = Deal.objects.get()
    assert deal.status == S.SUBMITTED and deal.lines.count() == 2
    assert first.json()["history"][0]["to_status"] == S.SUBMITTED
    other = call(client, "post", "/deals", tokens["partner A"], body, HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 201 and Deal.objects.count() == 2


def test_a_refused_registration_says_what_the_wizard_says_beside_each_field(
    client, tokens, catalogue
):
    body = registration(
        catalogue,
        customer={"name": "Nowa Firma", "tax_id": "123", "country": "PL", "city": "Łódź"},
        contact={"first_name": "Jan"},
        products=[{"id": catalogue.retired.pk, "quantity": 1}],
        expected_close_date="2020-01-01",
    )
    response = call(client, "post", "/deals", tokens["partner A"], body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"customer.tax_id", "contact.last_name", "contact.email", "products"} <= set(errors)
    assert "expected_close_date" in errors
    assert errors["contact.email"] == ["This field is required."]
    assert not Deal.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"customer": "x"},
        {"customer": {}, "contact": {}, "products": "x"},
        {"customer": {"id": "abc"}, "contact": {"id": 10**30}, "products": [{"id": "²"}]},
        {"customer": {"id": 1}, "contact": {"id": 1}, "products": [{}], "estimated_value": "NaN"},
    ],
)
def test_junk_is_refused_with_a_field_map_never_a_5xx(client, tokens, catalogue, body):
    response = call(client, "post", "/deals", tokens["partner A"], body)
    assert response.status_code == 422
    assert response.json()["errors"]


def test_the_list_follows_the_om_filters_and_pages_with_a_cursor(
    client, tokens, make_deal, make_other_deal
):
    from portal.api import partner

    partner.PAGE_SIZE, old = 2, partner.PAGE_SIZE
    try:
        mine = [make_deal(S.SUBMITTED) for _ in range(3)] + [make_deal(S.APPROVED)]
        make_other_deal(S.SUBMITTED)
        first = call(client, "get", "/deals?status=submitted", tokens["partner A"]).json()
        assert len(first["results"]) == 2 and first["next"]
        rest = call(
            client, "get", f"/deals?status=submitted&after={first['next']}", tokens["partner A"]
        ).json()
        ids = [d["id"] for d in first["results"] + rest["results"]]
        assert sorted(ids) == sorted(d.pk for d in mine[:3]) and rest["next"] is None
    finally:
        partner.PAGE_SIZE = old


def test_won_goes_through_the_workflow_and_a_foreign_deal_is_404(
    client, tokens, make_deal, make_other_deal
):
    deal = make_deal(S.APPROVED)
    done = call(client, "post", f"/deals/{deal.pk}/won", tokens["partner A"], {"note": "PO 12"})
    assert done.status_code == 200 and done.json()["status"] == S.WON
    assert Deal.objects.get(pk=deal.pk).history.last().note == "PO 12"
    foreign = make_other_deal(S.APPROVED)
    assert call(client, "get", f"/deals/{foreign.pk}", tokens["partner A"]).status_code == 404
    assert call(client, "get", "/deals/abc", tokens["partner A"]).status_code == 422


def test_the_distributor_sees_the_deals_naming_it_and_checks_numbers(
    client, tokens, make_deal, make_other_deal
):
    mine = make_deal(S.APPROVED)
    make_deal(S.DRAFT)
    make_other_deal(S.APPROVED)
    listed = call(client, "get", "/distributor/deals", tokens["distributor X"]).json()
    assert [d["id"] for d in listed["results"]] == [mine.pk]
    checked = call(
        client,
        "get",
        f"/distributor/deal-reg-check?number={mine.deal_reg_number}",
        tokens["distributor X"],
    )
    assert checked.status_code == 200 and checked.json()["valid"] is True


def test_a_token_over_its_limit_gets_429_with_retry_after(client, tokens, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_token": (2, 60)}
    answers = [call(client, "get", "/catalogue", tokens["partner A"]) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, tokens, settings):
    settings.API_MAX_BODY_BYTES = 100
    response = call(client, "post", "/deals", tokens["partner A"], {"name": "x" * 500})
    assert response.status_code == 413


def test_a_token_is_shown_once_scoped_and_revocable_on_the_profile(client, partner_user):
    client.force_login(partner_user)
    page = client.post(reverse("portal:api_token_create"), {"name": "CRM", "scope": "read"})
    assert page.status_code == 200
    token = page.context["new_token"]
    assert token.startswith("dpt_") and token in page.content.decode()
    listed = client.get(reverse("portal:api_access")).content.decode()
    assert token not in listed and "CRM" in listed
    row = PartnerApiToken.objects.get(user=partner_user)
    assert row.token_hash != token and row.scope == "read"
    assert call(client, "get", "/catalogue", token).status_code == 200
    assert PartnerApiToken.objects.get(pk=row.pk).last_used_at is not None
    client.post(reverse("portal:api_token_revoke", args=[row.pk]))
    assert call(client, "get", "/catalogue", token).status_code == 401


def test_who_keeps_tokens_and_webhooks(client, partner_user, distributor_user, reviewer):
    url = reverse("portal:api_access")
    assert client.get(url).status_code == 302
    client.force_login(reviewer)
    assert client.get(url).status_code == 403
    client.force_login(distributor_user)
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="tokens"' not in page.content.decode()
    assert client.post(reverse("portal:api_token_create"), {"name": "x"}).status_code == 403
    other = api_tokens.create_token(user=factories.PartnerUserFactory(), name="x", scope="read")
    client.force_login(partner_user)
    assert client.post(reverse("portal:api_token_revoke", args=[other[0].pk])).status_code == 404


def test_the_api_root_and_unknown_paths_answer_without_a_server_error(client, tokens):
    for path in ["/", "/nothing", "/deals/1/fly"]:
        response = call(client, "get", path, tokens["partner A"])
        assert 400 <= response.status_code < 500, path


def test_a_reviewer_revokes_a_partners_token_in_the_admin(client, tokens, reviewer):
    row = PartnerApiToken.objects.get(name="CRM", user__username__isnull=False, revoked_at=None,
                                      prefix=tokens["partner A"][:10])  # fmt: skip
    client.force_login(reviewer)
    client.post(
        reverse("admin:portal_partnerapitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [row.pk]},
    )
    client.logout()
    assert call(client, "get", "/catalogue", tokens["partner A"]).status_code == 401
