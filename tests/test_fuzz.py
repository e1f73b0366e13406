"""A hostile test of our own: every form and query parameter of the portal, the admin's own
views and the API, driven with hostile values (hypothesis). No answer may be a 5xx, and a
refused request writes nothing; what is written holds no control character.

Bounded: `FUZZ_EXAMPLES` examples per target (default 25), no deadline per example.
"""

import importlib
import inspect
import os
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import portal
from portal import account_forms
from portal import forms as wizard_forms
from portal.admin import applications as admin_applications
from portal.admin import catalogue as admin_catalogue
from portal.admin import deal_parts
from portal.admin import extensions as admin_extensions
from portal.admin import personal as admin_personal
from portal.admin import programme as programme_admin
from portal.filters import DealFilter
from portal.models import (
    Customer,
    CustomerContact,
    Deal,
    DealComment,
    DecisionRule,
    ExtensionRequest,
    PartnerApplication,
    User,
)
from portal.views import api_access as api_access_views
from portal.views import dashboards as dashboard_views
from portal.views import deal_reg_check, deals, extensions
from portal.views import mfa as mfa_views
from tests.wizard_steps import answer_until

pytestmark = pytest.mark.django_db
S = Deal.Status
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

HOSTILE = [
    "\x00",
    "a\x00b",
    "\r\n",
    "name\r\nBcc: all@example.com",
    "\x1b[31m",
    "\x07",
    "\u0085",
    "9" * 40,
    "-1",
    "0",
    "²",
    "٣",
    "１",
    "1e309",
    "NaN",
    "x" * 5000,
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "99999-01-01",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%00",
    "../../etc/passwd",
    "DR-2026-000001",
    "🙂" * 50,
    "",
    " ",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


def form_fields(form: forms.BaseForm) -> list[str]:
    """The names a form reads from a request, multi-widget parts included."""
    names = []
    for name, bound in form.fields.items():
        widget = bound.widget
        if isinstance(widget, forms.MultiWidget):
            names += [f"{name}{suffix}" for suffix in widget.widgets_names]
        else:
            names.append(name)
    return names


@dataclass
class Target:
    name: str
    method: str
    url: Callable[[dict], str]
    fields: Callable[[dict], list[str]]
    role: str | None = None  # a fixture name; None is a visitor
    forms: list[type] = field(default_factory=list)  # the form classes this target drives
    wizard_until: str | None = None
    headers: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)  # sent with every example
    reread: bool = False  # then GET the page again: it shows what was kept (a draft)


def deal_url(name: str, key: str = "approved"):
    return lambda w: reverse(name, args=[w[key].pk])


def admin_deal_url(name: str):
    return lambda w: reverse(f"admin:{name}", args=[w["submitted"].pk])


def static(*names: str):
    return lambda w: list(names)


def of(*form_classes, extra: tuple = ()):
    def fields(w):
        names = list(extra)
        for form_class in form_classes:
            if form_class is deals.CommentForm:
                form = form_class(reviewer=True)
            elif form_class is deal_parts.ApproveForm:
                form = form_class(deal=w["submitted"])  # a discount field per line
            else:
                form = form_class()
            names += form_fields(form)
        return names

    return fields


ADMIN_QUEUE_PARAMS = static(
    "q",
    "status__exact",
    "distributor__id__exact",
    "partner__id__exact",
    "product",
    "submitted_at__gte",
    "submitted_at__lt",
    "sla",
    "conflicts",
    "o",
    "p",
    "all",
)
TARGETS = [
    Target(
        "Opportunity Manager",
        "get",
        lambda w: reverse("portal:opportunity_manager"),
        lambda w: [
            *form_fields(DealFilter({}, user=w["partner_user"]).form),
            *("page", "counts", "after", "before"),  # the keyset cursors too
        ],
        "partner_user",
    ),
    Target(
        "Opportunity Manager counts",
        "get",
        lambda w: reverse("portal:opportunity_manager_counts"),
        lambda w: form_fields(DealFilter({}, user=w["partner_user"]).form),
        "reviewer",
    ),
    Target(
        "export",
        "get",
        lambda w: reverse("portal:deal_export"),
        lambda w: form_fields(DealFilter({}, user=w["partner_user"]).form),
        "distributor_user",
    ),
    Target(
        "wizard step 1",
        "post",
        lambda w: reverse("portal:register_deal_step", args=["opportunity"]),
        of(wizard_forms.OpportunityForm, extra=("edit",)),
        "partner_user",
        [wizard_forms.OpportunityForm],
    ),
    Target(
        "wizard customer search",
        "get",
        lambda w: reverse("portal:register_deal_step", args=["customer"]),
        static("q"),
        "partner_user",
        wizard_until="customer",
    ),
    Target(
        "wizard customer (new)",
        "post",
        lambda w: reverse("portal:register_deal_step", args=["customer"]),
        of(wizard_forms.NewCustomerForm, wizard_forms.CustomerPickForm, extra=("mode",)),
        "partner_user",
        [wizard_forms.NewCustomerForm, wizard_forms.CustomerPickForm],
        wizard_until="customer",
    ),
    Target(
        "wizard contact",
        "post",
        lambda w: reverse("portal:register_deal_step", args=["contact"]),
        of(wizard_forms.NewContactForm, extra=("mode", "contact")),
        "partner_user",
        [wizard_forms.NewContactForm, wizard_forms.ContactPickForm],
        wizard_until="contact",
    ),
    Target(
        "wizard products",
        "post",
        lambda w: reverse("portal:register_deal_step", args=["products"]),
        lambda w: [
            "product",
            "action",
            "pq",
            "family",
            *(f"quantity_{p.pk}" for p in w["catalogue"].products),
        ],
        "partner_user",
        [wizard_forms.ProductsForm],
        wizard_until="products",
    ),
    Target(
        "wizard details",
        "post",
        lambda w: reverse("portal:register_deal_step", args=["details"]),
        of(wizard_forms.DetailsForm),
        "partner_user",
        [wizard_forms.DetailsForm],
        wizard_until="details",
    ),
    *(
        Target(
            f"wizard {slug}, left with Back",
            "post",
            lambda w, slug=slug: reverse("portal:register_deal_step", args=[slug]),
            of(*form_classes, extra=("mode", "product", "pq", "family", "quantity_1")),
            "partner_user",
            wizard_until=slug,
            fixed={"back": "1"},
            reread=True,
        )
        for slug, form_classes in [
            ("customer", [wizard_forms.NewCustomerForm]),
            ("contact", [wizard_forms.NewContactForm]),
            ("products", []),
            ("details", [wizard_forms.DetailsForm]),
        ]
    ),
    Target(
        "wizard review",
        "post",
        lambda w: reverse("portal:register_deal_step", args=["review"]),
        static("token"),
        "partner_user",
        wizard_until="review",
    ),
    Target(
        "customer search (htmx)",
        "get",
        lambda w: reverse("portal:customer_search"),
        static("q"),
        "partner_user",
        headers={"HTTP_HX_REQUEST": "true"},
    ),
    Target(
        "similar deal",
        "get",
        lambda w: reverse("portal:register_deal"),
        static("similar", "restart"),
        "partner_user",
    ),
    Target(
        "comment",
        "post",
        deal_url("portal:deal_comment"),
        of(deals.CommentForm),
        "reviewer",
        [deals.CommentForm],
    ),
    Target(
        "withdraw",
        "post",
        deal_url("portal:deal_withdraw", "submitted"),
        of(deals.ActionNoteForm),
        "partner_user",
        [deals.ActionNoteForm],
    ),
    Target(
        "extension request",
        "post",
        deal_url("portal:deal_request_extension"),
        of(extensions.ExtensionRequestForm),
        "partner_user",
        [extensions.ExtensionRequestForm],
    ),
    Target(
        "Deal Reg Number check",
        "get",
        lambda w: reverse("portal:deal_reg_check"),
        of(deal_reg_check.DealRegCheckForm),
        "distributor_user",
        [deal_reg_check.DealRegCheckForm],
    ),
    Target(
        "API",
        "get",
        lambda w: reverse("portal:api_deal_reg_check"),
        static("number"),
        headers={"HTTP_AUTHORIZATION": "Bearer drc_not-a-real-token"},
    ),
    Target(
        "apply",
        "post",
        lambda w: reverse("portal:apply"),
        of(account_forms.PartnerApplicationForm),
        forms=[account_forms.PartnerApplicationForm],
    ),
    Target(
        "profile",
        "post",
        lambda w: reverse("portal:profile"),
        of(account_forms.ProfileForm),
        "partner_user",
        [account_forms.ProfileForm],
    ),
    Target(
        "login",
        "post",
        lambda w: reverse("login"),
        of(account_forms.LoginForm, extra=("next",)),
        forms=[account_forms.LoginForm],
    ),
    Target(
        "password reset",
        "post",
        lambda w: reverse("password_reset"),
        of(account_forms.PortalPasswordResetForm),
        forms=[account_forms.PortalPasswordResetForm],
    ),
    Target(
        "two-factor code",
        "post",
        lambda w: reverse("portal:two_factor_verify"),
        of(mfa_views.CodeForm, extra=("next",)),
        "partner_user",
        [mfa_views.CodeForm],
    ),
    Target(
        "two-factor set-up",
        "post",
        lambda w: reverse("portal:two_factor_setup"),
        of(mfa_views.CodeForm, extra=("next",)),
        "distributor_user",
    ),
    Target("language", "post", lambda w: reverse("set_language"), static("language", "next")),
    Target(
        "admin queue",
        "get",
        lambda w: reverse("admin:portal_deal_changelist"),
        ADMIN_QUEUE_PARAMS,
        "reviewer",
    ),
    Target(
        "admin approve",
        "post",
        admin_deal_url("portal_deal_approve"),
        of(deal_parts.ApproveForm),
        "reviewer",
        [deal_parts.ApproveForm],
    ),
    Target(
        "admin new decision rule",
        "post",
        lambda w: reverse("admin:portal_decisionrule_add"),
        of(programme_admin.DecisionRuleForm),
        "reviewer",
        [programme_admin.DecisionRuleForm],
    ),
    Target(
        "make an API token",
        "post",
        lambda w: reverse("portal:api_token_create"),
        of(api_access_views.TokenForm),
        "partner_user",
        [api_access_views.TokenForm],
    ),
    Target(
        "add a webhook endpoint",
        "post",
        lambda w: reverse("portal:webhook_create"),
        of(api_access_views.WebhookForm),
        "distributor_user",
        [api_access_views.WebhookForm],
    ),
    Target(
        "dashboard period",
        "get",
        lambda w: reverse("portal:dashboard"),
        of(dashboard_views.PeriodForm),
        "partner_user",
        [dashboard_views.PeriodForm],
    ),
    Target(
        "admin dry run",
        "get",
        lambda w: reverse("admin:portal_decisionrule_dry_run", args=[w["rule"].pk]),
        of(programme_admin.DryRunForm),
        "reviewer",
        [programme_admin.DryRunForm],
    ),
    Target(
        "admin deal page, a new comment",
        "post",
        admin_deal_url("portal_deal_change"),
        static(
            "comments-TOTAL_FORMS",
            "comments-INITIAL_FORMS",
            "comments-0-body",
            "comments-0-is_internal",
        ),
        "reviewer",
        [deal_parts.DealCommentForm],
    ),  # fmt: skip
    Target(
        "answer Action Required",
        "post",
        deal_url("portal:deal_respond", "waiting"),
        static(
            "answer",
            "name",
            "expected_close_date",
            "next_steps",
            "estimated_value",
            "currency",
            "distributor",
        ),
        "partner_user",
        [wizard_forms.RespondForm],
    ),  # fmt: skip
    Target(
        "attach a file",
        "post",
        deal_url("portal:deal_attach", "submitted"),
        of(wizard_forms.AttachForm),
        "partner_user",
        [wizard_forms.AttachForm],
    ),
    Target(
        "admin request action",
        "post",
        admin_deal_url("portal_deal_request_action"),
        of(deal_parts.RequestActionForm),
        "reviewer",
        [deal_parts.RequestActionForm],
    ),
    Target(
        "admin reject",
        "post",
        admin_deal_url("portal_deal_reject"),
        of(deal_parts.RejectForm),
        "reviewer",
        [deal_parts.RejectForm],
    ),
    Target(
        "admin bulk approve, conflicts confirmed",
        "post",
        lambda w: reverse("admin:portal_deal_changelist"),
        of(deal_parts.ConfirmConflictsForm, extra=("action", "_selected_action", "apply")),
        "reviewer",
        [deal_parts.ConfirmConflictsForm],
    ),
    Target(
        "admin bulk extend",
        "post",
        lambda w: reverse("admin:portal_deal_changelist"),
        of(deal_parts.ExtendForm, extra=("action", "_selected_action", "apply")),
        "reviewer",
        [deal_parts.ExtendForm],
    ),
    Target(
        "admin extension decisions",
        "post",
        lambda w: reverse("admin:portal_extensionrequest_changelist"),
        of(admin_extensions.RefuseExtensionForm, extra=("action", "_selected_action", "apply")),
        "reviewer",
        [admin_extensions.RefuseExtensionForm, admin_extensions.ApproveExtensionForm],
    ),
    Target(
        "admin erase personal data",
        "post",
        lambda w: reverse("admin:portal_customercontact_changelist"),
        of(admin_personal.EraseForm, extra=("action", "_selected_action", "apply")),
        "reviewer",
        [admin_personal.EraseForm],
    ),
    Target(
        "admin merge customers",
        "post",
        lambda w: reverse("admin:portal_customer_changelist"),
        static("action", "_selected_action", "apply", "survivor"),
        "reviewer",
        [admin_catalogue.MergeCustomersForm],
    ),
    Target(
        "admin application reject",
        "post",
        lambda w: reverse("admin:portal_partnerapplication_reject", args=[w["application"].pk]),
        of(admin_applications.RejectApplicationForm),
        "reviewer",
        [admin_applications.RejectApplicationForm],
    ),
]
# Forms no request reaches with free input: the token admin's add form (a model choice and a
# name, fuzzed through the catalogue admin's forms' shared base).
UNREACHED = {"DistributorApiTokenForm", "PlainTextForm", "PlainTextModelForm"}


def portal_form_classes() -> set[str]:
    """Every form class defined in the portal's code."""
    found = set()
    for module_info in pkgutil.walk_packages(portal.__path__, "portal."):
        if ".migrations" in module_info.name or ".management" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
            ):
                found.add(name)
    return found


def test_every_form_of_the_portal_is_fuzzed():
    fuzzed = {form.__name__ for target in TARGETS for form in target.forms}
    missing = portal_form_classes() - fuzzed - UNREACHED
    assert missing == set(), "add a fuzz target for it"


COUNTED = [Deal, Customer, CustomerContact, DealComment, ExtensionRequest, PartnerApplication]
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def assert_no_control_characters_stored():
    single_line = [
        *Customer.objects.values_list("name", "city", "tax_id", "address"),
        *CustomerContact.objects.values_list("first_name", "last_name", "email", "job_title"),
        *PartnerApplication.objects.values_list("company_name", "city", "email"),
        *User.objects.values_list("first_name", "last_name", "email", "phone"),
    ]
    bad = [values for values in single_line if any(CONTROL.search(v or "") for v in values)]
    assert bad == []


def waiting_on_partner(deal, reviewer):
    """A deal returned to its partner asking to change every field that may be asked."""
    from portal import action_required
    from portal.models import ActionRequest, ReviewReason

    action_required.request_action(
        deal=deal, by=reviewer, reasons=ReviewReason.objects.filter(code="other"),
        message="Change everything.", fields=ActionRequest.Field.values,
    )  # fmt: skip
    return deal


@pytest.fixture
def world(request, make_deal, partner_user, distributor_user, reviewer, catalogue):
    from tests import factories

    return {
        "partner_user": partner_user,
        "distributor_user": distributor_user,
        "reviewer": reviewer,
        "catalogue": catalogue,
        "submitted": make_deal(S.SUBMITTED),
        "approved": make_deal(S.APPROVED),
        "waiting": waiting_on_partner(make_deal(S.SUBMITTED), reviewer),
        "application": factories.PartnerApplicationFactory(),
        "rule": DecisionRule.objects.create(name="Small deals", outcome="approve", max_value=1000),
    }


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_no_hostile_input_breaks_a_page(request, world, target):
    client = Client()
    if target.role:
        client.force_login(world[target.role])
    if target.wizard_until:
        answer_until(client, world["catalogue"], target.wizard_until)
    url = target.url(world)
    names = target.fields(world)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.dictionaries(st.sampled_from(names), st.lists(VALUES, min_size=1, max_size=2)))
    def hostile(data):
        before = counts()
        response = getattr(client, target.method)(url, {**data, **target.fixed}, **target.headers)
        assert response.status_code < 500, (target.name, data)
        if target.reread:
            assert client.get(url).status_code < 500, (target.name, data)
        if response.status_code >= 400 or (target.method == "post" and response.status_code == 200):
            assert counts() == before, (target.name, data)
        assert_no_control_characters_stored()

    hostile()
