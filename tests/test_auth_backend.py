"""The authentication backend loads the user with their organisation and reviewer flag."""

import pytest
from django.urls import reverse

from portal import access
from portal.auth import PortalBackend

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("partner_user", False),
        ("distributor_user", False),
        ("reviewer", True),
        ("superuser", True),
        ("staff_without_permission", False),
    ],
)
def test_the_user_comes_with_organisation_and_reviewer_answer_in_one_query(
    request, django_assert_num_queries, actor, expected
):
    original = request.getfixturevalue(actor)
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(original.pk)
        assert user.organisation == original.organisation
        assert access.is_reviewer(user) is expected


def test_an_inactive_or_missing_user_is_nobody(partner_user):
    partner_user.is_active = False
    partner_user.save()
    assert PortalBackend().get_user(partner_user.pk) is None
    assert PortalBackend().get_user(999_999) is None


def test_logging_in_with_a_password_still_works(client, partner_user):
    response = client.post(reverse("login"), {"username": "partner_a", "password": "pass"})
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).context["user"] == partner_user


def test_every_page_names_the_organisation_without_asking_for_it(
    client, partner_user, django_assert_num_queries
):
    client.force_login(partner_user)
    response = client.get(reverse("portal:deal_reg_check"), follow=False)
    user = response.wsgi_request.user
    with django_assert_num_queries(0):
        assert user.organisation.name == partner_user.partner.name
