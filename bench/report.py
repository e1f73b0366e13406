"""Shared by `manage.py bench` and `bench/load_fault.py`: the machine, and docs/benchmarks.md.

docs/benchmarks.md is made of sections between `<!-- BEGIN name -->` and
`<!-- END name -->` markers; each tool rewrites only its own section, so the
hand-written notes and the other tool's figures stay.
"""

import os
import platform
import re
import sqlite3
from pathlib import Path

from django.conf import settings
from django.db import connection

DOCS_FILE = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nFigures written by `manage.py bench` and `bench/load_fault.py`.\n"


def machine() -> str:
    """CPU model, cores and RAM, e.g. 'Intel Xeon … , 2 cores, 23.4 GiB RAM'."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores{ram}, Python {platform.python_version()}"


def database() -> str:
    """The database vendor and version of the default connection."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        return f"PostgreSQL {version} ({connection.settings_dict['NAME']})"
    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    return connection.vendor


def write_section(name: str, content: str, path: Path | None = None) -> Path:
    """Replace (or append) the section `name` of docs/benchmarks.md with `content`."""
    path = path or DOCS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text() if path.exists() else HEADER
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{content.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
    return path
