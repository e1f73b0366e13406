"""Log in (username or e-mail), remember me, log out, password change and reset, profile."""

import re

import pytest
from django.urls import reverse

from tests import factories

LOGIN = "/accounts/login/"


def log_in(client, username, password="pass", **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def test_a_user_logs_in_with_the_username(client, partner_user):
    response = log_in(client, "partner_a")
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


def test_a_user_logs_in_with_the_email_in_any_case(client, partner_user):
    response = log_in(client, partner_user.email.upper())
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).context["user"] == partner_user


def test_a_wrong_password_and_an_unknown_user_get_the_same_sentence(client, partner_user):
    wrong = log_in(client, "partner_a", "wrong").content.decode()
    unknown = log_in(client, "nobody@example.com", "wrong").content.decode()
    sentence = "The username or e-mail and password do not match an active account."
    assert sentence in wrong and sentence in unknown
    assert "_auth_user_id" not in client.session


def test_an_email_shared_by_two_accounts_logs_nobody_in(client, db):
    factories.UserFactory(username="one", email="shared@example.com")
    factories.UserFactory(username="two", email="shared@example.com")
    response = log_in(client, "shared@example.com")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_inactive_user_cannot_log_in(client, db):
    factories.UserFactory(username="sleeping", is_active=False)
    response = log_in(client, "sleeping")
    assert response.status_code == 200
    assert "do not match an active account" in response.content.decode()


def test_without_remember_me_the_session_ends_with_the_browser(client, partner_user):
    log_in(client, "partner_a")
    assert client.session.get_expire_at_browser_close()


def test_with_remember_me_the_session_lasts_two_weeks(client, partner_user):
    log_in(client, "partner_a", remember_me="on")
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 14 * 24 * 3600


def test_the_login_page_links_to_reset_and_to_the_partner_application(client, db):
    html = client.get(LOGIN).content.decode()
    assert reverse("password_reset") in html
    assert reverse("portal:apply") in html
    assert "Apply for partner access" in html


def test_logging_out_takes_a_post(client, partner_user):
    client.force_login(partner_user)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_user_changes_the_password(client, partner_user):
    client.force_login(partner_user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pass",
            "new_password1": "Correct-Horse-42",
            "new_password2": "Correct-Horse-42",
        },
    )
    assert response.status_code == 302
    partner_user.refresh_from_db()
    assert partner_user.check_password("Correct-Horse-42")


def test_a_weak_or_wrong_password_change_changes_nothing(client, partner_user):
    client.force_login(partner_user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "123", "new_password2": "123"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in html
    partner_user.refresh_from_db()
    assert partner_user.check_password("pass")


def test_the_password_validators_refuse_a_short_common_password(client, partner_user):
    client.force_login(partner_user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "pass", "new_password1": "qwerty", "new_password2": "qwerty"},
    )
    html = response.content.decode()
    assert "too common" in html and "too short" in html


def test_password_change_needs_a_login(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def reset_link(message) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/accounts/reset/\S+/)", message.body).group(1)


def test_password_reset_emails_a_link_that_works_once(client, partner_user, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": partner_user.email})
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[partner_user.email]]
    assert "Reset your Partner Portal password" in mailoutbox[0].subject
    assert mailoutbox[0].alternatives  # HTML too
    link = reset_link(mailoutbox[0])

    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    new = {"new_password1": "Correct-Horse-42", "new_password2": "Correct-Horse-42"}
    assert client.post(set_url, new).status_code == 302
    partner_user.refresh_from_db()
    assert partner_user.check_password("Correct-Horse-42")

    reused = client.get(link, follow=True).content.decode()
    assert "This link has already been used or has expired. Nothing was changed." in reused


def test_an_expired_reset_link_gets_a_clear_sentence(client, partner_user, mailoutbox, settings):
    client.post(reverse("password_reset"), {"email": partner_user.email})
    link = reset_link(mailoutbox[0])
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is now too old
    html = client.get(link, follow=True).content.decode()
    assert "has already been used or has expired" in html
    partner_user.refresh_from_db()
    assert partner_user.check_password("pass")


def test_password_reset_answers_the_same_for_an_unknown_email(client, partner_user, mailoutbox):
    known = client.post(reverse("password_reset"), {"email": partner_user.email})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert len(mailoutbox) == 1


def test_a_malformed_email_in_the_reset_form_gets_a_sentence(client, db, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "not-an-email"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mailoutbox == []


def test_the_reset_email_is_in_the_users_language(client, partner_user, mailoutbox):
    partner_user.language = "pl"
    partner_user.save()
    client.post(reverse("password_reset"), {"email": partner_user.email})
    assert "Reset hasła" in mailoutbox[0].subject


def test_the_profile_shows_the_organisation_and_saves_the_rest(client, partner_user):
    client.force_login(partner_user)
    page = client.get(reverse("portal:profile")).content.decode()
    assert partner_user.partner.name in page
    response = client.post(
        reverse("portal:profile"),
        {
            "first_name": "Anna",
            "last_name": "Nowak",
            "email": "anna@partner.example",
            "phone": "+48 601 000 000",
            "language": "en",
            "partner": "999",  # not a field of the form: ignored
        },
    )
    assert response.status_code == 302
    partner_user.refresh_from_db()
    assert (partner_user.last_name, partner_user.phone) == ("Nowak", "+48 601 000 000")
    assert partner_user.email == "anna@partner.example"
    assert partner_user.partner.name.startswith("Partner")


def test_the_profile_refuses_another_users_email_and_keeps_the_input(
    client, partner_user, other_partner_user
):
    client.force_login(partner_user)
    response = client.post(
        reverse("portal:profile"),
        {
            "first_name": "Anna",
            "last_name": "Changed",
            "email": other_partner_user.email.upper(),
            "phone": "",
            "language": "en",
        },
    )
    html = response.content.decode()
    assert "Another account uses this e-mail." in html
    assert 'value="Changed"' in html
    partner_user.refresh_from_db()
    assert partner_user.last_name != "Changed"


@pytest.mark.parametrize("name", ["portal:profile"])
def test_the_profile_needs_a_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_the_header_links_the_user_name_to_the_profile(client, partner_user):
    client.force_login(partner_user)
    html = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("portal:profile")}"' in html


def test_the_profile_page_stays_within_the_query_budget(
    client, partner_user, django_assert_max_num_queries
):
    client.force_login(partner_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:profile"))
    assert response.status_code == 200
    assert partner_user.email in response.content.decode()


def test_a_login_without_a_request_still_checks_the_password(client, partner_user):
    # Scripts and the test client log in without a request: no throttling, same checks.
    assert client.login(username=partner_user.email, password="pass")
    client.logout()
    assert not client.login(username="partner_a", password="wrong")
