"""Every URL of the project × every role: the expected answer, and no foreign data.

World: partner A (partner_user) registered two deals naming distributor X
(distributor_user), one Submitted and one Approved; partner B (other_partner_user)
registered one Approved deal naming distributor Y (other_distributor_user).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, resolve, reverse

from portal import api_tokens, attachments
from portal.models import (
    Deal,
    DealAttachment,
    DecisionRule,
    ExportJob,
    PartnerApiToken,
    PartnerApplication,
    WebhookEndpoint,
)
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = {
    "anonymous": None,
    "partner A": "partner_user",
    "partner B": "other_partner_user",
    "distributor X": "distributor_user",
    "distributor Y": "other_distributor_user",
    "reviewer": "reviewer",
    "superuser": "superuser",
    "staff without review permission": "staff_without_permission",
}
# Whose deals each role must never see a trace of.
FOREIGN = {
    "anonymous": {"A", "B"},
    "partner A": {"B"},
    "partner B": {"A"},
    "distributor X": {"B"},
    "distributor Y": {"A"},
    "reviewer": set(),
    "superuser": set(),
    "staff without review permission": {"A", "B"},
}
LOGIN = "login"  # a redirect to the login page
ADMIN_LOGIN = "admin login"  # a redirect to the admin's login page
REFUSED = "refused"  # 403 or 404


@dataclass
class World:
    submitted: Deal  # partner A's, naming distributor X
    approved: Deal  # partner A's, naming distributor X
    foreign: Deal  # partner B's, naming distributor Y
    application: PartnerApplication  # a pending application for partner access
    waiting: Deal  # partner A's, returned to it by a reviewer (Action Required)
    attachment: DealAttachment  # a PDF on partner A's submitted deal
    export: ExportJob  # partner A's finished background export of its deals
    rule: DecisionRule  # a decision rule, switched off
    token: PartnerApiToken  # partner A's user's personal API token
    webhook: WebhookEndpoint  # partner A's webhook endpoint

    def secrets(self, owner: str) -> list[str]:
        if owner == "A":
            return [
                self.submitted.customer.name,
                self.approved.customer.name,
                self.approved.deal_reg_number,
            ]
        return [self.foreign.customer.name, self.foreign.deal_reg_number]


def customer(name: str) -> dict:
    company = factories.CustomerFactory(name=name)
    return {
        "customer": company,
        "customer_contact": factories.CustomerContactFactory(customer=company),
    }


@pytest.fixture
def world(make_deal, make_other_deal, partner_user, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    submitted = make_deal(Deal.Status.SUBMITTED, **customer("Tajemnica Alfa Sp. z o.o."))
    approved = make_deal(Deal.Status.APPROVED, **customer("Sekret Alfa S.A."))
    export = ExportJob.objects.create(user=partner_user, language="en")
    export.file.save("a.csv", ContentFile(f"{submitted.customer.name}\n".encode()), save=False)
    export.status, export.rows_done, export.rows_total = ExportJob.Status.DONE, 1, 1
    export.save()
    return World(
        submitted=submitted,
        approved=approved,
        foreign=make_other_deal(Deal.Status.APPROVED, **customer("Poufne Beta Sp.j.")),
        application=factories.PartnerApplicationFactory(),
        waiting=make_deal(Deal.Status.ACTION_REQUIRED, **customer("Zagadka Alfa Sp. z o.o.")),
        attachment=attachments.attach(
            upload=SimpleUploadedFile("quote.pdf", b"%PDF-1.7\n%%EOF\n"),
            by=partner_user,
            deal=submitted,
        ),
        export=export,
        rule=DecisionRule.objects.create(name="Small deals", outcome="approve", max_value=1000),
        token=api_tokens.create_token(user=partner_user, name="CRM", scope="read")[0],
        webhook=WebhookEndpoint.objects.create(
            partner=partner_user.partner, url="https://crm.example.com/hook", events=["deal.won"]
        ),
    )


def _all(code):
    return dict.fromkeys(ROLES, code)


READ_LIST = {**_all(200), "anonymous": LOGIN, "staff without review permission": 403}
READ_DEAL = {
    "anonymous": LOGIN,
    "partner A": 200,
    "partner B": 404,
    "distributor X": 200,
    "distributor Y": 404,
    "reviewer": 200,
    "superuser": 200,
    "staff without review permission": 404,
}
CONFIRM = {**READ_DEAL, "distributor X": 403, "reviewer": 403, "superuser": 403}
ACT = {**CONFIRM, "partner A": 302}

# (name, method, url(world), expected per role, status the deal has afterwards if it changed)
CASES = [
    ("list", "get", lambda w: reverse("portal:opportunity_manager"), READ_LIST),
    (
        "list filtered",
        "get",
        lambda w: reverse("portal:opportunity_manager") + "?status=approved&q=a&o=-customer",
        READ_LIST,
    ),
    ("export", "get", lambda w: reverse("portal:deal_export"), READ_LIST),
    # Each role its own figures (tests/test_dashboards.py); no one else's ever.
    ("dashboard", "get", lambda w: reverse("portal:dashboard") + "?weeks=52", READ_LIST),
    (
        "list counts (after a search)",
        "get",
        lambda w: reverse("portal:opportunity_manager_counts") + "?q=a&status=approved",
        READ_LIST,
    ),
    ("deal page", "get", lambda w: reverse("portal:deal_detail", args=[w.approved.pk]), READ_DEAL),
    (
        "deal page, wrong method",
        "post",
        lambda w: reverse("portal:deal_detail", args=[w.approved.pk]),
        {**_all(405), "anonymous": LOGIN},
    ),
    (
        "withdraw (confirm)",
        "get",
        lambda w: reverse("portal:deal_withdraw", args=[w.submitted.pk]),
        CONFIRM,
    ),
    ("withdraw", "post", lambda w: reverse("portal:deal_withdraw", args=[w.submitted.pk]), ACT),
    (
        "download an attachment",
        "get",
        lambda w: reverse("portal:attachment", args=[w.attachment.pk]),
        READ_DEAL,
    ),
    (
        # Nothing sent: the deal page says what is missing.
        "attach a file",
        "post",
        lambda w: reverse("portal:deal_attach", args=[w.submitted.pk]),
        {
            **READ_DEAL,
            "partner A": (302,),
            "distributor X": 403,
            "reviewer": (302,),
            "superuser": (302,),
        },  # fmt: skip
    ),
    (
        "answer Action Required (form)",
        "get",
        lambda w: reverse("portal:deal_respond", args=[w.waiting.pk]),
        CONFIRM,
    ),
    (
        # Nothing typed: the answer is asked for, nothing changes.
        "answer Action Required (empty)",
        "post",
        lambda w: reverse("portal:deal_respond", args=[w.waiting.pk]),
        {**CONFIRM, "partner A": 400},
    ),
    (
        "mark won (confirm)",
        "get",
        lambda w: reverse("portal:deal_mark_won", args=[w.approved.pk]),
        CONFIRM,
    ),
    ("mark won", "post", lambda w: reverse("portal:deal_mark_won", args=[w.approved.pk]), ACT),
    (
        "mark lost (confirm)",
        "get",
        lambda w: reverse("portal:deal_mark_lost", args=[w.approved.pk]),
        CONFIRM,
    ),
    ("mark lost", "post", lambda w: reverse("portal:deal_mark_lost", args=[w.approved.pk]), ACT),
    (
        "request an extension (form)",
        "get",
        lambda w: reverse("portal:deal_request_extension", args=[w.approved.pk]),
        {**_all(REFUSED), "anonymous": LOGIN, "partner A": 200, "partner B": 404},
    ),
    (
        # An empty comment: those who may write get the page back with the error.
        "comment",
        "post",
        lambda w: reverse("portal:deal_comment", args=[w.approved.pk]),
        {**READ_DEAL, "partner A": 400, "distributor X": 403, "reviewer": 400, "superuser": 400},
    ),
    (
        "comments, wrong method",
        "get",
        lambda w: reverse("portal:deal_comment", args=[w.approved.pk]),
        {**_all(405), "anonymous": LOGIN},
    ),
    (
        "Deal Reg Number check",
        "get",
        # Typed numbers echo back in the form; the answers per number are in test_deal_reg_check.
        lambda w: reverse("portal:deal_reg_check"),
        {**_all(REFUSED), "anonymous": LOGIN, "distributor X": 200, "distributor Y": 200},
    ),
    (
        "deal page of a deal that does not exist",
        "get",
        lambda w: reverse("portal:deal_detail", args=[999_999]),
        {**_all(404), "anonymous": LOGIN},
    ),
]

# The Register a Deal wizard: its entry sends partners on to the first step.
WIZARD = "/sales/register-a-deal/"
WIZARD_FIRST_STEP = "/sales/register-a-deal/opportunity/"
WIZARD_ACCESS = {
    **_all(REFUSED),
    "anonymous": LOGIN,
    "partner A": 200,
    "partner B": 200,
}
WIZARD_CASES = [
    ("wizard", "get", lambda w: WIZARD_FIRST_STEP, WIZARD_ACCESS),
    # Partner B asking to copy partner A's deal must not get a trace of it.
    (
        "wizard, similar to partner A's deal",
        "get",
        lambda w: f"{WIZARD}?similar={w.approved.pk}",
        # Partner A is sent on to the first step, pre-filled.
        {**WIZARD_ACCESS, "partner A": (302,), "partner B": (200, 302, 404)},
    ),
]


# Everything else: the home page, the rest of the wizard, accounts, applying, the API and
# the reviewers' own admin views.
LOGGED_IN = {**_all(200), "anonymous": LOGIN}
PUBLIC = _all(200)
REDIRECT = (302,)
PARTNER_ONLY = {**_all(403), "anonymous": LOGIN, "partner A": REDIRECT, "partner B": REDIRECT}
REVIEWERS_ADMIN = {
    **_all(ADMIN_LOGIN),
    "reviewer": 200,
    "superuser": 200,
    "staff without review permission": 403,
}
OWNER_ONLY = {**_all(404), "anonymous": LOGIN, "partner A": 200}
# A partner user keeps tokens; partner and distributor staff keep their organisation's
# webhooks; the vendor's staff have neither (their API is the admin).
ORGANISATIONS = {**_all(403), "anonymous": LOGIN, **dict.fromkeys(
    ["partner A", "partner B", "distributor X", "distributor Y"], 200
)}  # fmt: skip
MINE = {**_all(404), "anonymous": LOGIN, "partner A": REDIRECT}
OTHER_CASES = [
    ("home", "get", lambda w: reverse("portal:home"), LOGGED_IN),
    # The partner API's own operations: tests/test_api_v1.py, operation × role from the schema.
    ("API schema", "get", lambda w: "/api/v1/openapi.json", PUBLIC),
    ("API docs", "get", lambda w: "/api/v1/docs", PUBLIC),
    ("API and webhooks page", "get", lambda w: reverse("portal:api_access"), ORGANISATIONS),
    (
        # An empty form: refused beside its fields (400), never made.
        "make an API token",
        "post",
        lambda w: reverse("portal:api_token_create"),
        {**_all(403), "anonymous": LOGIN, "partner A": 400, "partner B": 400},
    ),
    (
        "revoke an API token",
        "post",
        lambda w: reverse("portal:api_token_revoke", args=[w.token.pk]),
        MINE,
    ),
    (
        "add a webhook endpoint",
        "post",
        lambda w: reverse("portal:webhook_create"),
        {
            **ORGANISATIONS,
            **dict.fromkeys(["partner A", "partner B", "distributor X", "distributor Y"], 400),
        },
    ),  # fmt: skip
    (
        "delete a webhook endpoint",
        "post",
        lambda w: reverse("portal:webhook_delete", args=[w.webhook.pk]),
        {**MINE, "reviewer": 403, "superuser": 403, "staff without review permission": 403},
    ),
    # A background export is its requester's alone, whoever else may read the deals.
    ("export job", "get", lambda w: reverse("portal:export_job", args=[w.export.pk]), OWNER_ONLY),
    (
        "export download",
        "get",
        lambda w: reverse("portal:export_download", args=[w.export.pk]),
        OWNER_ONLY,
    ),
    ("wizard entry", "get", lambda w: reverse("portal:register_deal"), PARTNER_ONLY),
    (
        "customer search (without htmx)",
        "get",
        lambda w: reverse("portal:customer_search") + "?q=alfa",
        PARTNER_ONLY,
    ),
    (
        "wizard success page",
        "get",
        lambda w: reverse("portal:register_deal_done", args=[w.submitted.pk]),
        {**_all(403), "anonymous": LOGIN, "partner A": 200, "partner B": 404},
    ),
    (
        # A session is not a token: the API answers 401 to everyone without one.
        "Deal Reg Number check API",
        "get",
        lambda w: reverse("portal:api_deal_reg_check") + f"?number={w.approved.deal_reg_number}",
        _all(401),
    ),
    ("apply", "get", lambda w: reverse("portal:apply"), PUBLIC),
    ("apply, thanks", "get", lambda w: reverse("portal:apply_done"), PUBLIC),
    ("profile", "get", lambda w: reverse("portal:profile"), LOGGED_IN),
    (
        "activate, bad link",
        "get",
        lambda w: reverse("portal:activate", args=["MQ", "bad-token"]),
        PUBLIC,
    ),
    ("login", "get", lambda w: reverse("login"), {**_all(REDIRECT), "anonymous": 200}),
    ("logout", "post", lambda w: reverse("logout"), _all(REDIRECT)),
    ("two-factor status", "get", lambda w: reverse("portal:two_factor"), LOGGED_IN),
    ("two-factor set-up", "get", lambda w: reverse("portal:two_factor_setup"), LOGGED_IN),
    ("two-factor code", "get", lambda w: reverse("portal:two_factor_verify"), LOGGED_IN),
    (
        # Without a verified second factor: sent to the code page first.
        "two-factor new recovery codes",
        "post",
        lambda w: reverse("portal:two_factor_recovery_codes"),
        {**_all(REDIRECT), "anonymous": LOGIN},
    ),
    (
        "two-factor turn off",
        "post",
        lambda w: reverse("portal:two_factor_disable"),
        {**_all(REDIRECT), "anonymous": LOGIN},
    ),
    ("password change", "get", lambda w: reverse("password_change"), LOGGED_IN),
    ("password change, done", "get", lambda w: reverse("password_change_done"), LOGGED_IN),
    ("password reset", "get", lambda w: reverse("password_reset"), PUBLIC),
    ("password reset, sent", "get", lambda w: reverse("password_reset_done"), PUBLIC),
    (
        "password reset, bad link",
        "get",
        lambda w: reverse("password_reset_confirm", args=["MQ", "bad-token"]),
        PUBLIC,
    ),
    ("password reset, done", "get", lambda w: reverse("password_reset_complete"), PUBLIC),
    ("language switch", "post", lambda w: reverse("set_language"), _all(REDIRECT)),
    (
        "admin: approve a deal (form)",
        "get",
        lambda w: reverse("admin:portal_deal_approve", args=[w.submitted.pk]),
        REVIEWERS_ADMIN,
    ),
    (
        "admin: reject a deal (form)",
        "get",
        lambda w: reverse("admin:portal_deal_reject", args=[w.submitted.pk]),
        REVIEWERS_ADMIN,
    ),
    (
        "admin: request action on a deal (form)",
        "get",
        lambda w: reverse("admin:portal_deal_request_action", args=[w.submitted.pk]),
        REVIEWERS_ADMIN,
    ),
    (
        # No earlier registration by another partner: nothing is rejected.
        "admin: reject as duplicate",
        "post",
        lambda w: reverse("admin:portal_deal_reject_duplicate", args=[w.submitted.pk]),
        {**REVIEWERS_ADMIN, "reviewer": REDIRECT, "superuser": REDIRECT},
    ),
    (
        "admin: approve an application (form)",
        "get",
        lambda w: reverse("admin:portal_partnerapplication_approve", args=[w.application.pk]),
        REVIEWERS_ADMIN,
    ),
    (
        "admin: reject an application (form)",
        "get",
        lambda w: reverse("admin:portal_partnerapplication_reject", args=[w.application.pk]),
        REVIEWERS_ADMIN,
    ),
    (
        "admin: dry run of a decision rule",
        "get",
        lambda w: reverse("admin:portal_decisionrule_dry_run", args=[w.rule.pk]),
        REVIEWERS_ADMIN,
    ),
    (
        "admin: a malformed deal id",
        "get",
        lambda w: reverse("admin:portal_deal_approve", args=["999999"]),
        {**REVIEWERS_ADMIN, "reviewer": 404, "superuser": 404},
    ),
]


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def check(client, request, world, role, method, make_url, expected):
    fixture = ROLES[role]
    if fixture:
        client.force_login(request.getfixturevalue(fixture))
    url = make_url(world)
    before = dict(Deal.objects.values_list("pk", "status"))
    response = getattr(client, method)(url)
    want = expected[role]

    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif want == ADMIN_LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    elif want == REFUSED:
        assert response.status_code in (403, 404)
    elif isinstance(want, tuple):
        assert response.status_code in want
    else:
        assert response.status_code == want
    if want == 302:
        assert response["Location"] == reverse(
            "portal:deal_detail", args=[int(url.rstrip("/").split("/")[-2])]
        )

    after = dict(Deal.objects.values_list("pk", "status"))
    changed = {pk for pk in after if after[pk] != before[pk]}
    if want == 302:
        assert len(changed) == 1  # the one deal partner A acted on
    else:
        assert not changed

    html = body_of(response)
    for owner in FOREIGN[role]:
        for secret in world.secrets(owner):
            assert secret not in html, f"{role} got {secret!r} from {url}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "make_url", "expected"), CASES, ids=[case[0] for case in CASES]
)
def test_access(client, request, world, role, name, method, make_url, expected):
    check(client, request, world, role, method, make_url, expected)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "make_url", "expected"),
    WIZARD_CASES,
    ids=[case[0] for case in WIZARD_CASES],
)
def test_wizard_access(client, request, world, role, name, method, make_url, expected):
    check(client, request, world, role, method, make_url, expected)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "make_url", "expected"),
    OTHER_CASES,
    ids=[case[0] for case in OTHER_CASES],
)
def test_other_access(client, request, world, role, name, method, make_url, expected):
    check(client, request, world, role, method, make_url, expected)


# Django's own admin views (index, login, each model's changelist, add, change, delete,
# history...) are guarded by the admin itself; every other URL of the project is ours.
DJANGO_ADMIN_SUFFIXES = ("_changelist", "_add", "_change", "_delete", "_history")
DJANGO_ADMIN_VIEWS = {"index", "login", "logout", "password_change", "password_change_done"}
DJANGO_ADMIN_VIEWS |= {"autocomplete", "jsi18n", "view_on_site", "app_list"}


def project_url_names(patterns=None, namespace: str = "") -> set[str]:
    """The name of every URL pattern of the project, from the resolver."""
    names = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= project_url_names(pattern.url_patterns, inner)
        elif pattern.name:
            names.add(namespace + pattern.name)
    return names


def api_operation_names() -> set[str]:
    """The URL names of the API's operations (all its URLs but the schema and docs)."""
    from portal.api import api

    pages = {"openapi-json", "openapi-view"}
    return {f"api:{p.name}" for p in api.urls[0] if p.name not in pages}


def is_django_admin_view(name: str) -> bool:
    if not name.startswith("admin:"):
        return False
    view = name.removeprefix("admin:")
    return view in DJANGO_ADMIN_VIEWS or view.endswith(DJANGO_ADMIN_SUFFIXES)


def test_every_url_of_the_project_is_in_the_matrix(world):
    """A new URL (portal, API, accounts, apply, admin custom views) joins the matrix first."""
    covered = {
        resolve(urlsplit(make_url(world)).path).view_name
        for _name, _method, make_url, _expected in CASES + WIZARD_CASES + OTHER_CASES
    }
    # The API's operations are enumerated from its schema in tests/test_api_v1.py.
    operations = api_operation_names()
    ours = {
        name
        for name in project_url_names()
        if not is_django_admin_view(name) and name not in operations
    }
    assert len(ours) > 30
    assert ours - covered == set(), "add a case to the access matrix"
