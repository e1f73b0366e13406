"""What every page carries (issue 14): a skip link to the content, the vendor's name and
logo from settings, a favicon; after a refused step, a summary of what to correct; search
results read out as they change."""

import re

import pytest
from django.urls import reverse

from tests.wizard_steps import answer_until, step_url

pytestmark = pytest.mark.django_db


def test_the_skip_link_comes_first_and_leads_to_the_content(client, partner_user):
    client.force_login(partner_user)
    html = client.get(reverse("portal:home")).content.decode()
    body = html[html.index("<body") :]
    first_link = re.search(r"<a [^>]*>", body).group(0)
    assert 'href="#main"' in first_link and "Skip to main content" in body
    assert '<main class="container my-4 flex-grow-1" id="main" tabindex="-1">' in html
    assert 'rel="icon" href="/static/img/favicon.svg"' in html


def test_the_vendor_name_and_logo_come_from_the_settings(client, partner_user, settings):
    client.force_login(partner_user)
    html = client.get(reverse("portal:home")).content.decode()
    assert "· Partner Portal</title>" in html and 'src="/static/img/logo.svg"' in html
    settings.VENDOR_NAME = "Acme Networks"
    settings.VENDOR_LOGO_URL = "https://static.acme.example/logo.svg"
    html = client.get(reverse("portal:home")).content.decode()
    brand = re.search(r'<a class="navbar-brand[^"]*"[^>]*>(.*?)</a>', html, re.S).group(1)
    assert "Acme Networks" in brand and 'src="https://static.acme.example/logo.svg"' in brand
    assert "· Acme Networks</title>" in html


def test_a_refused_step_opens_with_a_summary_linking_to_each_field(client, partner, catalogue):
    answer_until(client, catalogue, "opportunity")
    response = client.post(step_url("opportunity"), {"has_opportunity": "yes"})
    html = response.content.decode()
    summary = re.search(
        r'<div class="alert alert-danger" role="alert" tabindex="-1" id="error-summary".*?</div>',
        html,
        re.S,
    )
    assert summary, html[:2000]
    assert 'href="#id_opportunity_id"' in summary.group(0)
    assert "Enter the Opportunity ID." in summary.group(0)
    assert 'id="id_opportunity_id"' in html


def test_a_page_without_errors_has_no_summary(client, partner, catalogue):
    answer_until(client, catalogue, "opportunity")
    assert 'id="error-summary"' not in client.get(step_url("opportunity")).content.decode()


def test_search_results_are_announced_in_a_live_region(client, partner, catalogue):
    from tests import factories

    for n in range(3):
        factories.CustomerFactory(name=f"Kwiaciarnia Zyxw {n}")
    answer_until(client, catalogue, "customer")
    page = client.get(step_url("customer")).content.decode()
    assert re.search(r'id="customer-results-status"[^>]*role="status"[^>]*aria-live="polite"', page)
    fragment = client.get(
        reverse("portal:customer_search"), {"q": "zyxw"}, headers={"HX-Request": "true"}
    ).content.decode()
    status = re.search(
        r'<div id="customer-results-status" hx-swap-oob="innerHTML">(.*?)</div>', fragment, re.S
    )
    assert status and "3 customers found." in status.group(1)
