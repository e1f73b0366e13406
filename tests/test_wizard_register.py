"""Register Deal: exactly one deal whatever the partner does, expired sessions, similar deals,
and the conflict notice."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal import registration
from portal.models import Customer, Deal
from portal.wizard.state import WizardState
from portal.wizard.steps import build_registration
from tests import factories
from tests.wizard_steps import answer_until, answers, register, review_token, step_url

pytestmark = pytest.mark.django_db


def test_refreshing_the_register_post_creates_one_deal(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    token = review_token(client)
    first = client.post(step_url("review"), {"token": token})
    again = client.post(step_url("review"), {"token": token})
    assert Deal.objects.count() == 1
    assert first["Location"] == again["Location"]
    assert client.get(first["Location"]).status_code == 200


def test_a_double_click_creates_one_deal(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    token = review_token(client)
    responses = [client.post(step_url("review"), {"token": token}) for _ in range(2)]
    assert Deal.objects.count() == 1
    deal = Deal.objects.get()
    done = reverse("portal:register_deal_done", args=[deal.pk])
    assert [r["Location"] for r in responses] == [done, done]


def test_back_then_submit_shows_the_deal_already_registered(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    token = review_token(client)
    client.post(step_url("review"), {"token": token})
    # The browser's Back shows the cached review page; its form still holds the old token.
    response = client.post(step_url("review"), {"token": token}, follow=True)
    assert Deal.objects.count() == 1
    assert "Your deal is registered" in response.content.decode()


def test_the_token_is_unique_even_when_two_requests_race_past_the_first_check(partner, catalogue):
    """The database constraint, not the session, is what guarantees one deal."""

    class Session(dict):
        modified = False

    state = WizardState.start(Session())
    for slug, data in answers(catalogue).items():
        qd = {
            k: [str(v) for v in (data[k] if isinstance(data[k], list) else [data[k]])] for k in data
        }
        state.save_step(slug, qd)
    value, bad = build_registration(state)
    assert bad is None
    deal = registration.register(user=partner, registration=value, token=state.token)
    with pytest.raises(registration.DuplicateRegistration) as raised:
        registration.register(user=partner, registration=value, token=state.token)
    assert raised.value.deal_id == deal.pk
    assert Deal.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_register_posts_create_one_deal(partner_user, catalogue):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    client = Client()
    client.force_login(partner_user)
    answer_until(client, catalogue, "review")
    token = review_token(client)
    results = []

    def post():
        try:
            results.append(client.post(step_url("review"), {"token": token}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [302, 302, 302]
    assert Deal.objects.count() == 1


def test_an_expired_session_mid_way_starts_afresh_with_a_message(client, partner, catalogue):
    for method, slug in [("post", "products"), ("get", "details"), ("post", "review")]:
        answer_until(client, catalogue, "products")
        session = client.session
        del session["register_deal"]
        session.save()
        data = answers(catalogue).get(slug, {"token": "x"})
        response = getattr(client, method)(step_url(slug), data, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == step_url("opportunity")
        assert "Your session expired" in response.content.decode()
    assert not Deal.objects.exists()


def test_a_logged_out_partner_is_sent_to_login_not_to_an_error(client, partner, catalogue):
    answer_until(client, catalogue, "details")
    client.logout()
    response = client.post(step_url("details"), answers(catalogue)["details"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    # Logging in again (a new session) brings a fresh start with a message, not an error.
    client.force_login(partner)
    response = client.get(step_url("details"), follow=True)
    assert response.redirect_chain[-1][0] == step_url("opportunity")
    assert "Your session expired" in response.content.decode()


def test_a_similar_deal_prefills_customer_contact_products_distributor_competitors(
    client, partner, catalogue, make_deal
):
    original = make_deal(
        customer=catalogue.customer,
        customer_contact=catalogue.contact,
        lines=catalogue.products[:2],
    )
    original.competitors.set(catalogue.competitors[:1])
    response = client.get(reverse("portal:register_deal") + f"?similar={original.pk}")
    assert response["Location"] == step_url("opportunity")
    client.post(step_url("opportunity"), {"has_opportunity": "no"})
    assert "Teatr Nowy" in client.get(step_url("customer")).content.decode()
    client.post(step_url("customer"), {"mode": "existing", "customer": catalogue.customer.pk})
    page = client.get(step_url("contact")).content.decode()
    assert f'value="{catalogue.contact.pk}" checked' in page
    client.post(step_url("contact"), {"mode": "existing", "contact": catalogue.contact.pk})
    page = client.get(step_url("products")).content.decode()
    for product in catalogue.products[:2]:
        assert f'value="{product.pk}" id="product-{product.pk}" checked' in page
    p1, p2 = catalogue.products[:2]
    client.post(
        step_url("products"),
        {"product": [p1.pk, p2.pk], f"quantity_{p1.pk}": "1", f"quantity_{p2.pk}": "1"},
    )
    form = client.get(step_url("details")).context["form"]
    assert str(form.initial["distributor"]) == str(original.distributor_id)
    assert str(form.initial["competitors"]) == str(catalogue.competitors[0].pk)


def test_a_similar_deal_of_another_partner_is_not_found(
    client, other_partner_user, catalogue, make_deal
):
    deal = make_deal()
    client.force_login(other_partner_user)
    assert client.get(reverse("portal:register_deal") + f"?similar={deal.pk}").status_code == 404
    assert client.get(reverse("portal:register_deal") + "?similar=abc").status_code == 404


def test_the_review_warns_of_another_partners_registration_without_naming_it(
    client, partner, catalogue, other_partner_user
):
    theirs = factories.DealFactory(
        partner=other_partner_user.partner,
        registered_by=other_partner_user,
        customer=catalogue.customer,
        customer_contact=catalogue.contact,
        lines=[catalogue.products[0]],
    )
    from portal import workflow

    workflow.submit(deal=theirs, by=other_partner_user)
    answer_until(client, catalogue, "review")
    page = client.get(step_url("review")).content.decode()
    assert "already registered by another partner since" in page
    assert other_partner_user.partner.name not in page
    assert theirs.registered_by.get_full_name() not in page
    # The partner may still register.
    client.post(step_url("review"), {"token": client.session["register_deal"]["token"]})
    assert Deal.objects.filter(partner=partner.partner, status="submitted").count() == 1


def test_no_conflict_notice_for_the_partners_own_deals(client, partner, catalogue, make_deal):
    make_deal(
        customer=catalogue.customer,
        customer_contact=catalogue.contact,
        lines=[catalogue.products[0]],
    )
    answer_until(client, catalogue, "review")
    assert "another partner" not in client.get(step_url("review")).content.decode()


def test_a_failure_while_registering_saves_nothing(client, partner, catalogue, monkeypatch):
    new_customer = {
        "mode": "new",
        "name": "Half Saved",
        "tax_id": "9998887761",
        "country": "PL",
        "city": "Opole",
    }
    answer_until(
        client,
        catalogue,
        "review",
        customer=new_customer,
        contact={"mode": "new", "first_name": "A", "last_name": "B", "email": "a@b.pl"},
    )

    def boom(**kwargs):
        raise RuntimeError("workflow down")

    monkeypatch.setattr(registration.workflow, "submit", boom)
    with pytest.raises(RuntimeError):
        client.post(step_url("review"), {"token": review_token(client)})
    assert not Deal.objects.exists()
    assert not Customer.objects.filter(name="Half Saved").exists()


def answer_with_a_new_customer(client, catalogue) -> str:
    """Answer every step with a new customer (tax ID 555-000-11-19); the review's token."""
    answer_until(
        client,
        catalogue,
        "review",
        customer={
            "mode": "new",
            "name": "Race",
            "tax_id": "PL5550001119",
            "country": "PL",
            "city": "Opole",
        },
        contact={"mode": "new", "first_name": "A", "last_name": "B", "email": "a@b.pl"},
    )
    return review_token(client)


def test_register_returns_to_the_customer_step_if_its_tax_id_appeared_meanwhile(
    client, partner, catalogue
):
    token = answer_with_a_new_customer(client, catalogue)
    factories.CustomerFactory(tax_id="555-000-11-19")
    response = client.post(step_url("review"), {"token": token})
    assert response["Location"] == step_url("customer") + "?edit=1"
    assert not Deal.objects.exists()


def test_the_review_page_sends_back_to_a_step_whose_answer_no_longer_holds(
    client, partner, catalogue
):
    answer_with_a_new_customer(client, catalogue)
    factories.CustomerFactory(tax_id="555-000-11-19")
    response = client.get(step_url("review"), follow=True)
    assert response.redirect_chain[0][0] == step_url("customer") + "?edit=1"
    assert "Something changed since you answered this step" in response.content.decode()


def test_register_helper_walks_the_whole_wizard(client, partner, catalogue):
    assert register(client, catalogue).status_code == 302
