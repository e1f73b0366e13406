"""English and Polish: the switcher, remembered on the account; dates and numbers follow."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from portal.models import Deal, User


def switch(client, language, next_url="/accounts/login/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_the_header_offers_english_and_polish_on_every_page(client, db):
    html = client.get(reverse("login")).content.decode()
    assert 'data-testid="language-switcher"' in html
    assert 'name="language" value="en"' in html and 'name="language" value="pl"' in html


def test_a_visitor_switches_to_polish_and_it_is_remembered(client, db):
    response = switch(client, "pl")
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"
    page = client.get(reverse("login"))
    html = page.content.decode()
    assert '<html lang="pl">' in html
    assert "Zaloguj się do Portalu Partnera" in html
    assert page["Content-Language"] == "pl"
    switch(client, "en")
    assert "Log in to the Partner Portal" in client.get(reverse("login")).content.decode()


def test_a_logged_in_users_choice_is_saved_on_the_account_and_follows_them(
    client, partner_user, django_user_model
):
    client.force_login(partner_user)
    switch(client, "pl", next_url="/")
    partner_user.refresh_from_db()
    assert partner_user.language == "pl"

    other_browser = type(client)()
    other_browser.post(reverse("login"), {"username": "partner_a", "password": "pass"})
    html = other_browser.get(reverse("portal:home")).content.decode()
    assert '<html lang="pl">' in html
    assert "Wyloguj" in html


def test_an_unknown_language_changes_nothing(client, partner_user):
    client.force_login(partner_user)
    switch(client, "xx", next_url="/")
    partner_user.refresh_from_db()
    assert partner_user.language == "en"
    assert '<html lang="en">' in client.get(reverse("portal:home")).content.decode()


def test_the_switcher_never_redirects_to_another_site(client, db):
    response = switch(client, "pl", next_url="https://evil.example/")
    assert not response.url.startswith("https://evil.example")


def test_choosing_the_language_on_the_profile_page(client, partner_user):
    client.force_login(partner_user)
    client.post(
        reverse("portal:profile"),
        {
            "first_name": partner_user.first_name,
            "last_name": partner_user.last_name,
            "email": partner_user.email,
            "phone": "",
            "language": "pl",
        },
    )
    assert User.objects.get(pk=partner_user.pk).language == "pl"
    assert "Mój profil" in client.get(reverse("portal:profile")).content.decode()


def test_dates_and_numbers_follow_the_language():
    template = Template('{{ day|date:"DATE_FORMAT" }} · {{ amount|floatformat:2 }}')
    context = Context({"day": datetime.date(2027, 3, 5), "amount": Decimal("1234.5")})
    with translation.override("pl"):
        assert template.render(context) == "05.03.2027 · 1234,50"
    with translation.override("en"):
        assert template.render(context) == "5 Mar 2027 · 1234.50"


def test_a_language_picked_on_the_login_page_is_kept_after_logging_in(client, partner_user):
    switch(client, "pl")
    client.post(reverse("login"), {"username": "partner_a", "password": "pass"})
    partner_user.refresh_from_db()
    assert partner_user.language == "pl"
    assert '<html lang="pl">' in client.get(reverse("portal:home")).content.decode()


def _in_polish(client, user):
    user.language = "pl"
    user.save(update_fields=["language"])
    client.force_login(user)


def test_the_opportunity_manager_shows_dates_in_the_users_format(client, partner_user, make_deal):
    make_deal(Deal.Status.APPROVED, expected_close_date=datetime.date(2027, 3, 5))
    url = reverse("portal:opportunity_manager")
    client.force_login(partner_user)
    assert "5 Mar 2027" in client.get(url).content.decode()
    _in_polish(client, partner_user)
    html = client.get(url).content.decode()
    assert "05.03.2027" in html and "2027-03-05" not in html


def test_the_deal_page_shows_dates_and_amounts_in_the_users_format(client, partner_user, make_deal):
    deal = make_deal(
        Deal.Status.APPROVED,
        expected_close_date=datetime.date(2027, 3, 5),
        estimated_value=Decimal("150000"),
        currency="PLN",
    )
    url = reverse("portal:deal_detail", args=[deal.pk])
    client.force_login(partner_user)
    html = client.get(url).content.decode()
    assert "5 Mar 2027" in html and "150,000.00 PLN" in html
    _in_polish(client, partner_user)
    html = client.get(url).content.decode()
    assert "05.03.2027" in html and "150\xa0000,00 PLN" in html
    assert "2027-03-05" not in html


def test_the_csv_export_keeps_iso_dates_in_polish(client, partner_user, make_deal):
    make_deal(Deal.Status.SUBMITTED, expected_close_date=datetime.date(2027, 3, 5))
    _in_polish(client, partner_user)
    response = client.get(reverse("portal:deal_export"))
    body = b"".join(response.streaming_content).decode()
    assert "2027-03-05" in body
    assert "Przewidywana data zamknięcia" in body.splitlines()[0]
