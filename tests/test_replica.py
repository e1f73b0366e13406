"""The read replica: lists, exports, dashboards and the API's lists read from it; writes,
and the reads of a user who has just written, stay on the primary.

The replica here is a second connection to the test database (what `TEST: MIRROR` gives
a configured replica), so the tests commit (`transactional_db`) and look at which
connection each query went through.
"""

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import api_tokens, replica
from portal.models import Deal, ExportJob, PartnerApiToken
from tests import fresh_process


# First: once a test has asked for it, the replica alias stays for the rest of the module.
def test_without_a_replica_everything_reads_the_primary(db):
    assert not replica.configured()
    with replica.reads_for(None):
        assert replica.Router().db_for_read(Deal) is None
    assert replica.Router().db_for_write(Deal) == "default"
    assert replica.Router().allow_migrate(replica.REPLICA, "portal") is False


@pytest.fixture(scope="module")
def replica_alias(django_db_setup):
    """A replica alias for this module's tests: the primary's test database, by its own
    connection (set before each test's database access is checked, which names it)."""
    primary = connections["default"].settings_dict
    assert connections.settings is settings.DATABASES
    settings.DATABASES[replica.REPLICA] = {
        **primary,
        "TEST": {**primary["TEST"], "MIRROR": "default"},
    }
    try:
        yield
    finally:
        connections[replica.REPLICA].close()
        del connections[replica.REPLICA]
        del settings.DATABASES[replica.REPLICA]


@pytest.fixture
def replica_db(replica_alias):
    return connections[replica.REPLICA]


WITH_REPLICA = pytest.mark.django_db(transaction=True, databases=["default", replica.REPLICA])


def deal_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if '"portal_deal"' in q["sql"] and "SELECT" in q["sql"]]


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().startswith(("INSERT", "UPDATE"))]


class Watch:
    """The queries of one block, per database."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"]).__enter__()
        self.copy = CaptureQueriesContext(connections[replica.REPLICA]).__enter__()
        return self

    def __exit__(self, *exc):
        self.copy.__exit__(*exc)
        self.primary.__exit__(*exc)


@WITH_REPLICA
def test_the_opportunity_manager_reads_its_rows_from_the_replica(
    client, replica_db, make_deal, partner_user
):
    deal = make_deal(Deal.Status.SUBMITTED, name="Replica rollout")
    client.force_login(partner_user)
    with Watch() as watch:
        response = client.get(reverse("portal:opportunity_manager"))
    assert response.status_code == 200
    assert deal.name in response.text
    assert deal_reads(watch.copy.captured_queries)
    assert not deal_reads(watch.primary.captured_queries)


@WITH_REPLICA
def test_after_a_change_the_user_reads_the_primary_and_others_still_the_replica(
    client, replica_db, make_deal, partner_user, distributor_user
):
    deal = make_deal(Deal.Status.SUBMITTED, name="Withdrawn at once")
    client.force_login(partner_user)
    with Watch() as watch:
        response = client.post(reverse("portal:deal_withdraw", args=[deal.pk]), {"note": ""})
    assert response.status_code == 302
    assert writes(watch.primary.captured_queries) and not writes(watch.copy.captured_queries)

    with Watch() as watch:
        response = client.get(reverse("portal:opportunity_manager"))
    assert response.status_code == 200 and "Withdrawn" in response.text
    assert deal_reads(watch.primary.captured_queries)
    assert not deal_reads(watch.copy.captured_queries)

    client.force_login(distributor_user)
    with Watch() as watch:
        response = client.get(reverse("portal:opportunity_manager"))
    assert response.status_code == 200 and deal.name in response.text
    assert deal_reads(watch.copy.captured_queries)


@WITH_REPLICA
def test_a_streamed_export_reads_its_rows_from_the_replica(
    client, replica_db, make_deal, partner_user
):
    deal = make_deal(Deal.Status.SUBMITTED, name="Exported row")
    client.force_login(partner_user)
    with Watch() as watch:
        response = client.get(reverse("portal:deal_export"))
        body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200 and deal.name in body
    assert deal_reads(watch.copy.captured_queries)
    assert not deal_reads(watch.primary.captured_queries)


@WITH_REPLICA
def test_an_export_job_is_written_to_the_primary_and_reads_its_rows_from_the_replica(
    client, replica_db, make_deal, partner_user, settings
):
    settings.EXPORT_STREAM_MAX_ROWS = 0
    make_deal(Deal.Status.SUBMITTED, name="Job row")
    client.force_login(partner_user)
    with Watch() as watch:
        response = client.get(reverse("portal:deal_export"))
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE and job.rows_done == 1
    assert any("portal_exportjob" in sql for sql in writes(watch.primary.captured_queries))
    assert not writes(watch.copy.captured_queries)
    assert deal_reads(watch.copy.captured_queries)


@WITH_REPLICA
def test_the_reviewers_dashboard_reads_the_replica(client, replica_db, make_deal, reviewer):
    make_deal(Deal.Status.APPROVED)
    client.force_login(reviewer)
    with Watch() as watch:
        response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 200 and "Registrations per week" in response.text
    assert any("portal_dealtally" in q["sql"] for q in watch.copy.captured_queries)
    assert not any("portal_dealtally" in q["sql"] for q in watch.primary.captured_queries)


@WITH_REPLICA
def test_the_apis_list_reads_the_replica_until_the_token_writes(
    client, replica_db, make_deal, partner_user
):
    deal = make_deal(Deal.Status.SUBMITTED, name="Listed by API")
    _row, token = api_tokens.create_token(
        user=partner_user, name="CRM", scope=PartnerApiToken.Scope.WRITE
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    with Watch() as watch:
        response = client.get("/api/v1/deals", **auth)
    assert response.status_code == 200 and response.json()["results"][0]["name"] == deal.name
    assert deal_reads(watch.copy.captured_queries)

    response = client.post(
        f"/api/v1/deals/{deal.pk}/withdraw", {}, content_type="application/json", **auth
    )
    assert response.status_code == 200
    with Watch() as watch:
        response = client.get("/api/v1/deals", **auth)
    assert response.json()["results"][0]["status"] == Deal.Status.WITHDRAWN
    assert deal_reads(watch.primary.captured_queries)
    assert not deal_reads(watch.copy.captured_queries)


def test_the_replica_comes_from_the_environment():
    env = {
        "DEBUG": "1",
        "DATABASE_URL": "postgres://app@primary.internal:5432/dealreg",
        "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/dealreg",
    }
    shown = fresh_process.printed(
        "r['HOST'], r['USER'], r['CONN_MAX_AGE'], r['TEST']['MIRROR']",
        env=env,
        setup="r = settings.DATABASES['replica']",
    )
    assert shown.split() == ["replica.internal", "reader", "60", "default"]
