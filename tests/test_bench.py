"""bench --quick runs end to end and reports every scenario (not a timing test)."""

import pytest
from django.core.management import call_command

from portal.management.commands.bench import NOT_BUILT, SCENARIOS

pytestmark = pytest.mark.django_db

COLUMNS = "| Scenario | Requests | SQL queries | Median ms | p95 ms | Size KiB | Target | Note |"


def run_bench(tmp_path, capsys):
    output = tmp_path / "benchmarks.md"
    call_command("bench", quick=True, requests=3, warmup=1, output=str(output))
    return capsys.readouterr().out, output.read_text()


def table_rows(text):
    return {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}


def test_bench_quick_seeds_itself_and_lists_every_scenario(tmp_path, capsys):
    printed, written = run_bench(tmp_path, capsys)
    assert COLUMNS in printed
    assert COLUMNS in written
    rows = table_rows(written)
    for scenario in SCENARIOS:
        assert scenario.name in rows, scenario.name
    assert "Machine:" in written and "Database:" in written and "Command:" in written


def test_pages_missing_on_this_branch_are_listed_not_dropped(tmp_path, capsys):
    _, written = run_bench(tmp_path, capsys)
    rows = table_rows(written)
    assert NOT_BUILT in rows["Register a Deal, every step + Register Deal"]
    assert "| 3 |" in rows["Home page (partner)"]


def test_the_admin_peer_and_the_approval_are_measured(tmp_path, capsys):
    _, written = run_bench(tmp_path, capsys)
    rows = table_rows(written)
    assert NOT_BUILT not in rows["Admin changelist, status Submitted (vendor)"]
    assert "rolled back" in rows["Approve (workflow.approve)"]


@pytest.mark.urls("tests.bench_urls")
def test_lists_exports_and_search_are_measured_and_judged(tmp_path, capsys):
    _, written = run_bench(tmp_path, capsys)
    rows = table_rows(written)
    assert "met" in rows["Opportunity Manager, no filter (partner)"]
    assert "faster than admin" in rows["Opportunity Manager, status Submitted (vendor)"] or (
        "admin" in rows["Opportunity Manager, status Submitted (vendor)"]
    )
    export = rows["CSV export (distributor)"]
    assert "rows, peak Python memory" in export
    assert export.split("|")[3].strip() not in ("0", "—")  # its queries are counted
    assert NOT_BUILT not in rows["Customer search-as-you-type (partner)"]
    assert NOT_BUILT not in rows["Deal page (vendor)"]
    wizard = rows["Register a Deal, every step + Register Deal"]
    assert "steps: GET" in wizard and "customer:" in wizard and "project:" in wizard


def test_a_second_run_replaces_its_section_and_keeps_the_rest(tmp_path, capsys):
    output = tmp_path / "benchmarks.md"
    output.write_text("# Benchmarks\n\nHand-written notes.\n")
    call_command("bench", quick=True, requests=2, warmup=1, output=str(output), only="Home")
    call_command("bench", quick=True, requests=2, warmup=1, output=str(output), only="Home")
    call_command(
        "bench",
        quick=True,
        requests=2,
        warmup=1,
        output=str(output),
        only="Home",
        section="bench-10k",
    )
    text = output.read_text()
    assert "Hand-written notes." in text
    assert text.count("<!-- BEGIN bench -->") == 1
    assert text.count("<!-- BEGIN bench-10k -->") == 1
