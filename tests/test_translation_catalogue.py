"""The Polish catalogue is complete, and every page and e-mail reads in Polish.

Python only (no gettext tools at test time): the strings are extracted from the templates with
Django's own `templatize` (what `makemessages` feeds to xgettext) and from the code with `ast`,
and compared with the committed `.po` and the compiled `.mo` the app really loads.
"""

import ast
import datetime
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

from portal import comments, workflow
from portal.models import (
    Competitor,
    Customer,
    Deal,
    DealContact,
    Distributor,
    Partner,
    Product,
    ProductFamily,
    User,
)
from tests.wizard_steps import ORDER, answer_until, step_url

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "pl" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# The keywords `makemessages` gives xgettext for Python code (with `_` and `gettext`).
SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PLURAL = {"ngettext", "ngettext_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}
CONTEXT_PLURAL = {"npgettext", "npgettext_lazy"}


# ---- the catalogue ---------------------------------------------------------------------------


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def po_entries() -> list[dict]:
    """The committed .po as a list of {ctx, id, plural, strs, flags}; header left out."""
    entries = []
    for block in PO.read_text(encoding="utf-8").strip().split("\n\n"):
        fields: dict[str, list[str]] = {}
        flags: list[str] = []
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[current].append(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = [value]
        entry = {
            "ctx": _unquote(fields["msgctxt"]) if "msgctxt" in fields else None,
            "id": _unquote(fields["msgid"]),
            "plural": _unquote(fields["msgid_plural"]) if "msgid_plural" in fields else None,
            "strs": [_unquote(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")],
            "flags": flags,
        }
        if entry["id"]:
            entries.append(entry)
    return entries


def _key(ctx: str | None, msgid: str) -> str:
    return f"{ctx}\x04{msgid}" if ctx else msgid


def strings_in_templates() -> set[str]:
    found = set()
    for path in sorted((ROOT / "templates").rglob("*")):
        if not path.is_file():
            continue
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        for match in re.finditer(r"\b(npgettext|pgettext|ngettext|gettext)\(", code):
            call = _first_call(code, match.start())
            found.add(_call_key(match.group(1), call.args))
    return found


def _first_call(code: str, start: int) -> ast.Call:
    """The call that starts at `start`: the shortest slice that parses as one expression."""
    end = code.index(")", start)
    while True:
        try:
            return ast.parse(code[start : end + 1], mode="eval").body
        except SyntaxError:
            end = code.index(")", end + 1)


def _call_key(name: str, args: list[ast.expr]) -> str:
    values = [arg.value if isinstance(arg, ast.Constant) else None for arg in args]
    if name in CONTEXT | CONTEXT_PLURAL:
        return _key(values[0], values[1])
    return values[0]


def strings_in_code() -> set[str]:
    found = set()
    paths = [*sorted((ROOT / "portal").rglob("*.py")), *sorted((ROOT / "dealreg").rglob("*.py"))]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in SINGULAR | PLURAL | CONTEXT | CONTEXT_PLURAL:
                continue
            if all(
                isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                for arg in node.args[: 2 if name in CONTEXT | CONTEXT_PLURAL else 1]
            ):
                found.add(_call_key(name, node.args))
    return found


def test_the_polish_catalogue_uses_the_three_polish_plural_forms():
    header = PO.read_text(encoding="utf-8").split("\n\n")[0]
    assert '"Language: pl\\n"' in header
    assert "nplurals=3;" in header
    compiled = gettext.GNUTranslations(MO.open("rb"))
    assert [compiled.plural(n) for n in (1, 2, 4, 5, 12, 21, 22, 25, 112, 122)] == [
        0,
        1,
        1,
        2,
        2,
        2,
        1,
        2,
        2,
        1,
    ]


def test_every_catalogue_entry_has_a_polish_translation_and_none_is_fuzzy():
    entries = po_entries()
    assert len(entries) > 500
    untranslated = [e["id"] for e in entries if not all(e["strs"])]
    fuzzy = [e["id"] for e in entries if "fuzzy" in e["flags"]]
    wrong_forms = [e["id"] for e in entries if e["plural"] and len(e["strs"]) != 3]
    assert untranslated == [] and fuzzy == [] and wrong_forms == []


def test_every_string_marked_in_templates_and_code_is_in_the_catalogue():
    in_catalogue = {_key(e["ctx"], e["id"]) for e in po_entries()}
    marked = strings_in_templates() | strings_in_code()
    assert len(marked) > 500
    assert sorted(marked - in_catalogue) == [], "run `make messages` and translate"
    assert sorted(in_catalogue - marked) == [], "stale entries: run `make messages`"


def test_the_compiled_catalogue_matches_the_po_file():
    compiled = gettext.GNUTranslations(MO.open("rb"))
    for entry in po_entries():
        if entry["plural"]:
            got = [
                compiled.npgettext(entry["ctx"], entry["id"], entry["plural"], n)
                if entry["ctx"]
                else compiled.ngettext(entry["id"], entry["plural"], n)
                for n in (1, 2, 5)
            ]
        elif entry["ctx"]:
            got = [compiled.pgettext(entry["ctx"], entry["id"])]
        else:
            got = [compiled.gettext(entry["id"])]
        assert got == entry["strs"], "run `make messages` to compile the .mo"


def test_the_vendor_portals_english_names_stay_and_the_other_statuses_are_polish():
    with translation.override("pl"):
        labels = dict(Deal.Status.choices)
        assert str(labels[Deal.Status.SUBMITTED]) == "Submitted"
        assert str(labels[Deal.Status.APPROVED]) == "Approved"
        assert [str(labels[s]) for s in ("draft", "rejected", "withdrawn", "expired")] == [
            "Szkic",
            "Odrzucony",
            "Wycofany",
            "Wygasły",
        ]
        assert translation.gettext("Register Deal") == "Register Deal"
        assert translation.gettext("Deal Reg Number") == "Deal Reg Number"
        assert translation.gettext("Register a Deal") == "Register a Deal (rejestracja projektu)"
        assert translation.gettext("Opportunity Manager").startswith("Opportunity Manager (")


# ---- pages in Polish -------------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """Text a person reads: text nodes (not scripts or styles) and the tooltip-like attributes."""

    ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and ("type", "submit") in attrs and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(part.strip() for part in parser.parts if part.strip())


def _fragments(msgid: str) -> list[str]:
    """The literal English of a msgid, without placeholders and markup."""
    return [
        piece.strip(" .,:;()—-")
        for piece in re.split(r"%\(\w+\)[sd]|%%|<[^>]+>|\n", msgid)
        if piece.strip(" .,:;()—-")
    ]


def english_giveaways() -> list[re.Pattern]:
    """English phrases of the catalogue that a Polish page must not show.

    Left out: entries whose Polish is the same (Status, SKU, Partner) and English that the
    Polish catalogue keeps on purpose (the vendor portal's names, e.g. "Submitted", which is
    also a column heading's msgid translated as "Przesłano").
    """
    entries = po_entries()
    kept = "\n".join(s for e in entries for s in e["strs"])
    # The header's switcher names each language in that language ("English", "polski").
    language_names = {str(name) for _code, name in settings.LANGUAGES}
    phrases = set()
    for entry in entries:
        for english in filter(None, [entry["id"], entry["plural"]]):
            if english in entry["strs"] or english in language_names:
                continue
            for fragment in _fragments(english):
                if (
                    len(fragment) >= 4
                    and re.search(r"[A-Za-z]{3}", fragment)
                    and not re.search(rf"\b{re.escape(fragment)}\b", kept)
                ):
                    phrases.add(fragment)
    return [re.compile(rf"(?<![\w-]){re.escape(p)}(?![\w-])") for p in sorted(phrases)]


def _data_names() -> list[str]:
    """Names typed into the data (customers, products, users): not the UI's words."""
    names = []
    for model in (Partner, Distributor, Customer, Product, ProductFamily, Competitor):
        names += model.objects.values_list("name", flat=True)
    for user in User.objects.all():
        names += [user.get_full_name(), user.username, user.email]
    names += DealContact.objects.values_list("name", flat=True)
    names += Deal.objects.values_list("next_steps", flat=True)
    names += Deal.objects.values_list("name", flat=True)
    return sorted(filter(None, names), key=len, reverse=True)


def untranslated(html: str, patterns: list[re.Pattern]) -> list[str]:
    text = visible_text(html)
    for name in _data_names():
        text = text.replace(name, " ")
    return sorted({m.group(0) for pattern in patterns for m in pattern.finditer(text)})


def polish_client(client, user=None):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    if user is not None:
        user.language = "pl"
        user.save(update_fields=["language"])
        client.force_login(user)
    return client


@pytest.fixture
def giveaways():
    return english_giveaways()


@pytest.fixture
def approved_deal(make_deal, partner_user, reviewer):
    deal = make_deal(Deal.Status.SUBMITTED, next_steps="Warsztaty u klienta.")
    DealContact.objects.create(
        deal=deal, role=DealContact.Role.ENGINEER, name="Piotr Inżynier", email="p@p.example"
    )
    deal = workflow.approve(deal=deal, by=reviewer, note="Powodzenia.")
    comments.add_comment(deal=deal, author=partner_user, body="Klient pyta o termin.")
    return deal


def assert_reads_in_polish(response, giveaways, *, allowed=()):
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert 'lang="pl"' in html
    assert [word for word in untranslated(html, giveaways) if word not in allowed] == []


def test_the_check_finds_english_on_a_page_shown_in_english(
    client, partner_user, approved_deal, giveaways
):
    client.force_login(partner_user)
    html = client.get(reverse("portal:deal_detail", args=[approved_deal.pk])).content.decode()
    found = untranslated(html, giveaways)
    assert {"Log out", "Expected close date", "History and comments"} <= set(found)


def test_the_pages_a_visitor_sees_read_in_polish(client, db, giveaways):
    polish_client(client)
    for name in ("login", "password_reset", "password_reset_done", "portal:apply"):
        assert_reads_in_polish(client.get(reverse(name)), giveaways)
    # A form sent empty: its error messages too.
    assert_reads_in_polish(client.post(reverse("portal:apply"), {}), giveaways)
    assert_reads_in_polish(
        client.post(reverse("login"), {"username": "x", "password": "y"}), giveaways
    )


def test_the_pages_of_partner_staff_read_in_polish(
    client, partner_user, approved_deal, make_deal, giveaways
):
    polish_client(client, partner_user)
    make_deal(Deal.Status.REJECTED)
    make_deal(Deal.Status.DRAFT)
    for url in (
        reverse("portal:home"),
        reverse("portal:opportunity_manager"),
        reverse("portal:opportunity_manager") + "?status=approved&o=-close",
        reverse("portal:deal_detail", args=[approved_deal.pk]),
        reverse("portal:deal_request_extension", args=[approved_deal.pk]),
        reverse("portal:deal_mark_won", args=[approved_deal.pk]),
        reverse("portal:profile"),
        reverse("password_change"),
    ):
        assert_reads_in_polish(client.get(url), giveaways)


def test_every_step_of_register_a_deal_reads_in_polish(client, partner_user, catalogue, giveaways):
    polish_client(client, partner_user)
    for slug in ORDER:
        answer_until(client, catalogue, slug)
        assert_reads_in_polish(client.get(step_url(slug)), giveaways)
        # The step sent back empty shows its error messages.
        assert_reads_in_polish(client.post(step_url(slug), {}), giveaways)
    answer_until(client, catalogue, "review")
    assert_reads_in_polish(client.get(step_url("review")), giveaways)
    token = client.get(step_url("review")).context["state"].token
    done = client.post(step_url("review"), {"token": token}, follow=True)
    assert_reads_in_polish(done, giveaways)
    assert "Submitted" in visible_text(done.content.decode())


def test_the_pages_of_distributor_staff_read_in_polish(
    client, distributor_user, approved_deal, giveaways
):
    polish_client(client, distributor_user)
    for url in (
        reverse("portal:home"),
        reverse("portal:opportunity_manager"),
        reverse("portal:deal_detail", args=[approved_deal.pk]),
        reverse("portal:deal_reg_check"),
        reverse("portal:deal_reg_check") + f"?number={approved_deal.deal_reg_number}",
        reverse("portal:deal_reg_check") + "?number=DR-2000-000001",
    ):
        assert_reads_in_polish(client.get(url), giveaways)


def test_the_reviewers_deal_page_in_the_admin_reads_in_polish(
    client, reviewer, approved_deal, make_deal, giveaways
):
    polish_client(client, reviewer)
    submitted = make_deal(Deal.Status.SUBMITTED)
    for url in (
        reverse("admin:index"),
        reverse("admin:portal_deal_changelist"),
        reverse("admin:portal_deal_change", args=[approved_deal.pk]),
        reverse("admin:portal_deal_change", args=[submitted.pk]),
    ):
        # Django's own admin search box has an untranslated icon text, alt="Search".
        assert_reads_in_polish(client.get(url), giveaways, allowed={"Search"})


def test_a_status_badge_keeps_the_portals_name_and_explains_it_in_polish(
    client, partner_user, make_deal
):
    deal = make_deal(Deal.Status.SUBMITTED)
    polish_client(client, partner_user)
    html = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert 'title="Przesłany — czeka na akceptację producenta">Submitted</span>' in html


def test_an_email_to_a_polish_speaking_user_is_in_polish(
    make_deal, partner_user, reviewer, mailoutbox, django_capture_on_commit_callbacks, giveaways
):
    partner_user.language = "pl"
    partner_user.save()
    deal = make_deal(Deal.Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(deal=deal, by=reviewer, validity_end=datetime.date(2030, 3, 5))
    (message,) = [m for m in mailoutbox if partner_user.email in m.to]
    assert message.subject.startswith("Rejestracja projektu zatwierdzona")
    html = message.alternatives[0][0]
    assert "05.03.2030" in message.body
    assert untranslated(f"<p>{message.subject}</p><pre>{message.body}</pre>", giveaways) == []
    assert untranslated(html, giveaways) == []
