"""Deal Reg Numbers stay unique and gapless when reviewers approve at the same time."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.utils import timezone

from portal import workflow
from portal.models import Deal

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks need PostgreSQL; SQLite serialises every writer anyway",
)


@pytest.mark.django_db(transaction=True)
def test_forty_concurrent_approvals_from_eight_connections_get_forty_gapless_numbers(
    make_deal, reviewer
):
    deals = [make_deal(Deal.Status.SUBMITTED) for _ in range(40)]
    start = threading.Barrier(8)
    chunks = [deals[i::8] for i in range(8)]

    def approve_all(chunk):
        try:
            start.wait()  # every thread holds its own connection and starts together
            return [workflow.approve(deal=d, by=reviewer).deal_reg_number for d in chunk]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = [n for chunk in pool.map(approve_all, chunks) for n in chunk]

    year = timezone.localdate().year
    assert len(set(numbers)) == 40
    assert sorted(numbers) == [f"DR-{year}-{i:06d}" for i in range(1, 41)]
    assert Deal.objects.filter(status=Deal.Status.APPROVED).count() == 40
