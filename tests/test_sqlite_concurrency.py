"""SQLite, the embedded default, under two users at once: a partner downloads a long export
while a reviewer approves deals. Before WAL and the spooled export, the approval waited
for the download and failed with "database is locked".

The test database of the suite is in memory (one connection), so this runs on a file
database in a child process, with two threads, each with its own connection.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

BASE = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the embedded database's locking is SQLite's"
)

SCRIPT = r"""
import os, threading
import django
django.setup()
from django.db import connection, connections
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse

setup_test_environment()
from portal import export_formats, exports, workflow
from portal.models import Deal
from tests import factories

print("journal", connection.cursor().execute("PRAGMA journal_mode").fetchone()[0])
partner_user = factories.PartnerUserFactory()
reviewer = factories.ReviewerFactory()
deals = []
for _ in range(int(os.environ["DEALS"])):
    deal = factories.DealFactory(partner=partner_user.partner, registered_by=partner_user)
    deals.append(workflow.submit(deal=deal, by=partner_user))
connections.close_all()
export_formats.EXPORT_CHUNK_SIZE = 10  # many reads, as a large export makes

halfway = threading.Event()
approved = threading.Event()
outcome = {}


def download():
    client = Client()
    client.force_login(partner_user)
    response = client.get(reverse("portal:deal_export"))
    blocks = iter(response.streaming_content)
    received = []
    for block in blocks:  # a third of the rows in, the database is being read
        received.append(block if isinstance(block, bytes) else block.encode())
        if b"".join(received).count(b"\n") > 50:
            break
    halfway.set()
    approved.wait(30)  # the client is slow: the rest arrives after the approvals
    received += [block if isinstance(block, bytes) else block.encode() for block in blocks]
    outcome["rows"] = b"".join(received).count(b"\n") - 1
    connections.close_all()


def approve():
    halfway.wait(30)
    try:
        for deal in deals[:5]:
            workflow.approve(deal=Deal.objects.get(pk=deal.pk), by=reviewer)
        outcome["approved"] = Deal.objects.filter(status="approved").count()
    except Exception as error:
        outcome["error"] = repr(error)
    approved.set()
    connections.close_all()


threads = [threading.Thread(target=download), threading.Thread(target=approve)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(60)
print("outcome", outcome)
"""


def test_approvals_succeed_while_an_export_is_downloaded(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "dealreg.settings",
        "DEALS": "150",  # enough rows for an export of several blocks
    }
    run = {"cwd": BASE, "env": env, "capture_output": True, "text": True, "timeout": 300}
    migrated = subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)
    assert migrated.returncode == 0, migrated.stderr
    result = subprocess.run([sys.executable, "-c", SCRIPT], **run)
    assert result.returncode == 0, result.stderr
    assert "journal wal" in result.stdout
    outcome = eval(result.stdout.split("outcome ", 1)[1])  # noqa: S307 - our own child's repr
    assert "error" not in outcome, outcome
    assert outcome["approved"] == 5
    assert outcome["rows"] == 150  # and the download lost nothing
