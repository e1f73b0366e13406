"""The two ways back into a closed account, and the lock-out that other spellings and
proxies got around (issue 11, defects 1 to 3), each with its regression test."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.account_tokens import activation_token_generator, set_password_path
from tests import factories

pytestmark = pytest.mark.django_db
NEW_PASSWORD = {"new_password1": "Correct-Horse-42", "new_password2": "Correct-Horse-42"}


def activation_url(user, token: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("portal:activate", kwargs={"uidb64": uid, "token": token})


def set_password_through(client, url: str):
    """Open the link and post a new password on the page it leads to."""
    page = client.get(url, follow=True)
    return page, client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else url, NEW_PASSWORD
    )


def test_a_deactivated_account_does_not_reactivate_with_a_reset_token(client):
    user = factories.PartnerUserFactory(is_active=False)
    for token in (
        default_token_generator.make_token(user),
        activation_token_generator.make_token(user),
    ):
        page, _ = set_password_through(client, activation_url(user, token))
        assert "This link has already been used or has expired." in page.content.decode()
        user.refresh_from_db()
        assert not user.is_active
        assert user.check_password("pass")


def test_the_activation_link_opens_a_pending_account_once(client):
    user = factories.PartnerUserFactory(is_active=False)
    user.set_unusable_password()
    user.save()
    # A password-reset token for the same pending account is not an activation link.
    page, _ = set_password_through(
        client, activation_url(user, default_token_generator.make_token(user))
    )
    assert "This link has already been used or has expired." in page.content.decode()
    link = set_password_path(user)
    page, done = set_password_through(client, link)
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.is_active and user.check_password("Correct-Horse-42")
    again = client.get(link, follow=True).content.decode()
    assert "This link has already been used or has expired." in again


def test_a_password_reset_link_does_not_work_on_the_activation_page(client, partner_user):
    partner_user.is_active = False
    partner_user.save()
    token = default_token_generator.make_token(partner_user)
    page, _ = set_password_through(client, activation_url(partner_user, token))
    partner_user.refresh_from_db()
    assert not partner_user.is_active


# --- the lock-out ------------------------------------------------------------------------


@pytest.fixture
def limit_3(settings):
    settings.AXES_FAILURE_LIMIT = 3


def login(client, username, password, url="login", **extra):
    return client.post(reverse(url), {"username": username, "password": password}, **extra)


SPELLINGS = [
    "partner_a",
    "partner_a@example.com",
    "pArtner_A@Example.com",
    " partner_a@example.com ",
]


@pytest.mark.parametrize("failing", SPELLINGS)
def test_the_lock_holds_however_the_login_is_spelled(client, partner_user, limit_3, failing):
    partner_user.email = "partner_a@example.com"
    partner_user.save()
    for _ in range(3):
        login(client, failing, "wrong")
    for spelling in SPELLINGS:
        response = login(client, spelling, "pass")
        assert response.status_code == 429, spelling
        assert "_auth_user_id" not in client.session


def test_the_lock_holds_on_the_admin_login_too(client, reviewer, limit_3):
    reviewer.email = "reviewer@example.com"
    reviewer.save()
    for _ in range(3):
        login(client, "REVIEWER@example.com", "wrong", url="admin:login")
    for spelling in ("reviewer", " reviewer@example.com"):
        assert login(client, spelling, "pass", url="admin:login").status_code == 429
        assert login(client, spelling, "pass").status_code == 429


@pytest.mark.parametrize("url", ["login", "admin:login"])
def test_an_overlong_login_gets_a_page_not_an_error(client, partner_user, url):
    response = login(client, "x" * 300 + "@example.com", "wrong", url=url)
    assert response.status_code == 200
    if url == "login":
        assert "Ensure this value has at most 254 characters" in response.content.decode()


@pytest.fixture
def one_proxy(settings, limit_3):
    settings.PROXY_COUNT = 1


def through_proxy(client_address: str, *spoofed: str) -> dict:
    """What our one proxy (10.0.0.1) passes on: whatever the client sent, then its address."""
    return {
        "HTTP_X_FORWARDED_FOR": ", ".join([*spoofed, client_address]),
        "REMOTE_ADDR": "10.0.0.1",
    }


def test_behind_a_proxy_the_lock_is_per_client_not_per_proxy(client, partner_user, one_proxy):
    for _ in range(3):
        login(client, "partner_a", "wrong", **through_proxy("203.0.113.5"))
    assert login(client, "partner_a", "pass", **through_proxy("203.0.113.5")).status_code == 429
    # Another client behind the same proxy is not locked out of the account.
    assert login(client, "partner_a", "pass", **through_proxy("198.51.100.7")).status_code == 302


def test_a_client_cannot_choose_its_address_with_the_header(client, partner_user, one_proxy):
    for n in range(3):
        login(client, "partner_a", "wrong", **through_proxy("203.0.113.5", f"192.0.2.{n}"))
    # Three spoofed addresses were one client: it is locked.
    assert login(client, "partner_a", "pass", **through_proxy("203.0.113.5")).status_code == 429


def test_without_a_proxy_the_header_is_ignored(client, partner_user, limit_3):
    for n in range(3):
        login(client, "partner_a", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert login(client, "partner_a", "pass", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
