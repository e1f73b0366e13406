"""Abuse limits: 429 with Retry-After once a client, an address or a token goes over its
limit; counted in the database, so every worker process and node shares them."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal import ratelimit
from portal.dealregcheck import create_api_token
from portal.models import PartnerApplication, RateLimitCounter
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(settings):
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, (2, 3600))


def assert_429(response):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    return response


def test_a_limit_counts_per_key_and_says_how_long_to_wait(tight):
    apply = ratelimit.limit("apply")
    assert ratelimit.hit(apply, "203.0.113.5") is None
    assert ratelimit.hit(apply, "203.0.113.5") is None
    assert 1 <= ratelimit.hit(apply, "203.0.113.5") <= 3600
    assert ratelimit.hit(apply, "198.51.100.7") is None  # another client has its own count
    assert not RateLimitCounter.objects.filter(key__contains="203.0.113.5").exists()  # hashed


def test_applying_too_often_from_one_client_is_refused(client, tight):
    distributor = factories.DistributorFactory()
    for n in range(2):
        client.post(
            reverse("portal:apply"), {"company_name": f"Firma {n}", "distributor": distributor.pk}
        )
    page = assert_429(client.post(reverse("portal:apply"), {"company_name": "Firma 3"}))
    assert "Too many attempts" in page.content.decode()
    assert not PartnerApplication.objects.exists()


def test_password_resets_are_limited_per_address_and_per_client(
    client, partner_user, tight, mailoutbox
):
    url = reverse("password_reset")
    for _ in range(2):
        assert client.post(url, {"email": partner_user.email}).status_code == 302
    assert_429(client.post(url, {"email": partner_user.email.upper()}))
    assert len(mailoutbox) == 2
    # Another client may still ask for another address, but this one has used its allowance.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(url, {"email": "someone@example.com"}).status_code == 302
    assert_429(client.post(url, {"email": "someone-else@example.com"}))


@pytest.mark.parametrize("url", ["login", "admin:login"])
def test_logins_are_limited_per_client_across_accounts(client, partner_user, tight, url):
    for n in range(2):
        client.post(reverse(url), {"username": f"nobody{n}", "password": "x"})
    assert_429(client.post(reverse(url), {"username": partner_user.username, "password": "pass"}))
    assert "_auth_user_id" not in client.session


def test_the_api_is_limited_per_token(client, distributor_user, tight):
    _row, token = create_api_token(distributor=distributor_user.distributor, name="ERP")
    _row, other = create_api_token(distributor=distributor_user.distributor, name="Shop")
    url = reverse("portal:api_deal_reg_check")
    for _ in range(2):
        assert (
            client.get(url, {"number": "x"}, HTTP_AUTHORIZATION=f"Bearer {token}").status_code
            == 404
        )
    over = assert_429(client.get(url, {"number": "x"}, HTTP_AUTHORIZATION=f"Bearer {token}"))
    assert "Too many requests" in over.json()["detail"]
    assert client.get(url, {"number": "x"}, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_count_is_shared_by_separate_database_connections(tight):
    """Two workers are two connections: the second sees the first one's count."""
    if connection.vendor == "sqlite":
        pytest.skip("one in-memory SQLite database has one connection")
    import threading

    apply = ratelimit.limit("apply")
    results = []

    def worker():
        try:
            results.append(ratelimit.hit(apply, "203.0.113.9"))
        finally:
            connection.close()

    for _ in range(3):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert results[:2] == [None, None] and results[2] is not None
