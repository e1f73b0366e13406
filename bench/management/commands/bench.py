"""In-process benchmark of the portal's pages: `python manage.py bench [--quick]`.

Each scenario logs in as its role (force_login), warms up, then times
`--requests` requests with Django's test client on the configured database,
counting SQL queries per request. The result is one markdown table, printed and
written to docs/benchmarks.md with the machine, the data size and the command.

Scenarios are declared in `SCENARIOS`. One whose URL name does not resolve on
this code base is listed as "no such page" rather than dropped.
Parameters are the real views' own: the Opportunity Manager's django-filter
fields (`status`, `q`, `page`, see portal/filters.py), the export's filters,
the customer search's `q` (an htmx request), the wizard's steps
(`portal.wizard.SLUGS`) and its one-time Register Deal token.

Writes (an approval, Register Deal) run inside a transaction that is rolled
back, so a benchmark never changes the data set (nor consumes Deal Reg Numbers);
their time excludes the commit and the after-commit e-mails.
"""

import datetime
import math
import re
import shlex
import statistics
import sys
import time
import tracemalloc
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.db.models import Count
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.functional import cached_property

from bench import http as benchhttp
from bench import report as benchreport
from bench.management.commands.seed_scale import (
    BENCH_DISTRIBUTOR,
    BENCH_PARTNER,
    BENCH_REVIEWER,
)
from portal import keyset, workflow
from portal.access import deals_visible_to
from portal.filters import SORT_KEYS, DealFilter
from portal.models import Customer, Deal, DecisionRule, Partner, ProgrammeTier, User
from portal.wizard import SLUGS

MAX_PORTAL_QUERIES = 9  # the deal page's, with its files (tests/test_deal_detail.py)
# Register Deal writes a whole deal (tests/test_wizard_queries.py has the same bound).
MAX_REGISTER_QUERIES = 30
OM_P95_MS = 50
HTTP_P95_MS = 100  # issue 13: every portal page and the queue, over HTTP
OM_MIN_RPS = 120  # issue 13: the OM's first page with two workers
QUEUE_VS_STOCK = 20  # issue 13: the reviewers' queue against Django's stock changelist
SEARCH_P95_MS = 30
OM_PAGE_SIZE = 25  # portal.views.opportunity_manager.PAGE_SIZE, for the "deep page"
EXPORT_ROWS = 10_000
ADMIN_PAGE_SIZE = 50  # DealAdmin.list_per_page
DEEP_PAGE = 500  # "page 500": 12,475 rows in, where an OFFSET read them all
SEARCH_TERM = "Medica"
# What partners type into the customer search, as they type it (three letters at least).
TYPING = {
    "": ["kow", "kowal", "kowalski", "med", "medic", "medica", "opt", "optyka"],
    "accents or none": ["wisniewski", "WIŚNIEWSKI", "lodz", "Łódź", "gdansk", "zaklad"],
    "several words": ["szpital lodz", "lodz szpital", "nowak gdansk", "grupa wojcik sp"],
}
NOT_BUILT = "no such page (the URL name does not resolve)"
# What `--http` measures over HTTP too: every page; the wizard, an approval and the
# exports are writes or long downloads measured in-process (the stock admin has no URL).
HTTP_KINDS = {"page", "om", "om-counts", "om-deep", "search", "admin", "dashboard"}
DASHBOARD_P95_MS = 200  # issue 16: each dashboard, and a rule's dry run, at 1M deals
DASHBOARD_MAX_QUERIES = 14  # tests/test_dashboards.py has the same bound


@dataclass(frozen=True)
class Scenario:
    """One thing to measure. `params` values may be callables of the context."""

    name: str
    role: str  # partner | distributor | vendor
    url: str  # URL name
    params: dict = field(default_factory=dict)
    kind: str = "page"  # page | om | om-counts | search | export | wizard | approve | admin
    peer: str = ""  # the admin scenario this one is compared with
    deal_arg: bool = False  # the URL takes the pk of a deal the role may see
    rule_arg: bool = False  # the URL takes the pk of the bench's decision rule
    headers: dict = field(default_factory=dict)


def _om(role: str) -> list[Scenario]:
    om = "portal:opportunity_manager"
    admin = "admin:portal_deal_changelist"
    return [
        Scenario(f"Opportunity Manager, no filter ({role})", role, om, kind="om", peer="admin"),
        Scenario(
            f"Opportunity Manager, status Submitted ({role})",
            role,
            om,
            {"status": "submitted"},
            kind="om",
            peer="admin status",
        ),
        Scenario(
            f"Opportunity Manager, search ({role})",
            role,
            om,
            {"q": SEARCH_TERM},
            kind="om",
            peer="admin search",
        ),
        Scenario(
            # A search's status counts, which the page loads in a second request (htmx).
            f"Opportunity Manager, search counts ({role})",
            role,
            "portal:opportunity_manager_counts",
            {"q": SEARCH_TERM},
            kind="om-counts",
        ),
        Scenario(
            f"Opportunity Manager, deep page ({role})",
            role,
            om,
            {"after": lambda ctx: ctx.deep_cursor(role, ""), "page": DEEP_PAGE},
            kind="om-deep",
            peer="admin deep",
        ),
        # Every sortable column (portal.filters.SORT_KEYS): page 1 as its header's first
        # click asks (ascending), and page 500 the other way round.
        *(
            scenario
            for column in SORT_KEYS
            for scenario in (
                Scenario(
                    f"Opportunity Manager, sorted by {column} ({role})",
                    role,
                    om,
                    {"o": column},
                    kind="om",
                ),
                Scenario(
                    f"Opportunity Manager, sorted by -{column}, page {DEEP_PAGE} ({role})",
                    role,
                    om,
                    {
                        "o": f"-{column}",
                        "after": lambda ctx, order=f"-{column}": ctx.deep_cursor(role, order),
                        "page": DEEP_PAGE,
                    },
                    kind="om",
                ),
            )
        ),
    ] + (
        [
            # The reviewers' queue, where the admin's deal list opens (Submitted, by due time).
            Scenario("Admin changelist, the queue (vendor)", "vendor", admin, kind="admin"),
            Scenario(
                "Admin changelist, no filter (vendor)",
                "vendor",
                admin,
                {"status": "all"},
                kind="admin",
            ),
            Scenario(
                "Admin changelist, status Submitted (vendor)",
                "vendor",
                admin,
                {"status": "submitted"},
                kind="admin",
            ),
            Scenario(
                "Admin changelist, search (vendor)", "vendor", admin, {"q": SEARCH_TERM}, "admin"
            ),
            # The partner with the most deals, by its name (the reviewers' own search).
            Scenario(
                "Admin changelist, search by a partner's name (vendor)",
                "vendor",
                admin,
                {"q": lambda ctx: ctx.largest_partner},
                kind="admin",
            ),
            # The peer the queue is judged against: Django's own ModelAdmin on the same
            # filter (status Submitted), its default order and its two full counts.
            Scenario(
                "Stock admin changelist, the queue's filter (vendor)",
                "vendor",
                admin,
                {"status__exact": "submitted"},
                kind="stock-admin",
            ),
            Scenario(
                "Admin changelist, deep page (vendor)",
                "vendor",
                admin,
                # The same row as the Opportunity Manager's deep page: "all" is its order.
                {
                    "status": "all",
                    "after": lambda ctx: ctx.deep_cursor("vendor", ""),
                    "p": DEEP_PAGE * OM_PAGE_SIZE // ADMIN_PAGE_SIZE,
                },
                kind="admin",
            ),
        ]
        if role == "vendor"
        else []
    )


SCENARIOS: list[Scenario] = [
    Scenario("Home page (partner)", "partner", "portal:home"),
    Scenario("Home page (vendor)", "vendor", "portal:home"),
    *_om("partner"),
    *_om("distributor"),
    *_om("vendor"),
    Scenario("Deal page (partner)", "partner", "portal:deal_detail", deal_arg=True),
    Scenario("Deal page (distributor)", "distributor", "portal:deal_detail", deal_arg=True),
    Scenario("Deal page (vendor)", "vendor", "portal:deal_detail", deal_arg=True),
    Scenario("CSV export, up to 10,000 rows (vendor)", "vendor", "portal:deal_export",
             {"close_from": lambda ctx: ctx.close_from_for(EXPORT_ROWS)}, kind="export"),
    Scenario("CSV export, all (partner)", "partner", "portal:deal_export", kind="export"),
    *(
        Scenario(
            f"Customer search-as-you-type{f', {kind}' if kind else ''} (partner)",
            "partner",
            "portal:customer_search",
            {"q": lambda ctx, terms=terms: terms[ctx.tick % len(terms)]},
            kind="search",
            headers={"HX-Request": "true"},  # htmx asks for the fragment; a GET redirects
        )
        for kind, terms in TYPING.items()
    ),
    *(
        Scenario(f"Dashboard, {weeks} weeks ({role})", role, "portal:dashboard",
                 {"weeks": weeks}, kind="dashboard")
        for role in ("vendor", "partner", "distributor")
        for weeks in (13, 52)
    ),
    *(
        Scenario(f"Decision rule dry run, {days} days (vendor)", "vendor",
                 "admin:portal_decisionrule_dry_run", {"days": days}, kind="dashboard",
                 rule_arg=True)
        for days in (30, 180)
    ),
    Scenario("Register a Deal, every step + Register Deal", "partner", "portal:register_deal",
             kind="wizard"),
    Scenario("Approve (workflow.approve)", "vendor", "", kind="approve"),
]  # fmt: skip


@dataclass
class Result:
    scenario: Scenario
    n: int = 0
    queries: int | None = None
    median: float | None = None
    p95: float | None = None
    size: int | None = None
    note: str = ""
    verdict: str = ""
    extra: dict = field(default_factory=dict)


def _verify_second_factor(client: Client, user: User) -> None:
    """The reviewer's session as after a code from the authenticator app: without `DEBUG`
    the admin asks reviewers for one (`MFA_REQUIRED_FOR_REVIEWERS`)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal import mfa

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[mfa.PENDING_KEY] = False
    session.save()


class StockAdminClient:
    """Django's own `ModelAdmin` for deals (default ordering, a full count and a count of
    the unfiltered list per page), called in-process like the test client calls a view:
    the peer the reviewers' queue is measured against. It has no URL of its own."""

    def __init__(self, user: User) -> None:
        from django.contrib import admin

        self.user = user
        self.model_admin = admin.ModelAdmin(Deal, admin.AdminSite(name="stock"))
        self.factory = RequestFactory()

    def get(self, url: str, params: dict, headers: dict | None = None):
        request = self.factory.get(url, params)
        request.user = self.user
        response = self.model_admin.changelist_view(request)
        return response.render()


class _FollowsExportJobs:
    """A client that, when an export answers with its background job's page (above
    `EXPORT_STREAM_MAX_ROWS`), downloads the job's file: the time is the whole wait."""

    def __init__(self, client: Client) -> None:
        self.client, self.followed = client, False

    def get(self, url: str, params: dict | None = None):
        response = self.client.get(url, params)
        location = response.get("Location", "") if response.status_code == 302 else ""
        if _url_name(location) == "export_job":
            self.followed = True
            job = resolve(location.split("?")[0]).kwargs["pk"]
            return self.client.get(reverse("portal:export_download", args=[job]))
        return response


def _admin_peer(params: dict) -> str:
    """Which Opportunity Manager view an admin changelist scenario is the peer of."""
    if "q" in params:
        return "admin search" if params["q"] == SEARCH_TERM else ""
    if "after" in params:
        return "admin deep"
    return {"all": "admin", "submitted": "admin status"}.get(params.get("status"), "admin queue")


class Context:
    """Users, clients and sample objects the scenarios refer to."""

    def __init__(self) -> None:
        self.users = {
            "partner": User.objects.get(username=BENCH_PARTNER),
            "distributor": User.objects.get(username=BENCH_DISTRIBUTOR),
            "vendor": User.objects.get(username=BENCH_REVIEWER),
        }
        self.clients: dict[str, Client] = {}
        for role, user in self.users.items():
            client = Client()
            client.force_login(user)
            self.clients[role] = client
        _verify_second_factor(self.clients["vendor"], self.users["vendor"])
        self.tick = 0
        self._counts: dict[str, int] = {}
        self._close_from: dict[int, str] = {}
        self._cursors: dict[tuple[str, str], str] = {}

    @property
    def tax_id(self) -> str:
        """A customer's tax ID as people type it ('pl 701-111-11-03'), from the middle."""
        middle = Customer.objects.count() // 2
        number = Customer.objects.order_by("pk").values_list("tax_id", flat=True)[middle]
        digits = number[2:]
        return f"{number[:2].lower()} {digits[:3]}-{digits[3:6]}-{digits[6:8]}-{digits[8:]}"

    def visible(self, role: str) -> int:
        if role not in self._counts:
            self._counts[role] = deals_visible_to(user=self.users[role]).count()
        return self._counts[role]

    def cookie(self, role: str) -> str:
        """The Cookie header of the role's logged-in session (verified for the vendor)."""
        name = settings.SESSION_COOKIE_NAME
        return f"{name}={self.clients[role].cookies[name].value}"

    def deep_cursor(self, role: str, order: str) -> str:
        """The cursor of the row before page DEEP_PAGE of the list sorted by `order` (one
        OFFSET query, once), or of its middle row when the list is shorter."""
        if (role, order) not in self._cursors:
            deals = DealFilter(QueryDict(f"o={order}"), user=self.users[role])
            _column, key, _descending = deals.sort()
            offset = min((DEEP_PAGE - 1) * OM_PAGE_SIZE, self.visible(role) // 2) - 1
            row = deals.qs.select_related("customer")[max(offset, 0)]
            self._cursors[role, order] = keyset.encode(key, row)
        return self._cursors[role, order]

    @cached_property
    def largest_partner(self) -> str:
        """The name of the partner with the most deals (one GROUP BY, once)."""
        top = Deal.objects.values("partner").annotate(n=Count("pk")).order_by("-n").first()
        return Partner.objects.get(pk=top["partner"]).name if top else SEARCH_TERM

    def close_from_for(self, rows: int) -> str:
        """The `close_from` date that leaves about `rows` of the vendor's deals to export."""
        if rows not in self._close_from:
            dates = deals_visible_to(user=self.users["vendor"]).order_by("-expected_close_date")
            date = dates.values_list("expected_close_date", flat=True)[rows - 1 : rows].first()
            self._close_from[rows] = date.isoformat() if date else "2000-01-01"
        return self._close_from[rows]

    @property
    def rule_pk(self) -> int:
        """A switched-off rule for the dry run: conflict-free deals up to 100,000 of the
        two higher tiers (nothing is decided by it)."""
        rule, created = DecisionRule.objects.get_or_create(
            name="Bench: small conflict-free deals",
            defaults={"no_conflict": True, "max_value": 100000, "outcome": "approve"},
        )
        if created:
            rule.tiers.set(ProgrammeTier.objects.order_by("-rank")[:2])
        return rule.pk

    def deal_pk(self, role: str) -> int:
        pk = (
            deals_visible_to(user=self.users[role])
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            raise CommandError(f"No deal visible to the {role} bench user.")
        return pk


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _body_size(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


class Command(BaseCommand):
    help = "Measure the portal's pages in-process (queries, median/p95 ms, size)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--requests", type=int, default=200)
        parser.add_argument("--warmup", type=int, default=20)
        parser.add_argument("--export-runs", type=int, default=5)
        parser.add_argument(
            "--quick",
            action="store_true",
            help="CI: few requests, seeds a tiny data set if the bench users are missing, "
            "writes no file unless --output is given.",
        )
        parser.add_argument("--output", default=None, help="Default: docs/benchmarks.md.")
        parser.add_argument(
            "--section",
            default="bench",
            help="The section of the file to replace, e.g. bench-10k for a smaller data set.",
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help="Instead: EXPLAIN ANALYZE the typical list, count and search queries "
            "(PostgreSQL) and write them as the 'queries' section.",
        )
        parser.add_argument(
            "--http",
            action="store_true",
            help="Also over HTTP: gunicorn as in the Dockerfile (2 gthread workers) on a free "
            "loopback port, the same requests side by side, and the throughput run.",
        )
        parser.add_argument(
            "--throughput-seconds",
            type=float,
            default=20,
            help="With --http: how long the clients ask for the Opportunity Manager.",
        )
        parser.add_argument("--clients", type=int, default=8, help="With --http: connections.")
        parser.add_argument(
            "--only", default="", help="Run scenarios whose name contains this (several: a|b)."
        )
        parser.add_argument(
            "--max-seconds",
            type=float,
            default=120,
            help="Stop a scenario after this long (a slow peer at a million deals); "
            "the table shows how many requests were measured.",
        )

    def handle(self, *args, **opts) -> None:
        if opts["quick"]:
            opts["requests"] = min(opts["requests"], 10)
            opts["warmup"] = min(opts["warmup"], 2)
            opts["export_runs"] = 1
        if not User.objects.filter(username=BENCH_PARTNER).exists():
            if not opts["quick"]:
                raise CommandError("No bench users: run `manage.py seed_scale` first.")
            call_command(
                "seed_scale",
                deals=400,
                customers=80,
                partners=10,
                distributors=3,
                products=20,
                append=Deal.objects.exists(),
                stdout=self.stdout,
            )
        if opts["explain"]:
            if connection.vendor != "postgresql":
                raise CommandError("--explain reads PostgreSQL plans.")
            report = explain_queries(Context())
            self.stdout.write(report)
            path = benchreport.write_section(
                "queries", report, Path(opts["output"]) if opts["output"] else None
            )
            self.stdout.write(self.style.SUCCESS(f"Written to {path}"))
            return
        started = time.perf_counter()
        test_settings = override_settings(
            ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
            DEBUG=False,
            SECURE_SSL_REDIRECT=False,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        )
        self.server = None
        with test_settings, ExitStack() as stack:
            ctx = Context()
            if opts["http"]:
                self.server = stack.enter_context(benchhttp.Server())
            results = [
                self._run(scenario, ctx, opts)
                for scenario in SCENARIOS
                if any(
                    part.strip().lower() in scenario.name.lower()
                    for part in opts["only"].split("|")
                )
            ]
            if self.server and opts["throughput_seconds"] > 0:
                self.throughput = benchhttp.throughput(
                    self.server.port,
                    ctx.cookie("partner"),
                    reverse("portal:opportunity_manager"),
                    seconds=opts["throughput_seconds"],
                    clients=opts["clients"],
                )
        self._judge(results)
        report = self._report(results, opts, time.perf_counter() - started)
        self.stdout.write(report)
        output = opts["output"]
        if output or not opts["quick"]:
            path = benchreport.write_section(
                opts["section"], report, Path(output) if output else None
            )
            self.stdout.write(self.style.SUCCESS(f"Written to {path}"))

    # ------------------------------------------------------------ measuring

    def _run(self, scenario: Scenario, ctx: Context, opts) -> Result:
        result = Result(scenario)
        if scenario.kind == "approve":
            return self._approve(result, ctx, opts)
        try:
            args = [ctx.deal_pk(scenario.role)] if scenario.deal_arg else []
            args = [ctx.rule_pk] if scenario.rule_arg else args
            url = reverse(scenario.url, args=args)
        except NoReverseMatch:
            result.note = NOT_BUILT
            return result
        if scenario.kind == "wizard":
            return self._wizard(result, ctx, url, opts)
        if scenario.kind == "export":
            return self._export(result, ctx, url, opts)
        client = ctx.clients[scenario.role]
        if scenario.kind == "stock-admin":
            client = StockAdminClient(ctx.users[scenario.role])
        times, queries, sizes = [], [], []
        deadline = time.perf_counter() + opts["max_seconds"]
        for i in range(opts["warmup"] + opts["requests"]):
            if times and time.perf_counter() > deadline:
                result.note = f"stopped after {opts['max_seconds']:.0f} s"
                break
            ctx.tick = i
            params = {k: v(ctx) if callable(v) else v for k, v in scenario.params.items()}
            reset_queries()  # the log keeps 9,000 queries; a long run would fill it
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(url, params, headers=scenario.headers)
                size = _body_size(response)
                elapsed = time.perf_counter() - t0
            if response.status_code != 200:
                result.note = f"HTTP {response.status_code} for {url}?{params}"
                return result
            if i >= opts["warmup"]:
                times.append(elapsed * 1000)
                queries.append(len(captured))
                sizes.append(size)
        result.n = len(times)
        result.queries = max(queries)
        result.median = statistics.median(times)
        result.p95 = _percentile(times, 0.95)
        result.size = int(statistics.median(sizes))
        if self.server and scenario.kind in HTTP_KINDS:
            self._over_http(result, ctx, url, opts)
        return result

    def _over_http(self, result: Result, ctx: Context, url: str, opts) -> None:
        """The same requests through gunicorn: the whole stack a browser meets."""
        scenario = result.scenario
        client = benchhttp.Client(self.server.port, ctx.cookie(scenario.role))
        times = []
        deadline = time.perf_counter() + opts["max_seconds"]
        for i in range(opts["warmup"] + opts["requests"]):
            if times and time.perf_counter() > deadline:
                break
            ctx.tick = i
            params = {k: v(ctx) if callable(v) else v for k, v in scenario.params.items()}
            path = f"{url}?{urlencode(params, doseq=True)}" if params else url
            status, elapsed, _size = client.get(path, scenario.headers)
            if status != 200:
                result.extra["http_note"] = f"HTTP {status} over HTTP"
                return
            if i >= opts["warmup"]:
                times.append(elapsed)
        result.extra["http"] = (statistics.median(times), _percentile(times, 0.95), len(times))

    def _export(self, result: Result, ctx: Context, url: str, opts) -> Result:
        client = _FollowsExportJobs(ctx.clients[result.scenario.role])
        params = {k: v(ctx) if callable(v) else v for k, v in result.scenario.params.items()}
        times = []
        for i in range(1 + opts["export_runs"]):  # the first run warms up
            reset_queries()  # the log keeps 9,000 queries; a long run would fill it
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(url, params)
                size = _body_size(response)
                elapsed = time.perf_counter() - t0
            if response.status_code != 200:
                result.note = f"HTTP {response.status_code}"
                return result
            if i:
                times.append(elapsed * 1000)
            # Read now: the capture slices the live query log, which the next request resets.
            n_queries = len(captured)
        # One more run under tracemalloc for the peak memory (it slows Python down, so
        # it is not timed). Streaming means the peak does not follow the row count.
        tracemalloc.start()
        response = client.get(url, params)
        rows = -1
        if response.streaming:
            for chunk in response.streaming_content:
                rows += chunk.count(b"\n")
        else:
            rows += response.content.count(b"\n")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        result.n = len(times)
        result.queries = n_queries
        result.median = statistics.median(times)
        result.p95 = _percentile(times, 0.95)
        result.size = size
        result.extra = {"rows": rows, "peak_kib": peak / 1024, "streaming": response.streaming}
        job = " (a background job, then its file)" if client.followed else ""
        result.note = (
            f"{rows:,} rows{job}, peak Python memory {peak / 1024:,.0f} KiB"
            f"{'' if response.streaming or job else ', NOT streamed'}"
        )
        if job:
            result.extra["streaming"] = True  # a file on disk, sent by FileResponse
            # The job records its progress every chunk: its queries follow the rows by
            # design and are not a page's.
            result.extra["job"] = True
        return result

    def _approve(self, result: Result, ctx: Context, opts) -> Result:
        reviewer = ctx.users["vendor"]
        wanted = opts["warmup"] + opts["requests"]
        pool = list(Deal.objects.filter(status=Deal.Status.SUBMITTED).order_by("pk")[:wanted])
        if not pool:
            result.note = "no submitted deal to approve"
            return result
        warmup = min(opts["warmup"], len(pool) // 4)
        times, queries = [], []
        with transaction.atomic():
            for i, deal in enumerate(pool):
                reset_queries()  # the log keeps 9,000 queries; a long run would fill it
                with CaptureQueriesContext(connection) as captured:
                    t0 = time.perf_counter()
                    workflow.approve(deal=deal, by=reviewer)
                    elapsed = time.perf_counter() - t0
                if i >= warmup:
                    times.append(elapsed * 1000)
                    queries.append(len(captured))
            transaction.set_rollback(True)  # leave the data set as it was
        result.n = len(times)
        result.queries = max(queries)
        result.median = statistics.median(times)
        result.p95 = _percentile(times, 0.95)
        result.note = "in-process, rolled back"
        return result

    def _wizard(self, result: Result, ctx: Context, url: str, opts) -> Result:
        """Walk the real wizard as a partner would: start it, then GET and POST every step
        (`portal.wizard.SLUGS`), then Register Deal with the review page's one-time token.
        Each run is rolled back (a savepoint), so the data set is untouched."""
        client = ctx.clients["partner"]
        answers = wizard_answers(ctx)
        per_step: dict[str, list[tuple[float, int, int]]] = {}
        runs = opts["warmup"] + opts["requests"]  # one run = the whole wizard

        def timed(label: str, method: str, target: str, data=None) -> object:
            reset_queries()  # the log keeps 9,000 queries; a long run would fill it
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = getattr(client, method)(target, data)
                elapsed = time.perf_counter() - t0
            steps_this_run.append((label, elapsed, len(captured), len(response.content)))
            return response

        with transaction.atomic():
            for run in range(runs):
                steps_this_run: list[tuple[str, float, int, int]] = []
                with transaction.atomic():
                    response = timed("start", "get", url, {"restart": "1"})
                    for slug in SLUGS:
                        step_url = reverse("portal:register_deal_step", args=[slug])
                        response = timed(f"{slug} GET", "get", step_url)
                        if response.status_code != 200:
                            result.note = f"step '{slug}': HTTP {response.status_code} on GET"
                            transaction.set_rollback(True)
                            return result
                        if slug == "review":
                            token = _TOKEN.search(response.content)
                            data = {"token": token.group(1).decode() if token else ""}
                            label = "Register Deal"
                        else:
                            data, label = answers[slug], f"{slug} POST"
                        response = timed(label, "post", step_url, data)
                        location = response.get("Location", "")
                        expected = (
                            "register_deal_done" if slug == "review" else "register_deal_step"
                        )
                        if (
                            response.status_code != 302
                            or _url_name(location) != expected
                            or (slug != "review" and not location.endswith(f"/{_next_slug(slug)}/"))
                        ):
                            result.note = (
                                f"step '{slug}' rejected the benchmark's answer "
                                f"(HTTP {response.status_code} {location}): "
                                "update wizard_answers() in bench.py"
                            )
                            transaction.set_rollback(True)
                            return result
                    transaction.set_rollback(True)  # the deal and its customer rows go
                if run >= opts["warmup"]:
                    for name, elapsed, n_queries, size in steps_this_run:
                        per_step.setdefault(name, []).append((elapsed * 1000, n_queries, size))
            transaction.set_rollback(True)
        result.extra["steps"] = {
            name: (
                statistics.median(t for t, _, _ in v),
                _percentile([t for t, _, _ in v], 0.95),
                max(q for _, q, _ in v),
            )
            for name, v in per_step.items()
        }
        lines = [
            f"{name}: {median:.1f} ms, {queries} queries"
            for name, (median, _p95, queries) in result.extra["steps"].items()
        ]
        totals = [
            sum(values[i][0] for values in per_step.values())
            for i in range(min(len(v) for v in per_step.values()))
        ]
        result.n = len(totals)
        # The pages' bound; Register Deal writes a whole deal and is judged on its own.
        result.queries = max(
            q for name, v in per_step.items() if name != "Register Deal" for _, q, _ in v
        )
        result.extra["register_queries"] = max(q for _, q, _ in per_step["Register Deal"])
        result.median = statistics.median(totals)
        result.p95 = _percentile(totals, 0.95)
        result.note = "whole wizard per row; steps: " + "; ".join(lines) + " (rolled back)"
        return result

    # ------------------------------------------------------------- judging

    def _judge(self, results: list[Result]) -> None:
        by_peer = {}
        for r in results:
            if r.scenario.kind == "admin":
                by_peer[_admin_peer(r.scenario.params)] = r
        for r in results:
            s = r.scenario
            if r.median is None:
                r.verdict = "—"
                continue
            misses, checks = [], []
            portal_page = s.url.startswith("portal:") and not r.extra.get("job")
            if s.kind == "dashboard":
                portal_page = False  # its own bounds, below
                checks.append(f"p95 ≤{DASHBOARD_P95_MS} ms, ≤{DASHBOARD_MAX_QUERIES} queries")
                if r.p95 > DASHBOARD_P95_MS:
                    misses.append(f"p95 {r.p95:.0f} ms")
                if r.queries > DASHBOARD_MAX_QUERIES:
                    misses.append(f"{r.queries} queries")
                over = r.extra.get("http")
                if over and over[1] > DASHBOARD_P95_MS:
                    misses.append(f"HTTP p95 {over[1]:.0f} ms")
            if portal_page:
                checks.append(f"≤{MAX_PORTAL_QUERIES} queries")
                if r.queries > MAX_PORTAL_QUERIES:
                    misses.append(f"{r.queries} queries")
            if s.kind == "om":
                checks.append(f"p95 ≤{OM_P95_MS} ms")
                if r.p95 > OM_P95_MS:
                    misses.append(f"p95 {r.p95:.0f} ms")
            if s.kind == "search":
                checks.append(f"p95 ≤{SEARCH_P95_MS} ms")
                if r.p95 > SEARCH_P95_MS:
                    misses.append(f"p95 {r.p95:.0f} ms")
            stock = next((x for x in results if x.scenario.kind == "stock-admin"), None)
            if s.kind == "admin" and not s.params and stock and stock.median:
                ratio = stock.median / r.median
                checks.append(f"≥{QUEUE_VS_STOCK}× stock admin")
                if ratio < QUEUE_VS_STOCK:
                    misses.append(f"only {ratio:.1f}× stock admin")
                else:
                    r.note = (r.note + "; " if r.note else "") + f"{ratio:.1f}× faster than stock"
            peer = by_peer.get(s.peer)
            if s.peer and s.role == "vendor" and peer and peer.median:
                ratio = peer.median / r.median
                r.extra["vs_admin"] = ratio
                checks.append("≥2× admin")
                if ratio < 2:
                    misses.append(f"only {ratio:.1f}× admin")
                else:
                    r.note = (r.note + "; " if r.note else "") + f"{ratio:.1f}× faster than admin"
            over = r.extra.get("http")
            if over and (portal_page or not s.params):
                # The targets over HTTP: p95 ≤100 ms (the typeahead ≤30 ms).
                bound = SEARCH_P95_MS if s.kind == "search" else HTTP_P95_MS
                checks.append(f"HTTP p95 ≤{bound} ms")
                if over[1] > bound:
                    misses.append(f"HTTP p95 {over[1]:.0f} ms")
            if s.kind == "wizard":
                n = r.extra["register_queries"]
                checks.append(f"Register Deal ≤{MAX_REGISTER_QUERIES} queries")
                if n > MAX_REGISTER_QUERIES:
                    misses.append(f"Register Deal {n} queries")
            if s.kind == "export" and not r.extra.get("streaming", True):
                misses.append("not streamed")
            if not checks:
                r.verdict = "—"
            elif misses:
                r.verdict = "MISSED: " + ", ".join(misses)
            else:
                r.verdict = "met (" + ", ".join(checks) + ")"

    def _report(self, results: list[Result], opts, elapsed: float) -> str:
        deals = Deal.objects.count()
        customers = Customer.objects.count()
        command = "python manage.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        http = bool(self.server)
        title = "In-process and over-HTTP benchmark" if http else "In-process benchmark"
        lines = [
            f"## {title} (`manage.py bench`)",
            "",
            f"- When: {timezone.now():%Y-%m-%d %H:%M} UTC, run took {elapsed:.0f} s",
            f"- Machine: {benchreport.machine()}",
            f"- Database: {benchreport.database()}",
            f"- Data: {deals:,} deals, {customers:,} customers",
            f"- Command: `{command.strip()}`",
            f"- Requests per scenario: {opts['requests']} after {opts['warmup']} warm-up "
            f"(CSV export: {opts['export_runs']} runs)",
        ]
        header = "| Scenario | Requests | SQL queries | Median ms | p95 ms | Size KiB |"
        rule = "|---|---:|---:|---:|---:|---:|"
        if http:
            lines.append(
                f"- Over HTTP: gunicorn, {self.server.workers} gthread workers × "
                f"{self.server.threads} threads, loopback, one keep-alive connection; the "
                "same requests right after the in-process ones"
            )
            header += " HTTP median ms | HTTP p95 ms |"
            rule += "---:|---:|"
        lines += ["", header + " Target | Note |", rule + "---|---|"]
        for r in results:
            cells = ["—"] * (7 if http else 5)
            if r.median is not None:
                size = f"{r.size / 1024:,.1f}" if r.size is not None else "—"
                cells = [str(r.n), str(r.queries), f"{r.median:.1f}", f"{r.p95:.1f}", size]
                if http:
                    over = r.extra.get("http")
                    cells += [f"{over[0]:.1f}", f"{over[1]:.1f}"] if over else ["—", "—"]
            note = "; ".join(x for x in (r.note, r.extra.get("http_note", "")) if x)
            row = [r.scenario.name, *cells, r.verdict or "—", note]
            lines.append("| " + " | ".join(row) + " |")
        if http and getattr(self, "throughput", None):
            t = self.throughput
            verdict = "met" if t["rps"] >= OM_MIN_RPS and not t["errors"] else "MISSED"
            lines += [
                "",
                f"Throughput, Opportunity Manager first page (partner), {opts['clients']} "
                f"connections for {t['seconds']:.0f} s: **{t['rps']:.0f} requests/s** "
                f"(target ≥{OM_MIN_RPS}: {verdict}), median {t['median']:.1f} ms, "
                f"p95 {t['p95']:.1f} ms, p99 {t['p99']:.1f} ms, {t['requests']:,} requests, "
                f"{t['errors']} errors{' ' + str(t['error_kinds']) if t['errors'] else ''}.",
            ]
        return "\n".join(lines) + "\n"


def wizard_answers(ctx: Context) -> dict[str, dict]:
    """A valid answer to each step of Register a Deal (the real forms in portal/forms.py):
    an existing customer with a contact, two active products, the bench distributor."""
    from portal.models import CustomerContact, Product

    contact = CustomerContact.objects.select_related("customer").order_by("pk").first()
    products = list(Product.objects.filter(is_active=True).order_by("pk")[:2])
    if contact is None or len(products) < 2:
        raise CommandError("The wizard needs a customer contact and two active products.")
    close = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    return {
        "opportunity": {"has_opportunity": "no"},
        "customer": {"mode": "existing", "customer": contact.customer_id},
        "contact": {"mode": "existing", "contact": contact.pk},
        "products": {
            "product": [p.pk for p in products],
            **{f"quantity_{p.pk}": "2" for p in products},
        },
        "details": {
            "name": "Benchmark project",
            "expected_close_date": close,
            "sales_name": "Bench Sales",
            "sales_email": "bench.sales@example.com",
            "distributor": ctx.users["distributor"].distributor_id,
            "next_steps": "Benchmark: a workshop, then a proof of concept.",
        },
    }


def _url_name(location: str) -> str:
    try:
        return resolve(location.split("?")[0]).url_name or ""
    except Resolver404:
        return ""


def _next_slug(slug: str) -> str:
    return SLUGS[SLUGS.index(slug) + 1]


_TOKEN = re.compile(rb'name="token" value="([\w-]+)"')


# ------------------------------------------------------------------ query plans


def typical_queries(ctx: Context) -> list[tuple[str, object]]:
    """The queries the Opportunity Manager and the customer search run, built by the
    pages' own code (DealFilter, the selectors): querysets, or (SQL, params)."""
    from django.db.models import Count

    from portal.filters import DealFilter
    from portal.selectors import COUNT_CAP, capped_status_counts_sql, with_table_columns

    def om(role, params=None, offset=0):
        qs = with_table_columns(DealFilter(params or {}, user=ctx.users[role]).qs)
        return qs[offset : offset + OM_PAGE_SIZE]

    def scope(role, params=None):
        return DealFilter(params or {}, user=ctx.users[role]).filtered_except("status", "o")

    def capped(role, params=None):
        return capped_status_counts_sql(scope(role, params), cap=COUNT_CAP)

    def exact(role, params):
        return scope(role, params).order_by().values_list("status").annotate(n=Count("*"))

    submitted = {"status": "submitted"}
    search = {"q": SEARCH_TERM}
    number = {"q": "DR-2026-0012"}
    rows: list[tuple[str, object]] = []
    for role in ("partner", "distributor", "vendor"):
        rows += [
            (f"{role}, status facets capped at {COUNT_CAP:,} (one query)", capped(role)),
            (f"{role}, page 1", om(role)),
            (f"{role}, status Submitted, page 1", om(role, submitted)),
            (f"{role}, search '{SEARCH_TERM}', status counts (exact)", exact(role, search)),
            (f"{role}, search '{SEARCH_TERM}', page 1", om(role, search)),
            (f"{role}, search a Deal Reg Number, page 1", om(role, number)),
            (f"{role}, deep page (offset 5,000)", om(role, None, 5000)),
        ]
    rows += [
        (
            "customer search-as-you-type ('kowal'), as selectors.search_customers",
            _customer_search_qs("kowal"),
        ),
        ("customer search, accents left out ('wisniewski')", _customer_search_qs("wisniewski")),
        ("customer search, two words ('szpital lodz')", _customer_search_qs("szpital lodz")),
        ("customer search, a whole tax ID", _customer_search_qs(ctx.tax_id)),
    ]
    return rows


def _customer_search_qs(query: str):
    from portal.selectors import customer_search_queryset

    return customer_search_queryset(query=query)


def explain_queries(ctx: Context) -> str:
    """EXPLAIN ANALYZE of `typical_queries` (PostgreSQL): time, and the plan's access path."""
    rows = [
        "## Typical queries (`manage.py bench --explain`)",
        "",
        f"- Database: {benchreport.database()}, {Deal.objects.count():,} deals",
        f"- Bench partner sees {ctx.visible('partner'):,} deals, bench distributor "
        f"{ctx.visible('distributor'):,}; best of 3 runs (warm cache)",
        "",
        "| Query | ms | Rows | Plan |",
        "|---|---:|---:|---|",
    ]
    for name, qs in typical_queries(ctx):
        if isinstance(qs, tuple):
            sql, params = qs
        elif qs.query.is_sliced or "counts" in name:
            sql, params = qs.query.sql_with_params()
        else:
            # What .count() asks: the number of matching rows.
            inner, params = qs.order_by().values("pk").query.sql_with_params()
            sql = f"SELECT COUNT(*) FROM ({inner}) AS q"  # noqa: S608 - SQL from the ORM
        best, plan = None, None
        for _ in range(3):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                data = cursor.fetchone()[0]
            data = data[0] if isinstance(data, list) else data
            if best is None or data["Execution Time"] < best:
                best, plan = data["Execution Time"], data["Plan"]
        rows.append(f"| {name} | {best:.2f} | {_rows(plan)} | {_access_path(plan)} |")
    return "\n".join(rows) + "\n"


def _rows(plan: dict) -> str:
    # A count's result is one row; show the rows it counted instead.
    node = plan
    while node["Node Type"] in ("Aggregate", "Gather", "Gather Merge", "Subquery Scan"):
        node = node["Plans"][0]
    # A parallel node reports rows per process.
    return f"{node.get('Actual Rows', 0) * node.get('Actual Loops', 1):,.0f}"


def _access_path(plan: dict) -> str:
    """The scans of a plan, e.g. 'Index Scan deal_partner_submitted → Limit'."""
    found = []

    def walk(node: dict) -> None:
        kind = node["Node Type"]
        if "Scan" in kind:
            target = node.get("Index Name") or node.get("Relation Name", "")
            found.append(f"{kind} {target}".strip())
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return "; ".join(dict.fromkeys(found)) or plan["Node Type"]
