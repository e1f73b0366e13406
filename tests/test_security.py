"""Security: headers in production settings, CSP without inline code, throttled logins, CSRF."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories, fresh_process
from tests.test_settings import NOT_PRODUCTION

ROOT = fresh_process.ROOT
PRODUCTION_NAMES = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "MIDDLEWARE",
    "AXES_ENABLED",
]


@pytest.fixture(scope="module")
def production_settings() -> dict:
    """The settings `check --deploy` sees in CI: DEBUG off, a real key, a real host."""
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 60 + "-long-random-production-key",
        "ALLOWED_HOSTS": "dealreg.example.com",
    }
    shown = fresh_process.printed(
        f"json.dumps({{n: getattr(settings, n) for n in {PRODUCTION_NAMES!r}}})",
        env,
        drop=(*NOT_PRODUCTION, "DATABASE_URL", "AXES_"),
        setup="import json",
    )
    return json.loads(shown)


@pytest.fixture
def production(settings, production_settings):
    for name, value in production_settings.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)
    settings.ALLOWED_HOSTS = ["dealreg.example.com"]
    return settings


def https_get(client, path):
    return client.get(path, secure=True, HTTP_HOST="dealreg.example.com")


def test_production_settings_send_the_security_headers(client, db, production):
    assert production.DEBUG is False
    response = https_get(client, reverse("login"))
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_production_redirects_plain_http_to_https(client, db, production):
    response = client.get(reverse("login"), HTTP_HOST="dealreg.example.com")
    assert response.status_code == 301
    assert response.url.startswith("https://dealreg.example.com/")


def test_production_cookies_are_secure_and_the_session_cookie_http_only(
    client, partner_user, production
):
    response = client.post(
        reverse("login"),
        {"username": "partner_a", "password": "pass"},
        secure=True,
        HTTP_HOST="dealreg.example.com",
    )
    assert response.status_code == 302
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["secure"] and session_cookie["httponly"]
    assert response.cookies["csrftoken"]["secure"]


def test_admin_pages_send_the_policy_too(client, reviewer, production):
    client.force_login(reviewer)
    response = https_get(client, reverse("admin:index"))
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]


PAGE_TEMPLATES = [
    p for p in (ROOT / "templates").rglob("*.html") if "email" not in p.relative_to(ROOT).parts
]


@pytest.mark.parametrize("template", PAGE_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_handlers_or_styles(template):
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"<style", html), "inline <style>"
    assert not re.search(r"\sstyle\s*=", html), "style attribute"


# --- login throttling ----------------------------------------------------------------


@pytest.fixture
def limit_3(settings):
    settings.AXES_FAILURE_LIMIT = 3


def post_login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_login_locks_after_the_configured_failures(client, partner_user, limit_3):
    for _ in range(2):
        assert post_login(client, "partner_a", "wrong").status_code == 200
    locked = post_login(client, "partner_a", "wrong")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Too many failed logins" in html
    assert "Try again in 15 minutes." in html
    # Even the right password is refused now, and nobody is logged in.
    assert post_login(client, "partner_a", "pass").status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_covers_the_email_login_too(client, partner_user, limit_3):
    for _ in range(3):
        post_login(client, partner_user.email, "wrong")
    assert post_login(client, partner_user.email, "pass").status_code == 429


def test_a_lock_on_one_account_leaves_other_accounts_alone(
    client, partner_user, other_partner_user, limit_3
):
    for _ in range(3):
        post_login(client, "partner_a", "wrong")
    assert post_login(client, "partner_b", "pass").status_code == 302


def test_a_successful_login_resets_the_failure_count(client, partner_user, limit_3):
    for _ in range(2):
        post_login(client, "partner_a", "wrong")
    assert post_login(client, "partner_a", "pass").status_code == 302
    client.logout()
    for _ in range(2):
        assert post_login(client, "partner_a", "wrong").status_code == 200


def test_the_lock_out_page_is_in_polish_for_a_polish_visitor(client, partner_user, limit_3):
    client.post(reverse("set_language"), {"language": "pl", "next": "/"})
    for _ in range(3):
        response = post_login(client, "partner_a", "wrong")
    assert response.status_code == 429
    assert "Zbyt wiele nieudanych logowań" in response.content.decode()


# --- admin, CSRF, escaping -----------------------------------------------------------


def test_the_admin_is_only_for_staff(client, partner_user, distributor_user, reviewer):
    for outsider in (partner_user, distributor_user):
        client.force_login(outsider)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302 and "/admin/login/" in response.url
    client.force_login(reviewer)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("login", {"username": "partner_a", "password": "pass"}),
        ("logout", {}),
        ("set_language", {"language": "pl"}),
        ("password_reset", {"email": "partner_a@example.com"}),
    ],
)
def test_posts_without_a_csrf_token_are_refused(partner_user, name, data):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse(name), data)
    assert response.status_code == 403


def test_the_profile_post_needs_a_csrf_token(partner_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(partner_user)
    response = client.post(reverse("portal:profile"), {"first_name": "X"})
    assert response.status_code == 403


def test_a_typed_name_is_escaped_in_the_header(client, db):
    user = factories.PartnerUserFactory(first_name="<img src=x onerror=alert(1)>")
    client.force_login(user)
    html = client.get(reverse("portal:home")).content.decode()
    assert "<img src=x onerror=alert(1)>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_run_under_the_content_security_policy_without_violations(
    page, live_server, partner_user, make_deal, reviewer
):
    from portal.models import Deal
    from tests.browser import login

    deal = make_deal(Deal.Status.SUBMITTED)
    make_deal(Deal.Status.APPROVED)
    violations = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and violations.append(m.text),
    )
    login(page, live_server, "partner_a")
    page.get_by_role("button", name="PL").click()
    page.get_by_role("button", name="Wyloguj").wait_for()
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_role("button", name="EN").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    login(page, live_server, reviewer.username)
    for path in [
        "/admin/",
        "/admin/portal/deal/",
        f"/admin/portal/deal/{deal.pk}/change/",
        "/admin/portal/partnerapplication/",
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert violations == []


# --- caching of personal and deal data -------------------------------------------------


def test_pages_and_exports_for_a_logged_in_user_are_never_stored(client, partner_user, reviewer):
    client.force_login(partner_user)
    for url in (
        reverse("portal:home"),
        reverse("portal:opportunity_manager"),
        reverse("portal:profile"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    export = client.get(reverse("portal:deal_export"))
    assert export.status_code == 200 and "no-store" in export["Cache-Control"]
    client.force_login(reviewer)
    admin_page = client.get(reverse("admin:portal_deal_changelist"))
    assert admin_page.status_code == 200 and "no-store" in admin_page["Cache-Control"]
