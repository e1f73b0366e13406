"""Every step of Register a Deal runs a bounded number of SQL queries, whatever the data size."""

import pytest
from django.urls import reverse

from tests import factories
from tests.wizard_steps import answer_until, answers, review_token, step_url

pytestmark = pytest.mark.django_db

# Nine: the details and review steps also list the files uploaded so far.
MAX_QUERIES = 9
# Register Deal writes the customer, contact, deal, lines, contacts, competitors and the
# workflow's lock, check, update and history, then adopts the uploaded files; since the
# programme (issue 16) it also notes the partner's tier and any overlap at submission, counts
# the deal in the dashboards' tallies and asks the decision rules: more than a page, still
# independent of data size.
MAX_REGISTER_QUERIES = 30


@pytest.fixture
def big_portal(catalogue):
    """Many customers, contacts, products and competitors, so an N+1 would show."""
    for _ in range(3):
        factories.CustomerContactFactory(customer=catalogue.customer)
    factories.CustomerFactory.create_batch(
        30, name=factories.factory.Sequence(lambda n: f"Teatr {n}")
    )
    factories.ProductFactory.create_batch(20)
    factories.CompetitorFactory.create_batch(10)
    factories.DistributorFactory.create_batch(5)
    return catalogue


@pytest.mark.parametrize(
    "slug", ["opportunity", "customer", "contact", "products", "details", "review"]
)
def test_each_step_get_is_bounded(
    client, partner_user, big_portal, slug, django_assert_max_num_queries
):
    client.force_login(partner_user)
    answer_until(client, big_portal, "review")
    url = step_url(slug) + ("?q=teatr" if slug == "customer" else "")
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    number = ["opportunity", "customer", "contact", "products", "details", "review"].index(slug)
    assert f"Step {number + 1} of 6" in response.content.decode()


@pytest.mark.parametrize("slug", ["opportunity", "customer", "contact", "products", "details"])
def test_each_step_post_is_bounded(
    client, partner_user, big_portal, slug, django_assert_max_num_queries
):
    client.force_login(partner_user)
    answer_until(client, big_portal, "review")
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.post(step_url(slug), answers(big_portal)[slug])
    assert response.status_code == 302
    assert response["Location"].startswith("/sales/register-a-deal/")
    assert slug not in response["Location"]


@pytest.mark.parametrize("slug", ["customer", "contact", "products", "details"])
def test_each_step_post_with_errors_is_bounded(
    client, partner_user, big_portal, slug, django_assert_max_num_queries
):
    client.force_login(partner_user)
    answer_until(client, big_portal, "review")
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.post(
            step_url(slug), {"mode": "new"} if slug in ("customer", "contact") else {}
        )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode() or "alert-danger" in (
        response.content.decode()
    )


def test_customer_search_fragment_is_bounded(
    client, partner_user, big_portal, django_assert_max_num_queries
):
    client.force_login(partner_user)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(
            reverse("portal:customer_search"), {"q": "teatr"}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert response.content.decode().count("Choose Teatr ") == 20  # the search's limit


def test_register_deal_and_its_success_page_are_bounded(
    client, partner_user, big_portal, django_assert_max_num_queries
):
    client.force_login(partner_user)
    answer_until(client, big_portal, "review")
    token = review_token(client)
    with django_assert_max_num_queries(MAX_REGISTER_QUERIES):
        response = client.post(step_url("review"), {"token": token})
    assert response.status_code == 302
    with django_assert_max_num_queries(MAX_QUERIES):
        done = client.get(response["Location"])
    assert done.status_code == 200
    assert "Your deal is registered" in done.content.decode()
