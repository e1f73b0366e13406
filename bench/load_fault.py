"""Load and fault run: gunicorn (2 workers) on PostgreSQL, a load generator in a
second process, then a PostgreSQL restart in the middle of the load.

    .venv/bin/python -m bench.load_fault                     # defaults below
    .venv/bin/python -m bench.load_fault --duration 30 \\
        --database-url postgres://postgres@127.0.0.1:5433/dealreg_load \\
        --restart-cmd "pg_ctlcluster --skip-systemctl-redirect 15 bench restart"

Use a PostgreSQL cluster of its own (the default is port 5433): the run restarts
it. The script creates the database if needed, migrates it and seeds it with
`seed_scale` when it has no bench users. Everything listens on loopback only.

Phase 1 measures requests per second and p50/p99 latency against the
Opportunity Manager and the customer search-as-you-type (as htmx requests it). Phase 2 runs the
same load while a writer thread registers deals (one transaction each, like the
wizard's Register Deal), restarts PostgreSQL, and shows how long the app took to
recover on its own and that no acknowledged deal was lost and none is half-written.
"""

import argparse
import json
import os
import secrets
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


# ------------------------------------------------------------------ generator


def generate(args) -> None:
    """The load generator process: threads hammer the given paths, print JSON samples."""
    targets = json.loads(args.targets)
    deadline = time.monotonic() + args.duration
    t_start = time.time()
    samples: list[tuple[float, float, int, str]] = []
    lock = threading.Lock()

    def worker(path: str, cookie: str, extra: dict) -> None:
        local = []
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            started = time.time() - t_start
            status, error = 0, ""
            try:
                conn = HTTPConnection("127.0.0.1", args.port, timeout=10)
                conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1", **extra})
                response = conn.getresponse()
                response.read()
                status = response.status
                conn.close()
            except OSError as exc:
                error = type(exc).__name__
            local.append((started, (time.perf_counter() - t0) * 1000, status, error))
        with lock:
            samples.extend(local)

    threads = [
        threading.Thread(target=worker, args=(t["path"], t["cookie"], t.get("headers", {})))
        for t in targets
        for _ in range(args.threads_per_target)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    json.dump({"t_start": t_start, "samples": samples}, sys.stdout)


# ---------------------------------------------------------------- orchestrator


def django_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY") or "load-" + secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
    )
    return env


def ensure_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *argv: str) -> None:
    subprocess.run([PYTHON, str(BASE_DIR / "manage.py"), *argv], env=env, check=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(q * len(ordered) + 0.5)) - 1)] if ordered else float("nan")


def run_load(args, targets: list[dict], duration: float) -> dict:
    cmd = [
        PYTHON,
        "-m",
        "bench.load_fault",
        "--generate",
        "--port",
        str(args.port),
        "--duration",
        str(duration),
        "--threads-per-target",
        str(args.threads_per_target),
        "--targets",
        json.dumps(targets),
    ]
    return subprocess.Popen(cmd, cwd=BASE_DIR, stdout=subprocess.PIPE, text=True)


def summarise(data: dict, duration: float) -> dict:
    samples = data["samples"]
    ok = [s for s in samples if s[2] == 200]
    errors = [s for s in samples if s[2] != 200]
    latencies = [s[1] for s in ok]
    return {
        "requests": len(samples),
        "ok": len(ok),
        "errors": len(errors),
        "rps": len(ok) / duration,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": percentile(latencies, 0.99),
        "error_kinds": sorted({s[3] or f"HTTP {s[2]}" for s in errors}),
        "samples": samples,
        "t_start": data["t_start"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5433/dealreg_load"
        ),
    )
    parser.add_argument(
        "--restart-cmd",
        default="pg_ctlcluster --skip-systemctl-redirect 15 bench restart",
        help="How to restart the PostgreSQL server the run uses.",
    )
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--fault-duration", type=float, default=30)
    parser.add_argument("--restart-after", type=float, default=10)
    parser.add_argument("--threads-per-target", type=int, default=4)
    parser.add_argument("--seed-deals", type=int, default=50_000)
    parser.add_argument(
        "--gunicorn-log", default=str(Path(tempfile.gettempdir()) / "dealreg-load-gunicorn.log")
    )
    parser.add_argument("--no-write", action="store_true", help="Do not update docs/benchmarks.md.")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--targets", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args)
        return
    if "127.0.0.1" not in args.database_url and "localhost" not in args.database_url:
        sys.exit("The load and fault run uses a local PostgreSQL only.")

    env = django_env(args)
    print(f"Database: {args.database_url}")
    ensure_database(args.database_url)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dealreg.settings"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from bench.management.commands.seed_scale import BENCH_PARTNER
    from portal.models import User

    if not User.objects.filter(username=BENCH_PARTNER).exists():
        manage(env, "seed_scale", "--deals", str(args.seed_deals))
    targets, stand_in = pick_targets()
    gunicorn = start_gunicorn(args, env)
    try:
        wait_until_up(args.port, targets[0])
        # Phase 1: steady load.
        print(f"\nPhase 1: {args.duration:.0f} s of load, 2 gunicorn workers")
        proc = run_load(args, targets, args.duration)
        steady = summarise(json.loads(proc.communicate()[0]), args.duration)
        print_summary(steady)

        # Phase 2: the same load, writes, and a PostgreSQL restart.
        print(f"\nPhase 2: {args.fault_duration:.0f} s of load and writes; "
              f"PostgreSQL restarted after {args.restart_after:.0f} s")  # fmt: skip
        before = integrity()
        writer = DealWriter()
        writer.start()
        proc = run_load(args, targets, args.fault_duration)
        time.sleep(args.restart_after)
        restart_at = time.time()
        restarted = subprocess.run(shlex.split(args.restart_cmd), capture_output=True, text=True)
        restart_took = time.time() - restart_at
        if restarted.returncode:
            print(f"Restart command failed: {restarted.stderr.strip()}")
        fault = summarise(json.loads(proc.communicate()[0]), args.fault_duration)
        writer.stop()
        after = integrity(writer.acknowledged)
        recovery = recovery_figures(fault, restart_at)
        print_summary(fault)
        print(f"  restart command took {restart_took:.1f} s; {recovery['text']}")
        print(f"  writer: {len(writer.acknowledged)} deals registered, "
              f"{writer.failures} attempts failed during the restart")  # fmt: skip
        print(f"  before: {before['text']}")
        print(f"  after:  {after['text']}")
        report = render_report(
            args, steady, fault, recovery, restart_took, writer, before, after, stand_in
        )
        print("\n" + report)
        if not args.no_write:
            from bench import report as benchreport

            path = benchreport.write_section("load", report)
            print(f"Written to {path}")
        if steady["errors"] or not after["ok"]:
            sys.exit(1)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)


def pick_targets() -> tuple[list[dict], str]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse

    from bench.management.commands.seed_scale import BENCH_PARTNER
    from portal.models import User

    def cookie(username: str) -> str:
        user = User.objects.get(username=username)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        # The backend that loads users in this project (a login through the form sets it).
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    partner = cookie(BENCH_PARTNER)
    return [
        {"path": reverse("portal:opportunity_manager"), "cookie": partner},
        # The search-as-you-type fragment, as htmx asks for it (a plain GET redirects).
        {
            "path": reverse("portal:customer_search") + "?q=kowal",
            "cookie": partner,
            "headers": {"HX-Request": "true"},
        },
    ], ""


def start_gunicorn(args, env) -> subprocess.Popen:
    cmd = [
        str(Path(PYTHON).parent / "gunicorn"),
        "dealreg.wsgi",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--log-level",
        "warning",
        "--timeout",
        "30",
    ]
    # The tracebacks of the requests that fail during the restart go to a log file.
    log = open(args.gunicorn_log, "w")  # noqa: SIM115 - lives as long as gunicorn
    print(f"gunicorn log: {args.gunicorn_log}")
    return subprocess.Popen(
        cmd, cwd=BASE_DIR, env=env, start_new_session=True, stdout=log, stderr=log
    )


def wait_until_up(port: int, target: dict) -> None:
    for _ in range(100):
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", target["path"], headers={"Cookie": target["cookie"]})
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
            raise SystemExit(
                f"{target['path']} answered HTTP {response.status} {response.getheader('Location')}"
            )
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


class DealWriter(threading.Thread):
    """Registers deals one transaction at a time, as the wizard's Register Deal does."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.acknowledged: list[int] = []
        self.failures = 0
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=30)

    def run(self) -> None:
        import datetime

        from django.db import close_old_connections, transaction
        from django.utils import timezone

        from bench.management.commands.seed_scale import BENCH_PARTNER
        from portal import workflow
        from portal.models import CustomerContact, Deal, DealContact, DealLine, Product, User

        user = User.objects.get(username=BENCH_PARTNER)
        contacts = list(CustomerContact.objects.order_by("pk")[:200])
        products = list(Product.objects.filter(is_active=True).values_list("pk", flat=True)[:20])
        distributor_id = User.objects.filter(distributor__isnull=False).first().distributor_id
        i = 0
        while not self._halt.is_set():
            close_old_connections()  # what every request does first
            contact = contacts[i % len(contacts)]
            i += 1
            try:
                with transaction.atomic():
                    deal = Deal.objects.create(
                        partner_id=user.partner_id,
                        registered_by=user,
                        customer_id=contact.customer_id,
                        customer_contact=contact,
                        name="Load and fault run",
                        expected_close_date=timezone.localdate() + datetime.timedelta(days=60),
                        distributor_id=distributor_id,
                        next_steps="Load and fault run",
                    )
                    for position, product in enumerate(
                        [products[i % len(products)], products[(i + 1) % len(products)]], 1
                    ):
                        DealLine.objects.create(deal=deal, product_id=product, position=position)
                    DealContact.objects.create(
                        deal=deal, role="sales", user=user, name="Load", email="load@example.com"
                    )
                    workflow.submit(deal=deal, by=user)
                self.acknowledged.append(deal.pk)
            except Exception:  # noqa: BLE001 - a failed write during the restart is expected
                self.failures += 1
                from django.db import connection

                connection.close()
                time.sleep(0.05)
            time.sleep(0.02)


def integrity(acknowledged: list[int] | None = None) -> dict:
    """Counts and invariants: nothing lost, nothing half-written."""
    from django.db import connection
    from django.db.models import Count, Q

    from portal.models import NUMBERED_STATUSES, Deal

    connection.close()  # a fresh connection after the restart
    deals = Deal.objects.count()
    bad_lines = Deal.objects.annotate(n=Count("lines")).filter(Q(n__lt=1) | Q(n__gt=3)).count()
    numbers = [str(s) for s in NUMBERED_STATUSES]
    bad_numbers = Deal.objects.filter(
        Q(status__in=numbers, deal_reg_number__isnull=True)
        | (~Q(status__in=numbers) & Q(deal_reg_number__isnull=False))
    ).count()
    unlogged = Deal.objects.filter(status="submitted", history__isnull=True).count()
    missing = 0
    if acknowledged:
        found = set(Deal.objects.filter(pk__in=acknowledged).values_list("pk", flat=True))
        missing = len(set(acknowledged) - found)
    ok = bad_lines == 0 and bad_numbers == 0 and unlogged == 0 and missing == 0
    return {
        "deals": deals,
        "ok": ok,
        "text": (
            f"{deals:,} deals; deals without 1-3 lines: {bad_lines}; number/status mismatches: "
            f"{bad_numbers}; submitted without history: {unlogged}; acknowledged but missing: "
            f"{missing}"
        ),
    }


def recovery_figures(fault: dict, restart_at: float) -> dict:
    samples = sorted(fault["samples"])
    t_restart = restart_at - fault["t_start"]
    errors = [s for s in samples if s[2] != 200]
    if not errors:
        return {"text": "no request failed", "seconds": 0.0, "failed": 0}
    first_error = min(s[0] for s in errors) - t_restart
    last_error = max(s[0] + s[1] / 1000 for s in errors)
    first_ok_after = next((s[0] for s in samples if s[2] == 200 and s[0] > last_error), None)
    back = (first_ok_after if first_ok_after is not None else last_error) - t_restart
    return {
        "seconds": back,
        "failed": len(errors),
        "text": (
            f"{len(errors)} requests failed ({', '.join(fault['error_kinds'])}) between "
            f"{first_error:.1f} s and {last_error - t_restart:.1f} s after the restart began; "
            f"every request from {back:.1f} s on succeeded, with no intervention"
        ),
    }


def print_summary(s: dict) -> None:
    print(
        f"  {s['requests']} requests, {s['rps']:.0f} req/s, p50 {s['p50']:.1f} ms, "
        f"p99 {s['p99']:.1f} ms, errors {s['errors']}"
    )


def render_report(args, steady, fault, recovery, restart_took, writer, before, after, stand_in):
    from django.utils import timezone

    from bench import report as benchreport

    command = "python -m bench.load_fault " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    return "\n".join(
        [
            "## Load and fault run (`bench/load_fault.py`)",
            "",
            f"- When: {timezone.now():%Y-%m-%d %H:%M} UTC",
            f"- Machine: {benchreport.machine()}",
            f"- Database: {benchreport.database()}, {before['deals']:,} deals",
            "- App: gunicorn, 2 sync workers, DEBUG off, loopback; load generator in a second "
            f"process, {args.threads_per_target} threads per URL",
            f"- Command: `{command.strip()}`",
            *([f"- Note: {stand_in}"] if stand_in else []),
            "",
            "| Phase | Duration s | Requests | Req/s | p50 ms | p99 ms | Errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
            f"| Steady load | {args.duration:.0f} | {steady['requests']} | {steady['rps']:.0f} "
            f"| {steady['p50']:.1f} | {steady['p99']:.1f} | {steady['errors']} |",
            f"| Load + writes + PostgreSQL restart at {args.restart_after:.0f} s "
            f"| {args.fault_duration:.0f} | {fault['requests']} | {fault['rps']:.0f} "
            f"| {fault['p50']:.1f} | {fault['p99']:.1f} | {fault['errors']} |",
            "",
            f"- Restart: `{args.restart_cmd}` took {restart_took:.1f} s; {recovery['text']} "
            "(CONN_HEALTH_CHECKS: a worker notices the dead connection and reconnects).",
            f"- Writes: {len(writer.acknowledged)} deals registered during the run, "
            f"{writer.failures} attempts failed while the server was down (rolled back).",
            f"- Before: {before['text']}.",
            f"- After: {after['text']}.",
            f"- Result: {'no deal lost or half-written' if after['ok'] else 'INTEGRITY PROBLEM'}.",
        ]
    )


if __name__ == "__main__":
    main()
