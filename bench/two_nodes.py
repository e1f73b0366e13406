"""Two app nodes on one PostgreSQL and one Redis, one of them killed in the middle of a load.

    .venv/bin/python -m bench.two_nodes                 # 40 s of load, node A killed at 20 s
    .venv/bin/python -m bench.two_nodes --duration 60 --clients 8 --no-write

(Run as a module from the checkout: as a script, `bench/http.py` would shadow the
standard library's `http`.)

1. Makes the database if needed (default `dealreg_nodes` on the local PostgreSQL), migrates
   it and seeds the demo into it once (partners, catalogue, customers).
2. Starts two gunicorn nodes as the Dockerfile runs them (one gthread worker × 4 threads
   each: two cores), on free loopback ports, with the same SECRET_KEY and `CACHE_URL` on
   Redis (cache, sessions), behind a small round-robin proxy that skips a node refusing
   connections and answers 502 when one dies mid-request, as nginx's upstream does.
3. Limits across nodes, both nodes up: one API token's requests spread over both nodes
   get the configured number of answers and then 429; wrong passwords spread over both
   nodes lock the login out on both; a session made on one node works on the other.
4. Load: clients register deals through the proxy with the partner API, each with its own
   `Idempotency-Key`, and retry a failed attempt with the same key; halfway node A is
   killed (SIGKILL, all its processes).
5. Counts: keys tried and acknowledged, deals in the database for those keys (exactly one
   each: nothing lost, nothing twice), what the clients saw, the latency.

Everything listens on loopback and stops by itself (`timeout`); the result is written to
`docs/benchmarks.md` (section "two-nodes").
"""

import argparse
import contextlib
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LIFETIME_SECONDS = 1800
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


# ------------------------------------------------------------------------------ the proxy


class Proxy(ThreadingHTTPServer):
    """Round robin over the nodes. A node that refuses the connection is marked down
    for a few seconds and the request goes to the next one (nothing was sent); a node
    that fails after taking the request gets a 502 back to the client, which decides."""

    daemon_threads = True

    def __init__(self, nodes: list[int]):
        self.nodes, self.down_until = nodes, dict.fromkeys(nodes, 0.0)
        self.turn, self.lock = 0, threading.Lock()
        super().__init__(("127.0.0.1", 0), ProxyHandler)

    def order(self) -> list[int]:
        with self.lock:
            self.turn += 1
            start = self.turn % len(self.nodes)
        ring = self.nodes[start:] + self.nodes[:start]
        now = time.monotonic()
        return sorted(ring, key=lambda port: self.down_until[port] > now)


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        for port in self.server.order():
            upstream = HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                upstream.connect()
            except OSError:
                self.server.down_until[port] = time.monotonic() + 5
                continue
            try:
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
            except OSError:
                self.server.down_until[port] = time.monotonic() + 5
                return self._reply(502, [], b"Bad gateway")
            finally:
                upstream.close()
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
            return self._reply(answer.status, kept, payload, node=port)
        self._reply(503, [], b"No node answers")

    def _reply(self, status: int, headers, payload: bytes, node: int = 0) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        if node:
            self.send_header("X-Node", str(node))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _forward


# ------------------------------------------------------------------------------ the nodes


def node_env(args, secret_key: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "CACHE_URL": args.redis_url,
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "EMAIL_URL": "dummymail://",
        "BENCH_TOOLS": "0",
    }


class Node:
    def __init__(self, name: str, env: dict) -> None:
        from bench.http import free_port, gunicorn

        self.name, self.port = name, free_port()
        self.log = Path(tempfile.gettempdir()) / f"dealreg-node-{self.port}.log"
        self.process, self._log = gunicorn(
            self.port, env, self.log, workers=1, threads=4, lifetime=LIFETIME_SECONDS
        )

    def wait_until_up(self) -> None:
        for _ in range(300):
            try:
                status, _h, _b = request(self.port, "GET", "/accounts/login/")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"node {self.name} did not start: see {self.log}")

    def kill(self) -> None:
        """All its processes at once, as a machine that goes away."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        self._log.close()


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        conn.close()


# ------------------------------------------------------------------ limits across nodes


def api_limit_across(nodes: list[Node], token: str) -> dict:
    """One token's calls, alternating between the nodes, in one window of the limit."""
    from django.conf import settings

    allowed, seconds = settings.RATE_LIMITS["api_token"]
    if seconds - time.time() % seconds < 20:  # too near the window's end: wait for the next
        time.sleep(seconds - time.time() % seconds + 0.5)
    answers: dict[int, int] = {}
    for i in range(allowed + 10):
        status, _h, _b = request(
            nodes[i % 2].port,
            "GET",
            "/api/v1/catalogue",
            headers={"Authorization": f"Bearer {token}"},
        )
        answers[status] = answers.get(status, 0) + 1
    return {"limit": allowed, "sent": allowed + 10, "answers": answers}


def login_form(port: int) -> tuple[str, str]:
    status, headers, body = request(port, "GET", "/accounts/login/")
    cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    return cookie, token


def log_in(port: int, username: str, password: str, csrf: tuple[str, str]):
    cookie, token = csrf
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    return request(
        port,
        "POST",
        "/accounts/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )


def lockout_across(nodes: list[Node], username: str, password: str) -> dict:
    """Wrong passwords alternating between the nodes, then the right one."""
    from django.conf import settings

    csrf = login_form(nodes[0].port)
    wrong = [
        log_in(nodes[i % 2].port, username, "not-the-password", csrf)[0]
        for i in range(settings.AXES_FAILURE_LIMIT)
    ]
    right = log_in(nodes[1].port, username, password, csrf)[0]
    return {"wrong": wrong, "right_after": right}


def session_across(nodes: list[Node], username: str, password: str) -> dict:
    status, headers, _b = log_in(nodes[0].port, username, password, login_form(nodes[0].port))
    session = re.search(r"sessionid=([^;]+)", headers.get("Set-Cookie", ""))
    if status != 302 or not session:
        return {"login": status, "other_node": None}
    page, _h, body = request(
        nodes[1].port,
        "GET",
        "/sales-zone/opportunity-manager/",
        headers={"Cookie": f"sessionid={session.group(1)}"},
    )
    return {"login": status, "other_node": page, "shows_list": b"Opportunity Manager" in body}


# ------------------------------------------------------------------------------ the load


class Client(threading.Thread):
    """Registers deals one after another, each under its own key, retrying a failed
    attempt with the same key until it is answered with the deal."""

    def __init__(self, number: int, proxy_port: int, tokens: list[str], body: dict, until: float):
        super().__init__(daemon=True)
        self.number, self.proxy_port, self.tokens = number, proxy_port, tokens
        self.body, self.until = body, until
        self.tried: list[str] = []
        self.acknowledged: dict[str, int] = {}
        self.latencies: list[float] = []
        self.seen: dict[str, int] = {}
        self.retries = 0

    def run(self) -> None:
        n = 0
        while time.monotonic() < self.until:
            n += 1
            key = f"nodes-{self.number}-{n}-{uuid.uuid4().hex[:8]}"
            self.tried.append(key)
            self._register(key, self.tokens[n % len(self.tokens)])

    def _register(self, key: str, token: str) -> None:
        payload = json.dumps(self.body).encode()
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        }
        for _attempt in range(60):
            started = time.perf_counter()
            try:
                status, answer_headers, body = request(
                    self.proxy_port, "POST", "/api/v1/deals", payload, headers
                )
            except OSError as error:
                status, answer_headers, body = type(error).__name__, {}, b""
            label = str(status)
            self.seen[label] = self.seen.get(label, 0) + 1
            if status in (200, 201):
                self.latencies.append((time.perf_counter() - started) * 1000)
                self.acknowledged[key] = json.loads(body)["id"]
                return
            self.retries += 1
            wait = float(answer_headers.get("Retry-After", 0.1)) if status == 429 else 0.1
            time.sleep(min(wait, 2.0))


# ------------------------------------------------------------------------------ the run


def prepare(args) -> None:
    import psycopg

    parts = urllib.parse.urlparse(args.database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": args.database_url, "DEBUG": "1"}
    manage = [PYTHON, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    os.environ.update(DATABASE_URL=args.database_url, CACHE_URL=args.redis_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealreg.settings")
    os.environ.setdefault("DEBUG", "1")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from portal.models import User

    if not User.objects.filter(username="partner").exists():
        subprocess.run([*manage, "seed_demo"], env=env, check=True, capture_output=True)


def actors(clients: int) -> tuple[list[list[str]], str, dict, tuple[str, str], tuple[str, str]]:
    """API tokens for the clients and the limit check, a registration body, two logins."""
    import datetime

    from django.utils import timezone

    from portal import api_tokens
    from portal.models import Customer, PartnerApiToken, Product, User

    partner = User.objects.get(username="partner")
    write = PartnerApiToken.Scope.WRITE
    make = lambda name: api_tokens.create_token(user=partner, name=name, scope=write)[1]  # noqa: E731
    # Several tokens a client, so that none reaches the API limit at the load's pace.
    tokens = [[make(f"two-node load {c}.{i}") for i in range(4)] for c in range(clients)]
    limit_token = make("two-node limit check")
    customer = Customer.objects.filter(contacts__isnull=False).order_by("pk").first()
    products = list(Product.objects.filter(is_active=True).order_by("pk")[:2])
    body = {
        "customer": {"id": customer.pk},
        "contact": {"id": customer.contacts.order_by("pk").first().pk},
        "products": [{"id": p.pk, "quantity": 2} for p in products],
        "name": "Two-node load run",
        "expected_close_date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        "sales_name": partner.get_full_name() or "Partner",
        "sales_email": partner.email,
        "distributor": User.objects.filter(distributor__isnull=False).first().distributor_id,
        "next_steps": "Registered by the two-node load run.",
        "estimated_value": "10000",
        "currency": "PLN",
    }
    locked = f"lockout-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(12)
    User.objects.create_user(
        locked, f"{locked}@example.com", password, partner=partner.partner, is_active=True
    )
    return tokens, limit_token, body, (locked, password), ("partner", "demo")


def counted(clients: list[Client]) -> dict:
    from django.db.models import Count

    from bench.load_fault import integrity
    from portal.api.partner import IDEMPOTENCY
    from portal.models import Deal, User

    partner_id = User.objects.get(username="partner").partner_id
    tried = [key for c in clients for key in c.tried]
    tokens = {uuid.uuid5(IDEMPOTENCY, f"{partner_id}:{key}") for key in tried}
    per_key = Deal.objects.filter(registration_token__in=tokens).values("registration_token")
    twice = per_key.annotate(n=Count("id")).filter(n__gt=1).count()
    found = per_key.count()
    acknowledged = {pk for c in clients for pk in c.acknowledged.values()}
    return {
        "tried": len(tried),
        "acknowledged": sum(len(c.acknowledged) for c in clients),
        "in_database": found,
        "twice": twice,
        "integrity": integrity(sorted(acknowledged)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "NODES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dealreg_nodes"
        ),
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--duration", type=float, default=40)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--no-write", action="store_true", help="Do not update docs/benchmarks.md.")
    args = parser.parse_args()
    for url in (args.database_url, args.redis_url):
        if "127.0.0.1" not in url and "localhost" not in url:
            sys.exit("The two-node run uses local services only.")

    prepare(args)
    from django.core.cache import cache

    cache.clear()  # the run's own Redis database: no session or pin of an earlier run
    tokens, limit_token, body, lockout_login, session_login = actors(args.clients)
    env = node_env(args, "nodes-" + secrets.token_urlsafe(48))
    # The manifest of hashed static files that DEBUG off serves from, as the Dockerfile makes.
    subprocess.run(
        [PYTHON, str(BASE_DIR / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
    )
    nodes = [Node("A", env), Node("B", env)]
    proxy = Proxy([n.port for n in nodes])
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        for node in nodes:
            node.wait_until_up()
        print(f"nodes A :{nodes[0].port}, B :{nodes[1].port}; proxy :{proxy.server_port}")
        limits = {
            "api": api_limit_across(nodes, limit_token),
            "lockout": lockout_across(nodes, *lockout_login),
            "session": session_across(nodes, *session_login),
        }
        print(json.dumps(limits))

        until = time.monotonic() + args.duration
        clients = [
            Client(i, proxy.server_port, tokens[i], body, until) for i in range(args.clients)
        ]
        started = time.monotonic()
        for client in clients:
            client.start()
        time.sleep(args.duration / 2)
        killed_at = time.monotonic() - started
        nodes[0].kill()
        print(f"node A killed at {killed_at:.1f} s")
        for client in clients:
            client.join(timeout=args.duration + 120)
        elapsed = time.monotonic() - started
        result = counted(clients)
        print(json.dumps(result, default=str))
        report = render(args, nodes, limits, clients, result, killed_at, elapsed)
        print("\n" + report)
        if not args.no_write:
            from bench import report as benchreport

            print(f"Written to {benchreport.write_section('two-nodes', report)}")
        if not holds(limits, result):
            sys.exit(1)
    finally:
        proxy.shutdown()
        for node in nodes:
            node.stop()


def holds(limits: dict, result: dict) -> bool:
    api = limits["api"]
    return (
        api["answers"].get(200) == api["limit"]
        and api["answers"].get(429) == api["sent"] - api["limit"]
        and limits["lockout"]["right_after"] == 429
        and limits["session"]["other_node"] == 200
        and result["tried"] == result["acknowledged"] == result["in_database"]
        and result["twice"] == 0
        and result["integrity"]["ok"]
    )


def render(args, nodes, limits, clients, result, killed_at, elapsed) -> str:
    from django.utils import timezone

    from bench import report as benchreport

    latencies = sorted(ms for c in clients for ms in c.latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    seen: dict[str, int] = {}
    for c in clients:
        for label, n in c.seen.items():
            seen[label] = seen.get(label, 0) + n
    api, lockout, session = limits["api"], limits["lockout"], limits["session"]
    command = "python -m bench.two_nodes " + " ".join(sys.argv[1:])
    return "\n".join(
        [
            "## Two app nodes, one killed mid-load (`python -m bench.two_nodes`)",
            "",
            f"- When: {timezone.now():%Y-%m-%d %H:%M} UTC",
            f"- Machine: {benchreport.machine()}",
            f"- Database: {benchreport.database()}; Redis `{args.redis_url}` (cache, sessions)",
            "- Nodes: two gunicorn processes (1 gthread worker × 4 threads each), DEBUG off, "
            "one SECRET_KEY, behind a round-robin proxy on loopback",
            f"- Command: `{command.strip()}`",
            "",
            "**Limits across the nodes** (both up):",
            f"- API limit {api['limit']}/min for one token, {api['sent']} calls alternating "
            f"A/B: {api.get('answers', {}).get(200, 0)} × 200, "
            f"{api.get('answers', {}).get(429, 0)} × 429.",
            f"- Login lock-out: {len(lockout['wrong'])} wrong passwords alternating A/B "
            f"(answers {', '.join(map(str, lockout['wrong']))}), then the right password on B: "
            f"{lockout['right_after']} (locked out on every node).",
            f"- A session made on A (login {session['login']}) opens the Opportunity Manager on "
            f"B: {session['other_node']}.",
            "",
            f"**Load**: {args.clients} clients registering deals through the proxy with the "
            f"API for {args.duration:.0f} s; node A killed (SIGKILL) at {killed_at:.1f} s; "
            f"all done after {elapsed:.1f} s.",
            "",
            "| Keys tried | Acknowledged | Deals in the database | Keys with two deals "
            "| Retries | Registrations/s | p50 ms | p95 ms |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {result['tried']} | {result['acknowledged']} | {result['in_database']} "
            f"| {result['twice']} | {sum(c.retries for c in clients)} "
            f"| {result['acknowledged'] / elapsed:.1f} "
            f"| {statistics.median(latencies) if latencies else float('nan'):.1f} | {p95:.1f} |",
            "",
            f"- What the clients saw: {', '.join(f'{k} × {v}' for k, v in sorted(seen.items()))}.",
            f"- Integrity: {result['integrity']['text']}.",
            "- Result: "
            + (
                "every registration landed exactly once; the limits held across the nodes."
                if holds(limits, result)
                else "A CHECK FAILED (see above)."
            ),
        ]
    )


if __name__ == "__main__":
    main()
