"""`manage.py lighthouse`: Lighthouse's four scores for the partner's main pages, served as
in production (gunicorn, DEBUG off, whitenoise's compressed and hashed static files).

Run it on a database with the demo data (`make run` makes one). Lighthouse itself is not a
dependency of the portal: install it where you like (`npm install lighthouse`) and give
its path with --lighthouse (or put it on PATH); it drives Debian's Chromium. The scores
go to the table printed and to docs/lighthouse.md.
"""

import datetime
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from bench.http import Server
from portal.models import Deal, User

CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"


def partner_pages(partner: User) -> list[tuple[str, str, bool]]:
    """(what, path, logged in) of the pages the issue names."""
    deal = Deal.objects.filter(partner=partner.partner).order_by("pk").first()
    if deal is None:
        raise CommandError("no deal of the demo partner: run `manage.py seed_demo` first")
    return [
        ("Login", reverse("login"), False),
        ("Home", reverse("portal:home"), True),
        ("Opportunity Manager", reverse("portal:opportunity_manager"), True),
        (
            "Register a Deal, step 1",
            reverse("portal:register_deal_step", args=["opportunity"]),
            True,
        ),
        ("Deal page", reverse("portal:deal_detail", args=[deal.pk]), True),
    ]


class Command(BaseCommand):
    help = (
        "Lighthouse scores of the login, home, OM, wizard and deal pages, served as in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lighthouse", default=os.environ.get("LIGHTHOUSE", "lighthouse"))
        parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
        parser.add_argument("--user", default="partner", help="the demo user whose pages")
        parser.add_argument(
            "--preset", choices=["mobile", "desktop"], default="mobile",
            help="Lighthouse's default is a throttled mid-range phone",
        )  # fmt: skip
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "docs" / "lighthouse.md")
        )

    def handle(self, *args, **options):
        lighthouse = shutil.which(options["lighthouse"])
        if lighthouse is None:
            raise CommandError(f"no Lighthouse at {options['lighthouse']!r}: give --lighthouse")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}: run `manage.py seed_demo` first")
        client = Client()
        client.force_login(user)
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        rows = []
        with Server() as server, tempfile.TemporaryDirectory() as tmp:
            for what, path, logged_in in partner_pages(user):
                report = Path(tmp) / "report.json"
                command = [
                    lighthouse, f"http://127.0.0.1:{server.port}{path}",
                    "--output=json", f"--output-path={report}", "--quiet",
                    f"--only-categories={','.join(CATEGORIES)}",
                    f"--chrome-flags={CHROME_FLAGS}",
                ]  # fmt: skip
                if options["preset"] == "desktop":
                    command.append("--preset=desktop")
                if logged_in:
                    command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
                env = {**os.environ, "CHROME_PATH": options["chrome"]}
                for _attempt in range(3):  # its trace recording fails now and then (NO_NAVSTART)
                    report.unlink(missing_ok=True)
                    done = subprocess.run(
                        command, env=env, capture_output=True, text=True, timeout=300
                    )
                    if done.returncode == 0 and report.exists():
                        break
                else:
                    raise CommandError(f"Lighthouse failed on {path}: {done.stderr[-2000:]}")
                result = json.loads(report.read_text())
                if result.get("finalDisplayedUrl", "").endswith(reverse("login")) and logged_in:
                    raise CommandError(f"{path} sent Lighthouse to the login page")
                scores = [round(100 * result["categories"][c]["score"]) for c in CATEGORIES]
                below = [
                    f"{audit['id']} ({audit['score']})"
                    for audit in result["audits"].values()
                    if audit.get("score") is not None and audit["score"] < 0.9
                    and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
                ]  # fmt: skip
                rows.append((what, path, scores, below))
                self.stdout.write(
                    f"{what:28} {' '.join(f'{s:4}' for s in scores)}  {', '.join(below)}"
                )
        self._write(options["output"], options["preset"], rows, result.get("lighthouseVersion"))

    def _write(self, output: str, preset: str, rows, version: str | None) -> None:
        lines = [
            "# Lighthouse",
            "",
            f"`manage.py lighthouse --preset {preset}` on "
            f"{datetime.date.today():%Y-%m-%d} (Lighthouse {version}, Debian Chromium), the demo "
            "data served by gunicorn with DEBUG off and whitenoise's compressed, hashed "
            "static files. Scores out of 100.",
            "",
            "| Page | Performance | Accessibility | Best practices | SEO | Audits below 0.9 |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for what, path, scores, below in rows:
            cells = " | ".join(str(s) for s in scores)
            lines.append(f"| {what} (`{path}`) | {cells} | {', '.join(below) or '—'} |")
        lines += [
            "",
            "The audits below 0.9 cost no points here. The pages' HTML is sent uncompressed "
            "on purpose: compressing responses that carry a CSRF token invites BREACH, so "
            "the app leaves it to a proxy in front of it (static files are compressed). The "
            "stylesheet is Bootstrap's whole file, render-blocking by design: one cached "
            "request for every page.",
        ]
        Path(output).write_text("\n".join(lines) + "\n")
        self.stdout.write(f"written to {output}")
