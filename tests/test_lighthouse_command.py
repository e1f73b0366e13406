"""manage.py lighthouse: the pages it scores exist, and without Lighthouse it says so."""

import pytest
from django.core.management import CommandError, call_command

from bench.management.commands.lighthouse import partner_pages

pytestmark = pytest.mark.django_db


def test_it_scores_the_five_pages_the_issue_names_and_each_answers(client, partner_user, make_deal):
    make_deal()
    pages = partner_pages(partner_user)
    assert [what for what, _path, _logged_in in pages] == [
        "Login", "Home", "Opportunity Manager", "Register a Deal, step 1", "Deal page",
    ]  # fmt: skip
    client.force_login(partner_user)
    for what, path, logged_in in pages:
        if not logged_in:
            client.logout()
        response = client.get(path)
        assert response.status_code == 200, what
        assert b'<meta name="description"' in response.content, what
        client.force_login(partner_user)


def test_without_lighthouse_it_says_where_it_looked(partner_user):
    with pytest.raises(CommandError, match="no Lighthouse at 'no-such-lighthouse'"):
        call_command("lighthouse", lighthouse="no-such-lighthouse", user=partner_user.username)
