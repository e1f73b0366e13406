"""The partner's conflict notice on the deal page and at the wizard's review step:
only "another partner since <date>", never who, which deal or anything of it."""

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from portal import comments, conflicts, selectors
from portal.models import Deal
from tests import factories
from tests.wizard_steps import answer_until, step_url

pytestmark = pytest.mark.django_db
S = Deal.Status
NOTICE = "already registered by another partner since"


@pytest.fixture
def rival(db):
    partner = factories.PartnerFactory(name="Rival Integrator Sp. z o.o.", tax_id="PL9990001112")
    return factories.PartnerUserFactory(
        partner=partner,
        username="rival",
        first_name="Roman",
        last_name="Rywal",
        email="roman@rival.example",
    )


def make_rival_deal(make_deal, rival, customer, product, status=S.APPROVED):
    """The rival's live deal for `customer` and `product`, full of things to keep secret."""
    contact = factories.CustomerContactFactory(
        customer=customer, first_name="Zenon", last_name="Ukryty", email="zenon@hidden.example"
    )
    deal = make_deal(
        status,
        partner=rival.partner,
        registered_by=rival,
        distributor=factories.DistributorFactory(name="Secret Distribution S.A."),
        customer=customer,
        customer_contact=contact,
        lines=[product, factories.ProductFactory(name="Rival Only Appliance", sku="RIV-1")],
        opportunity_id="RIVAL-OPP-77",
        next_steps="Rival's confidential next step.",
    )
    comments.add_comment(deal=deal, author=rival, body="Rival's private comment.")
    return Deal.objects.get(pk=deal.pk)


def secrets_of(deal: Deal) -> list[str]:
    secrets = [
        deal.partner.name,
        deal.partner.tax_id,
        "Roman",
        "Rywal",
        "roman@rival.example",
        "Zenon",
        "Ukryty",
        "zenon@hidden.example",
        "Secret Distribution",
        "Rival Only Appliance",
        "RIV-1",
        "RIVAL-OPP-77",
        "confidential next step",
        "private comment",
        reverse("portal:deal_detail", args=[deal.pk]),
    ]
    if deal.deal_reg_number:
        secrets.append(deal.deal_reg_number)
    return secrets


@pytest.fixture
def conflict(make_deal, rival):
    """My submitted deal, and the rival's approved deal for the same customer and a product."""
    shared = factories.ProductFactory(name="Shared Firewall", sku="NGFW-S")
    customer = factories.CustomerFactory(name="Wspólny Klient S.A.")
    theirs = make_rival_deal(make_deal, rival, customer, shared)
    mine = make_deal(
        S.SUBMITTED,
        customer=customer,
        customer_contact=factories.CustomerContactFactory(customer=customer),
        lines=[shared],
    )
    return mine, theirs


def page(client, user, deal) -> str:
    client.force_login(user)
    response = client.get(reverse("portal:deal_detail", args=[deal.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_partner_sees_since_when_another_partner_holds_the_customer_and_product(
    client, partner_user, conflict
):
    mine, theirs = conflict
    html = page(client, partner_user, mine)
    assert NOTICE in html
    since = formats.date_format(timezone.localtime(theirs.submitted_at), "DATE_FORMAT")
    assert f"{NOTICE} {since}." in html


def test_partner_page_leaks_nothing_about_the_other_partner(client, partner_user, conflict):
    mine, theirs = conflict
    html = page(client, partner_user, mine)
    for secret in secrets_of(theirs):
        assert secret not in html, secret


@pytest.mark.parametrize("actor", ["distributor_user", "reviewer", "superuser"])
def test_nobody_but_the_deals_partner_gets_the_notice(client, request, conflict, actor):
    # Distributors cannot act on a conflict between partners, and reviewers have the full
    # warning (with the other deal) in the admin.
    mine, theirs = conflict
    html = page(client, request.getfixturevalue(actor), mine)
    assert NOTICE not in html
    assert 'data-testid="conflict-notice"' not in html


def test_distributor_of_both_deals_sees_no_notice_and_nothing_of_the_other_deal(
    client, make_deal, distributor_user, rival
):
    shared = factories.ProductFactory()
    customer = factories.CustomerFactory()
    mine = make_deal(
        S.SUBMITTED,
        customer=customer,
        customer_contact=factories.CustomerContactFactory(customer=customer),
        lines=[shared],
    )
    theirs = make_rival_deal(make_deal, rival, customer, shared)
    html = page(client, distributor_user, mine)
    assert NOTICE not in html
    assert theirs.deal_reg_number not in html


def test_no_notice_without_a_live_conflict(client, partner_user, make_deal, rival):
    shared = factories.ProductFactory()
    customer = factories.CustomerFactory()
    make_rival_deal(make_deal, rival, customer, shared, status=S.WITHDRAWN)
    mine = make_deal(
        S.SUBMITTED,
        customer=customer,
        customer_contact=factories.CustomerContactFactory(customer=customer),
        lines=[shared],
    )
    assert NOTICE not in page(client, partner_user, mine)


@pytest.mark.parametrize("their_status", [S.SUBMITTED, S.APPROVED, S.REJECTED, S.WON])
def test_the_page_gives_the_same_date_as_the_wizards_conflict_notice(
    make_deal, rival, partner_user, their_status
):
    shared = factories.ProductFactory()
    customer = factories.CustomerFactory()
    make_rival_deal(make_deal, rival, customer, shared, status=their_status)
    mine = make_deal(
        S.SUBMITTED,
        customer=customer,
        customer_contact=factories.CustomerContactFactory(customer=customer),
        lines=[shared, factories.ProductFactory()],
    )
    on_page = selectors.get_deal_page_for(user=partner_user, pk=mine.pk).conflict_since
    assert on_page == conflicts.conflict_notice_for_partner(
        customer_id=customer.pk,
        product_ids=[line.product_id for line in mine.lines.all()],
        partner_id=mine.partner_id,
    )
    assert (on_page is not None) == (their_status in (S.SUBMITTED, S.APPROVED))


def test_wizard_review_warns_without_a_trace_of_the_other_deal(
    client, partner_user, catalogue, make_deal, rival
):
    theirs = make_rival_deal(make_deal, rival, catalogue.customer, catalogue.products[0])
    client.force_login(partner_user)
    answer_until(client, catalogue, "review")
    html = client.get(step_url("review")).content.decode()
    assert NOTICE in html
    for secret in secrets_of(theirs):
        assert secret not in html, secret


def test_no_portal_view_uses_the_reviewers_conflict_queries():
    # conflicts_for / conflicts_with_details carry the other partner's
    # deal; the portal's views (partners, distributors) use the date-only notice instead.
    from pathlib import Path

    import portal.views

    for module in Path(portal.views.__file__).parent.glob("*.py"):
        source = module.read_text()
        for name in (
            "review_selectors",
            "conflicts_for",
            "conflicts_with_details",
        ):
            assert name not in source, f"{module.name} uses {name}"


@pytest.mark.parametrize(
    ("mine_to", "theirs_to", "outcome"),
    [
        (S.SUBMITTED, S.SUBMITTED, "pending"),
        (S.APPROVED, S.SUBMITTED, "approved-for-you"),
        (S.REJECTED, S.APPROVED, "other-approved"),
        (S.SUBMITTED, S.WITHDRAWN, "resolved"),
    ],
)
def test_the_notice_on_the_deal_page_follows_the_outcome(
    client, make_deal, rival, partner_user, reviewer, mine_to, theirs_to, outcome
):
    from portal import workflow

    shared = factories.ProductFactory()
    customer = factories.CustomerFactory()
    theirs = make_rival_deal(make_deal, rival, customer, shared, status=S.SUBMITTED)
    mine = make_deal(
        S.SUBMITTED,
        customer=customer,
        customer_contact=factories.CustomerContactFactory(customer=customer),
        lines=[shared],
    )
    moves = {
        S.APPROVED: workflow.approve,
        S.REJECTED: workflow.reject,
        S.WITHDRAWN: workflow.withdraw,
    }
    for deal, target in ((theirs, theirs_to), (mine, mine_to)):
        if target != S.SUBMITTED:
            extra = {"reason": "Duplicate."} if target == S.REJECTED else {}
            moves[target](deal=deal, by=reviewer, **extra)
    html = page(client, partner_user, mine)
    assert f'data-outcome="{outcome}"' in html
    for secret in secrets_of(theirs):
        assert secret not in html
