"""Two-factor authentication: enrol, the code after the password, recovery codes, and
the requirement for reviewers on the admin."""

import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import mfa
from tests import factories, fresh_process
from tests.browser import login, screenshot
from tests.test_settings import run_check

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    """The app's code for the next time step the device has not seen: a code, once used,
    is refused for the rest of its step (as for a person who logs in again at once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if device.last_t >= totp.t():
        totp.time += (device.last_t - totp.t() + 1) * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(client) -> list[str]:
    """Set up an authenticator through the pages; the recovery codes shown."""
    page = client.get(reverse("portal:two_factor_setup"))
    assert page.status_code == 200 and 'data-testid="mfa-secret"' in page.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post(reverse("portal:two_factor_setup"), {"code": code_for(device)})
    assert done.status_code == 200
    return re.findall(r"<li>([0-9a-z]{8})</li>", done.content.decode())


def log_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": "pass"})


def test_a_partner_turns_it_on_and_is_asked_for_a_code_at_the_next_login(
    client, partner_user, settings
):
    # A wrong code makes django-otp wait a second before the next try; not here.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client.force_login(partner_user)
    client.get(reverse("portal:two_factor_setup"))
    wrong = client.post(reverse("portal:two_factor_setup"), {"code": "000000"})
    assert wrong.status_code == 400 and "does not match" in wrong.content.decode()
    codes = enrol(client)
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=partner_user).confirmed
    client.post(reverse("logout"))

    assert log_in(client, partner_user).status_code == 302
    home = client.get(reverse("portal:home"))
    assert home.status_code == 302 and home["Location"].startswith(
        reverse("portal:two_factor_verify")
    )
    refused = client.post(reverse("portal:two_factor_verify"), {"code": "123456", "next": "/"})
    assert refused.status_code == 400 and "wrong or was already used" in refused.content.decode()
    device = TOTPDevice.objects.get(user=partner_user)
    assert (
        client.post(reverse("portal:two_factor_verify"), {"code": code_for(device), "next": "/"})[
            "Location"
        ]
        == "/"
    )
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_recovery_code_opens_the_account_once(client, partner_user):
    client.force_login(partner_user)
    codes = enrol(client)
    client.post(reverse("logout"))
    for attempt, expected in ((1, 302), (2, 400)):
        client.post(reverse("logout"))
        log_in(client, partner_user)
        response = client.post(reverse("portal:two_factor_verify"), {"code": codes[0], "next": "/"})
        assert response.status_code == expected, attempt


def test_the_code_page_cannot_be_skipped_by_setting_up_a_new_device(client, partner_user):
    client.force_login(partner_user)
    enrol(client)
    client.post(reverse("logout"))
    log_in(client, partner_user)
    setup = client.get(reverse("portal:two_factor_setup"))
    assert setup.status_code == 302 and reverse("portal:two_factor_verify") in setup["Location"]
    assert TOTPDevice.objects.filter(user=partner_user).count() == 1


def test_reviewers_need_a_second_factor_on_the_admin(client, reviewer, partner_user, settings):
    settings.MFA_REQUIRED_FOR_REVIEWERS = True
    client.force_login(reviewer)
    admin = client.get(reverse("admin:index"))
    assert admin.status_code == 302 and reverse("portal:two_factor_setup") in admin["Location"]
    # The portal pages stay reachable; only the admin asks.
    assert client.get(reverse("portal:home")).status_code == 200
    enrol(client)
    assert client.get(reverse("admin:index")).status_code == 200
    # A new session: the code first.
    client.post(reverse("logout"))
    client.force_login(reviewer)
    again = client.get(reverse("admin:portal_deal_changelist"))
    assert again.status_code == 302 and reverse("portal:two_factor_verify") in again["Location"]
    # Reviewers cannot turn it off while it is required.
    device = TOTPDevice.objects.get(user=reviewer)
    client.post(reverse("portal:two_factor_verify"), {"code": code_for(device)})
    client.post(reverse("portal:two_factor_disable"), {"code": code_for(device)})
    assert mfa.has_second_factor(reviewer)
    # Partner users are never required to have one.
    client.force_login(partner_user)
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_partner_turns_it_off_with_a_current_code(client, partner_user):
    client.force_login(partner_user)
    codes = enrol(client)
    client.post(reverse("portal:two_factor_disable"), {"code": codes[1]})
    assert not mfa.has_second_factor(partner_user)


def test_a_reviewer_resets_a_users_second_factor(client, reviewer, partner_user):
    client.force_login(partner_user)
    enrol(client)
    client.force_login(reviewer)
    client.post(
        reverse("admin:portal_user_changelist"),
        {"action": "turn_off_two_factor", "_selected_action": [partner_user.pk]},
    )
    assert not mfa.has_second_factor(partner_user)


def test_the_demo_logs_in_with_a_password_only_under_debug(settings):
    result = run_check({"DEBUG": "1"}, "--tag", "security")
    assert result.returncode == 0
    assert fresh_process.printed("settings.MFA_REQUIRED_FOR_REVIEWERS", {"DEBUG": "1"}) == "False"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reviewer_enrols_and_is_asked_for_the_code_in_a_browser(
    page, live_server, reviewer, settings
):
    settings.MFA_REQUIRED_FOR_REVIEWERS = True
    login(page, live_server, "reviewer")
    page.goto(f"{live_server.url}{reverse('admin:index')}")
    page.wait_for_url(re.compile(r"/accounts/two-factor/set-up/"))
    assert page.get_by_test_id("mfa-qr").is_visible()
    screenshot(page, "reviewer-two-factor-setup")
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    page.get_by_label("Code").fill(code_for(device))
    page.get_by_role("button", name="Turn on").click()
    assert page.get_by_test_id("recovery-codes").locator("li").count() == 10
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.get_by_role("button", name="Log out").first.click()

    # The password alone no longer opens anything: the code page comes first.
    page.goto(f"{live_server.url}/accounts/login/?next=/admin/portal/deal/")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill("pass")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/accounts/two-factor/verify/"))
    screenshot(page, "reviewer-two-factor-code")
    page.get_by_label("Code").fill(code_for(TOTPDevice.objects.get(user=reviewer)))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/admin/portal/deal/$"))


def test_a_verified_reviewer_pays_for_the_device_only_on_the_admin(client, reviewer, settings):
    settings.MFA_REQUIRED_FOR_REVIEWERS = True
    client.force_login(reviewer)
    home = reverse("portal:home")
    client.get(home)  # warm caches
    with CaptureQueriesContext(connection) as before:
        assert "Opportunity Manager" in client.get(home).content.decode()
    enrol(client)  # the session is now verified
    with CaptureQueriesContext(connection) as after:
        page = client.get(home)
    assert page.status_code == 200 and "Opportunity Manager" in page.content.decode()
    assert len(after) == len(before)  # no device lookup on a portal page
    with CaptureQueriesContext(connection) as admin:
        assert client.get(reverse("admin:index")).status_code == 200
    assert any("otp_totp_totpdevice" in q["sql"] for q in admin.captured_queries)
    # Someone else's device id in the session verifies nothing.
    other = TOTPDevice.objects.create(user=factories.ReviewerFactory(), confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = other.persistent_id
    session.save()
    refused = client.get(reverse("admin:index"))
    assert refused.status_code == 302 and reverse("portal:two_factor_verify") in refused["Location"]
