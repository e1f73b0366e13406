"""The over-HTTP half of `manage.py bench --http`: gunicorn as the Dockerfile runs it, on a
free loopback port, and a small keep-alive client.

The server uses the same database and settings (DEBUG off) as the in-process run, and
the sessions the in-process clients logged in with: the session store is the database
(or Redis with a database fallback), so gunicorn's workers find them.
"""

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
# A server left behind by a crashed run stops by itself after this long.
LIFETIME_SECONDS = 3 * 3600


def database_url() -> str:
    """The URL of the database this process uses (a test run's own database too)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor != "postgresql":
        raise RuntimeError(f"--http runs on PostgreSQL or SQLite, not {connection.vendor}")
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    where = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{user}{password}@{where}/{quote(db['NAME'])}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn(
    port: int, env: dict, log: Path, *, workers: int, threads: int, lifetime: int = LIFETIME_SECONDS
):
    """(process, open log) of gunicorn on 127.0.0.1:`port` in its own process group (one
    signal stops all its workers), which `timeout` ends after `lifetime` seconds at the
    latest: a run that dies leaves no server behind."""
    command = [
        "timeout", str(lifetime), str(Path(sys.executable).parent / "gunicorn"), "dealreg.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread",
        "--threads", str(threads), "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    out = log.open("w")
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=out, stderr=out, start_new_session=True
    )
    return process, out


class Server:
    """gunicorn (2 gthread workers × 4 threads, as in the Dockerfile) for the `with` block."""

    def __init__(self, workers: int = 2, threads: int = 4) -> None:
        self.port = free_port()
        self.workers, self.threads = workers, threads
        self.log = Path(tempfile.gettempdir()) / f"dealreg-bench-{self.port}.log"

    def __enter__(self) -> "Server":
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
        }
        # As the Dockerfile does: the manifest of hashed static files that DEBUG off needs.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=BASE_DIR, env=env, check=True,
        )  # fmt: skip
        self.process, self._log = gunicorn(
            self.port, env, self.log, workers=self.workers, threads=self.threads
        )
        for _ in range(150):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start: see {self.log}")

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()


class Client:
    """GET over one keep-alive connection, as a browser tab does."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie = port, cookie
        self.connection: HTTPConnection | None = None

    def get(self, path: str, headers: dict | None = None) -> tuple[int, float, int]:
        """(status, milliseconds to the last byte, body size)."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = HTTPConnection("127.0.0.1", self.port, timeout=120)
            t0 = time.perf_counter()
            try:
                headers = {"Cookie": self.cookie, "Host": "127.0.0.1", **(headers or {})}
                self.connection.request("GET", path, headers=headers)
                response = self.connection.getresponse()
                body = response.read()
            except (OSError, ConnectionError):
                # The server closed an idle keep-alive connection: one fresh try.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            elapsed = (time.perf_counter() - t0) * 1000
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
            return response.status, elapsed, len(body)
        raise AssertionError("unreachable")


def throughput(port: int, cookie: str, path: str, *, seconds: float, clients: int) -> dict:
    """`clients` connections asking for `path` back to back for `seconds`: requests per
    second, latency median / p95 / p99 and errors (anything but HTTP 200)."""
    deadline = time.monotonic() + seconds
    samples: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        client, local, failed = Client(port, cookie), [], []
        while time.monotonic() < deadline:
            try:
                status, elapsed, _size = client.get(path)
            except OSError as exc:
                failed.append(type(exc).__name__)
                continue
            if status == 200:
                local.append(elapsed)
            else:
                failed.append(f"HTTP {status}")
        with lock:
            samples.extend(local)
            errors.extend(failed)

    started = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started
    ordered = sorted(samples)

    def pct(q: float) -> float:
        return ordered[max(0, int(q * len(ordered) + 0.5) - 1)] if ordered else float("nan")

    return {
        "seconds": took,
        "requests": len(samples),
        "rps": len(samples) / took,
        "median": statistics.median(samples) if samples else float("nan"),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
    }
