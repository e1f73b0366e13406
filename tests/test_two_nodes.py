"""Several app nodes: the compose file's shape, and the proxy of `bench.two_nodes` that
stands in for nginx in the loopback run."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from bench.http import free_port
from bench.two_nodes import Proxy, request
from tests.fresh_process import ROOT


class Backend(BaseHTTPRequestHandler):
    """Answers GETs with its port; drops a POST's connection without answering."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        body = str(self.server.server_port).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.connection.close()


@pytest.fixture
def backend():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()


def serving(proxy: Proxy) -> Proxy:
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    return proxy


def test_the_proxy_skips_a_node_that_refuses_connections(backend):
    proxy = serving(Proxy([free_port(), backend]))  # nothing listens on the first
    try:
        answers = [request(proxy.server_port, "GET", "/") for _ in range(6)]
    finally:
        proxy.shutdown()
    assert [status for status, _h, _b in answers] == [200] * 6
    assert {body for _s, _h, body in answers} == {str(backend).encode()}


def test_a_node_that_dies_mid_request_is_a_502_for_the_client_to_retry(backend):
    proxy = serving(Proxy([backend]))
    try:
        status, _h, _b = request(proxy.server_port, "POST", "/api/v1/deals", b"{}")
    finally:
        proxy.shutdown()
    assert status == 502


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_compose_nodes_share_one_database_one_redis_and_one_migrator():
    services = compose()["services"]
    built = {name: s for name, s in services.items() if "build" in s}
    nodes = [name for name, s in built.items() if "command" not in s]  # the image's gunicorn
    assert len(nodes) >= 2
    for name, service in built.items():
        env = service["environment"]
        assert env["CACHE_URL"].startswith("redis://"), name
        assert env["DATABASE_URL"] == built["app"]["environment"]["DATABASE_URL"], name
    for name in nodes:  # exports and attachments: one volume every node mounts
        assert "media:/app/media" in built[name]["volumes"], name
    migrating = [n for n in nodes if built[n]["environment"].get("MIGRATE_ON_START", "1") == "1"]
    assert migrating == ["app"]
    upstream = re.findall(r"server (\w+):8000", services["proxy"]["environment"]["NGINX_CONF"])
    assert sorted(upstream) == sorted(nodes)
