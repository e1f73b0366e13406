"""axe-core on every page of every role (issue 14): no violation of any impact, the admin
included. The pages come from the URL configuration: a new page must either be listed
here with the role that opens it, or be set aside with the reason it has no page."""

import datetime
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.models import Deal, ExportJob, User
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The focus ring of an element: style, width and colour.
RING = (
    "e => { const s = getComputedStyle(e); "
    "return [s.outlineStyle, s.outlineWidth, s.outlineColor] }"
)
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"

# URL names that are not a page of their own, and why.
NOT_PAGES = {
    "api_deal_reg_check": "JSON for ordering systems",
    "customer_search": "an htmx fragment inside the customer step (checked there)",
    "opportunity_manager_counts": "an htmx fragment inside the Opportunity Manager",
    "export_download": "a CSV file",
    "deal_export": "a CSV file, or a redirect to its background job's page (listed)",
    "deal_comment": "answers a POST from the deal page",
    "deal_attach": "answers a POST from the deal page",
    "attachment": "a file, sent as a download",
    "set_language": "answers a POST from the language switcher",
    "logout": "answers a POST",
    "activate": "needs a one-time link from an e-mail",
    "password_reset_confirm": "needs a one-time link from an e-mail",
    "password_reset_complete": "follows a one-time link",
    "two_factor_verify": "asked during a reviewer's login to the admin",
    "two_factor_recovery_codes": "shown once after setting up the second factor",
    "two_factor_disable": "answers a POST from the two-factor page",
    "apply_done": "shown once after an application",
    "api_token_create": "answers a POST from the API page (the same page, with the token)",
    "api_token_revoke": "answers a POST from the API page",
    "webhook_create": "answers a POST from the API page (the same page, with the secret)",
    "webhook_delete": "answers a POST from the API page",
}


def portal_url_names() -> set[str]:
    names = set()

    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                # The admin has its own test; the API answers JSON, its docs page is the
                # vendored Swagger UI's (tests/test_api_v1.py).
                if p.namespace not in ("admin", "api"):
                    walk(p.url_patterns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(p.name)

    walk(get_resolver().url_patterns)
    return names


def pages(role: str | None) -> list[tuple[str, str]]:
    """(URL name, path) of the pages `role` opens, on the demo's data."""
    if role is None:
        names = ("login", "portal:apply", "password_reset", "password_reset_done")
        return [(n, reverse(n)) for n in names]
    user = User.objects.get(username=role)
    if role == "partner":
        deals = Deal.objects.filter(partner=user.partner)
    elif role == "distributor":
        deals = Deal.objects.filter(distributor=user.distributor).exclude(status="draft")
    else:
        deals = Deal.objects.all()
    approved = deals.filter(status=Deal.Status.APPROVED).order_by("pk").first()
    submitted = deals.filter(status=Deal.Status.SUBMITTED).order_by("pk").first()
    waiting = deals.filter(status=Deal.Status.ACTION_REQUIRED).order_by("pk").first()
    listed = [
        ("home", reverse("portal:home")),
        ("opportunity_manager", reverse("portal:opportunity_manager")),
        ("opportunity_manager", reverse("portal:opportunity_manager") + "?q=teatr&counts=1"),
        ("deal_detail", reverse("portal:deal_detail", args=[approved.pk])),
        ("profile", reverse("portal:profile")),
        ("password_change", reverse("password_change")),
        ("two_factor", reverse("portal:two_factor")),
        ("dashboard", reverse("portal:dashboard")),
        ("dashboard", reverse("portal:dashboard") + "?weeks=52"),
    ]
    if role in ("partner", "distributor"):
        listed.append(("api_access", reverse("portal:api_access")))
    if role == "partner":
        export = ExportJob.objects.create(user=user, language="en")
        listed += [
            ("register_deal_step", reverse("portal:register_deal_step", args=["opportunity"])),
            (
                "deal_request_extension",
                reverse("portal:deal_request_extension", args=[approved.pk]),
            ),
            ("deal_withdraw", reverse("portal:deal_withdraw", args=[submitted.pk])),
            ("deal_respond", reverse("portal:deal_respond", args=[waiting.pk])),
            ("deal_detail", reverse("portal:deal_detail", args=[waiting.pk])),
            ("deal_mark_won", reverse("portal:deal_mark_won", args=[approved.pk])),
            ("deal_mark_lost", reverse("portal:deal_mark_lost", args=[approved.pk])),
            ("export_job", reverse("portal:export_job", args=[export.pk])),
            ("password_change_done", reverse("password_change_done")),
        ]
    if role == "distributor":
        number = approved.deal_reg_number
        listed += [
            ("deal_reg_check", reverse("portal:deal_reg_check")),
            ("deal_reg_check", reverse("portal:deal_reg_check") + f"?number={number}"),
        ]
    if role == "reviewer":
        listed += [
            ("two_factor_setup", reverse("portal:two_factor_setup")),
            ("admin", reverse("admin:index")),
            ("admin", reverse("admin:portal_deal_changelist")),
            ("admin", reverse("admin:portal_deal_change", args=[submitted.pk])),
            ("admin", reverse("admin:portal_customer_changelist")),
        ]
    return listed


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => `${v.impact} ${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"
    )
    return found


def test_every_page_is_listed_or_set_aside_with_a_reason():
    covered = {name for role in ("partner", "distributor", "reviewer") for name in PAGE_NAMES[role]}
    covered |= {"login", "apply", "password_reset", "password_reset_done"} | WIZARD_PAGES
    assert portal_url_names() - covered - set(NOT_PAGES) == set()
    assert set(NOT_PAGES) <= portal_url_names()  # no stale reason


PAGE_NAMES = {
    "partner": {
        "home", "opportunity_manager", "deal_detail", "profile", "password_change", "two_factor",
        "register_deal_step", "deal_request_extension", "deal_withdraw", "deal_respond",
        "deal_mark_won",
        "deal_mark_lost", "export_job", "password_change_done", "dashboard", "api_access",
    },
    "distributor": {
        "home", "opportunity_manager", "deal_detail", "deal_reg_check", "dashboard", "api_access",
    },
    "reviewer": {"home", "opportunity_manager", "deal_detail", "two_factor_setup", "dashboard"},
}  # fmt: skip


# Walked through by test_axe_finds_no_violation_in_the_wizard.
WIZARD_PAGES = {"register_deal", "register_deal_step", "register_deal_done"}


@pytest.mark.parametrize("role", [None, "partner", "distributor", "reviewer"])
def test_axe_finds_no_violation_on_any_page(browser, live_server, demo, role):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        if role:
            login(page, live_server, role, "demo")
        listed = pages(role)
        if role:
            assert {name for name, _path in listed} >= PAGE_NAMES[role]
        found = {}
        for _name, path in listed:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (path, response.status)
            problems = violations(page)
            if problems:
                found[path] = problems
        report = [f"{path}: {problem}" for path, problems in found.items() for problem in problems]
        assert found == {}, "\n".join(report)
    finally:
        context.close()


@pytest.fixture
def axe_page(browser, live_server):
    """A page that lets axe's script in past the portal's Content-Security-Policy."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


STOCK_ADMIN_VIEWS = ("changelist", "add", "history", "delete", "change")


def admin_pages(reviewer: User) -> list[str]:
    """Every admin page a reviewer opens, enumerated from `admin.site`: the index, each
    model's list, add page and the change page of one row, one history, and every view of
    our own (approve, reject, ...) on the row it is for."""
    from django.contrib import admin
    from django.test import RequestFactory

    from portal.models import DecisionRule, PartnerApplication

    request = RequestFactory().get("/")
    request.user = reviewer
    # The row each of our own views is opened on.
    rows = {
        Deal: Deal.objects.filter(status=Deal.Status.SUBMITTED).order_by("pk").first(),
        PartnerApplication: PartnerApplication.objects.filter(
            status=PartnerApplication.Status.PENDING
        ).first(),
        DecisionRule: DecisionRule.objects.order_by("pk").first(),
    }
    paths = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_permission(request):
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        paths.append(reverse(f"{prefix}_changelist"))
        if model_admin.has_add_permission(request):
            paths.append(reverse(f"{prefix}_add"))
        row = rows.get(model) or model_admin.get_queryset(request).order_by("pk").first()
        if row is not None:
            paths.append(reverse(f"{prefix}_change", args=[row.pk]))
        if model is Deal:
            paths.append(reverse(f"{prefix}_history", args=[row.pk]))
        own = [
            url.name for url in model_admin.get_urls()
            if url.name and not url.name.endswith(STOCK_ADMIN_VIEWS)
        ]  # fmt: skip
        for name in own:
            assert model in rows, f"{name}: say which row axe opens it on"
            paths.append(reverse(f"admin:{name}", args=[rows[model].pk]))
    return paths


def test_axe_finds_no_violation_on_any_admin_page(axe_page, live_server, demo):
    page = axe_page
    login(page, live_server, "reviewer", "demo")
    found = {}
    paths = admin_pages(User.objects.get(username="reviewer"))
    assert len(paths) > 20
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (path, response.status)
        if problems := violations(page):
            found[path] = problems
    report = [f"{path}: {problem}" for path, problems in found.items() for problem in problems]
    assert found == {}, "\n".join(report)


def test_axe_finds_no_violation_in_the_wizard(axe_page, live_server, demo):
    """Every step as the partner sees it with answers in place and with a refused answer,
    the "continue or start over" question, and the page after Register Deal."""
    from playwright.sync_api import expect

    page, found = axe_page, {}

    def check(where: str) -> None:
        if problems := violations(page):
            found[where] = problems

    login(page, live_server, "partner", "demo")
    page.goto(f"{live_server.url}{reverse('portal:register_deal')}?restart=1")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Search customers by name, tax ID or website").fill("teatr")
    expect(page.get_by_test_id("customer-results")).to_contain_text("Teatr Nowy")
    page.get_by_text("Add a new customer").click()
    page.get_by_role("button", name="Add the customer and continue").click()  # refused
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    check("customer, with results and a refused new customer")
    page.get_by_label("Search customers by name, tax ID or website").fill("teatr")
    page.get_by_role("button", name="Choose Teatr Nowy").click()
    expect(page.get_by_text("Step 3 of 6")).to_be_visible()
    check("contact")
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Continue with this contact").click()
    expect(page.get_by_text("Step 4 of 6")).to_be_visible()
    page.get_by_label("Next-Gen Firewall 400", exact=True).check()
    check("products")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # refused: nothing typed
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    check("details, refused")
    page.get_by_label("Project name").fill("Axe check")
    close = datetime.date.today() + datetime.timedelta(days=40)
    page.get_by_label("Expected close date").fill(close.isoformat())
    page.get_by_label("Distributor").select_option(index=1)
    page.get_by_label("Next steps").fill("A workshop.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Step 6 of 6")).to_be_visible()
    check("review")
    page.goto(f"{live_server.url}{reverse('portal:register_deal')}")
    expect(page.get_by_test_id("in-progress")).to_be_visible()
    check("continue or start over")
    page.get_by_test_id("continue").click()
    page.get_by_role("button", name="Register Deal").click()
    expect(page.get_by_test_id("register-success")).to_be_visible()
    check("registered")
    report = [f"{where}: {problem}" for where, problems in found.items() for problem in problems]
    assert found == {}, "\n".join(report)


def test_keyboard_users_skip_to_the_content_see_the_focus_and_land_on_the_errors(
    page, live_server, demo
):
    """Tab first reaches the skip link; the focus ring is drawn (3 px, solid) on the page
    and on the dark navigation bar; a refused step puts the focus on its error summary."""
    from playwright.sync_api import expect

    login(page, live_server, "partner", "demo")
    page.goto(f"{live_server.url}{reverse('portal:home')}")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    brand = page.get_by_test_id("brand")
    brand.focus()
    ring = brand.evaluate(RING)
    assert ring == ["solid", "3px", "rgb(255, 212, 59)"], ring  # yellow on the dark bar

    page.goto(f"{live_server.url}{reverse('portal:register_deal')}?restart=1")
    page.get_by_label("Yes", exact=True).check()
    field = page.get_by_label("Opportunity ID")
    field.focus()
    ring = field.evaluate(
        "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]"
    )
    assert ring == ["solid", "3px"], ring  # dark blue with a white halo on the page
    page.keyboard.press("Enter")  # submits the step with the ID left empty
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text("Opportunity ID: Enter the Opportunity ID.")
