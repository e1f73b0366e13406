"""The filter choices everyone shares (distributors, product families) come from the
configured cache, and a change to one of them shows on the next page."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import choice_cache
from portal.models import Distributor
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("portal:opportunity_manager")


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_a_page_after_the_first_reads_no_distributor_or_family_list(
    client, partner_user, make_deal
):
    make_deal()
    family = factories.ProductFamilyFactory(name="Secure SD-WAN")
    page(client, partner_user)
    with CaptureQueriesContext(connection) as captured:
        html = page(client, partner_user)
    assert f'<option value="{family.pk}">Secure SD-WAN</option>' in html
    assert f">{Distributor.objects.first().name}</option>" in html
    assert not [q for q in captured.captured_queries if "portal_productfamily" in q["sql"]]


def test_a_new_renamed_or_deleted_distributor_shows_on_the_next_page(client, reviewer, make_deal):
    make_deal()
    page(client, reviewer)  # the choices are cached now
    added = factories.DistributorFactory(name="Nowy Dystrybutor")
    assert ">Nowy Dystrybutor</option>" in page(client, reviewer)
    added.name = "Renamed Distribution"
    added.save()
    html = page(client, reviewer)
    assert ">Renamed Distribution</option>" in html and "Nowy Dystrybutor" not in html
    added.delete()
    assert "Renamed Distribution" not in page(client, reviewer)


def test_a_deleted_family_leaves_the_list(client, partner_user, make_deal):
    make_deal()
    family = factories.ProductFamilyFactory(name="Wireless")
    assert ">Wireless</option>" in page(client, partner_user)
    family.delete()
    assert ">Wireless</option>" not in page(client, partner_user)


@pytest.mark.django_db(transaction=True)
def test_a_list_cached_before_the_change_committed_is_dropped_at_the_commit(
    client, partner_user, make_deal
):
    make_deal()
    with transaction.atomic():
        factories.DistributorFactory(name="Committed Later")
        # Another request, which cannot see the new row yet, caches the list without it.
        cache.set(choice_cache.KEY, {"distributors": [], "families": []}, choice_cache.TTL)
    assert ">Committed Later</option>" in page(client, partner_user)
