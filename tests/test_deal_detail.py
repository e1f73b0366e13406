"""The deal page: everything registered, status and number, history, and who may act."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import formats, timezone

from portal import attachments, comments, extensions, workflow
from portal.models import Deal, DealContact
from tests import factories

pytestmark = pytest.mark.django_db


def url(deal: Deal) -> str:
    return reverse("portal:deal_detail", args=[deal.pk])


def page(client, user, deal):
    client.force_login(user)
    return client.get(url(deal))


@pytest.fixture
def full_deal(make_deal, partner_user):
    """A deal with every field filled in, approved with a 15% discount."""
    customer = factories.CustomerFactory(
        name="Zakłady Mięsne Łódź", tax_id="PL 725-000-11-22", address="ul. Żeromskiego 5"
    )
    contact = factories.CustomerContactFactory(
        customer=customer,
        first_name="Grażyna",
        last_name="Wiśniewska",
        email="g.wisniewska@zm-lodz.example",
        job_title="IT Director",
    )
    family = factories.ProductFamilyFactory(name="Switching & Wireless")
    products = [
        factories.ProductFactory(name="Access Switch 24 PoE", sku="SW-24P", family=family),
        factories.ProductFactory(name="Wi-Fi 6E Access Point", sku="AP-6E", family=family),
    ]
    deal = make_deal(
        Deal.Status.DRAFT,
        customer=customer,
        customer_contact=contact,
        lines=products,
        opportunity_id="OPP-2026-0042",
        next_steps="Site survey in the cold store.",
    )
    deal.lines.filter(product=products[1]).update(quantity=40)
    DealContact.objects.create(
        deal=deal, role=DealContact.Role.ENGINEER, name="Piotr Inżynier", email="piotr@p.example"
    )
    deal.competitors.add(factories.CompetitorFactory(name="Fortinet"))
    workflow.submit(deal=deal, by=partner_user)
    reviewer = factories.ReviewerFactory()
    validity_end = datetime.date.today() + datetime.timedelta(days=60)
    return workflow.approve(
        deal=deal,
        by=reviewer,
        discount_percent=Decimal("15"),
        validity_end=validity_end,
        note="Welcome aboard.",
    )


def test_the_page_shows_everything_that_was_registered(client, partner_user, full_deal):
    html = page(client, partner_user, full_deal).content.decode()
    for text in [
        "Zakłady Mięsne Łódź",
        "PL 725-000-11-22",
        "ul. Żeromskiego 5",
        "Grażyna Wiśniewska",
        "IT Director",
        "g.wisniewska@zm-lodz.example",
        "Access Switch 24 PoE",
        "SW-24P",
        "Wi-Fi 6E Access Point",
        ">40<",
        "Switching &amp; Wireless",
        "Piotr Inżynier",
        "Engineer",
        partner_user.email,
        "Fortinet",
        full_deal.distributor.name,
        "Site survey in the cold store.",
        formats.date_format(full_deal.expected_close_date, "DATE_FORMAT"),
        "OPP-2026-0042",
    ]:
        assert text in html, text


def test_an_approved_deal_shows_its_number_validity_end_and_discount(
    client, partner_user, full_deal
):
    html = page(client, partner_user, full_deal).content.decode()
    assert (
        f'<strong class="deal-reg-number" data-testid="deal-reg-number">'
        f"{full_deal.deal_reg_number}</strong>"
    ) in html
    assert formats.date_format(full_deal.validity_end, "DATE_FORMAT") in html
    assert "15%" in html


@pytest.mark.parametrize("status", Deal.Status.values)
def test_the_number_is_shown_exactly_when_the_deal_was_approved(
    client, partner_user, make_deal, status
):
    deal = make_deal(status)
    html = page(client, partner_user, deal).content.decode()
    if status in Deal.NUMBERED_STATUSES:
        assert deal.deal_reg_number in html
        assert 'data-testid="deal-reg-number"' in html
    else:
        assert 'data-testid="deal-reg-number"' not in html
        assert "DR-" not in html


def test_a_rejected_deal_shows_the_reason(client, partner_user, make_deal):
    deal = make_deal(Deal.Status.REJECTED)
    html = page(client, partner_user, deal).content.decode()
    assert 'data-testid="rejection"' in html
    assert "Duplicate registration." in html


def test_the_history_is_a_timeline_of_who_changed_what_and_when(client, partner_user, full_deal):
    html = page(client, partner_user, full_deal).content.decode()
    timeline = html[html.index('data-testid="history"') :]
    submitted = timeline.index('data-status="submitted"')
    approved = timeline.index('data-status="approved"', submitted)
    assert submitted < approved
    assert "Welcome aboard." in timeline
    assert partner_user.get_full_name() in timeline


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (Deal.Status.SUBMITTED, ["deal_withdraw"]),
        (Deal.Status.APPROVED, ["deal_mark_won", "deal_mark_lost"]),
        (Deal.Status.REJECTED, []),
        (Deal.Status.WITHDRAWN, []),
        (Deal.Status.WON, []),
    ],
)
def test_the_deals_partner_gets_the_actions_its_status_allows(
    client, partner_user, make_deal, status, actions
):
    deal = make_deal(status)
    html = page(client, partner_user, deal).content.decode()
    for name in ["deal_withdraw", "deal_mark_won", "deal_mark_lost"]:
        action_url = reverse(f"portal:{name}", args=[deal.pk])
        assert (f'href="{action_url}"' in html) == (name in actions), name


@pytest.mark.parametrize("actor", ["distributor_user", "reviewer", "superuser"])
def test_everyone_but_the_deals_partner_reads_the_page_without_actions(
    client, request, make_deal, actor
):
    deal = make_deal(Deal.Status.APPROVED)
    response = page(client, request.getfixturevalue(actor), deal)
    html = response.content.decode()
    assert response.status_code == 200
    assert deal.deal_reg_number in html
    assert 'data-testid="deal-actions"' not in html
    assert "/won/" not in html and "/withdraw/" not in html


def test_register_a_similar_deal_opens_the_wizard_prefilled(client, partner_user, make_deal):
    deal = make_deal(Deal.Status.WON)
    html = page(client, partner_user, deal).content.decode()
    register_url = reverse("portal:register_deal")
    assert f'href="{register_url}?similar={deal.pk}"' in html


@pytest.mark.parametrize("actor", ["partner_user", "distributor_user", "reviewer", "superuser"])
def test_the_page_runs_a_bounded_number_of_queries(
    client, request, full_deal, django_assert_max_num_queries, actor
):
    client.force_login(request.getfixturevalue(actor))
    with django_assert_max_num_queries(9):
        response = client.get(url(full_deal))
    assert response.status_code == 200
    assert full_deal.customer.name in response.content.decode()


@pytest.mark.parametrize("actor", ["partner_user", "distributor_user", "reviewer", "superuser"])
def test_comments_requests_and_a_conflict_cost_no_extra_queries(
    client,
    request,
    full_deal,
    partner_user,
    other_partner_user,
    django_assert_max_num_queries,
    actor,
):
    reviewer = factories.ReviewerFactory()
    for n in range(5):
        comments.add_comment(deal=full_deal, author=partner_user, body=f"Question {n}")
        comments.add_comment(deal=full_deal, author=reviewer, body=f"Answer {n}")
        comments.add_comment(deal=full_deal, author=reviewer, body=f"Note {n}", internal=True)
    refused = extensions.request_extension(deal=full_deal, by=partner_user, reason="Tender moved.")
    extensions.refuse_extension(request=refused, by=reviewer, reason="Not yet needed.")
    extensions.request_extension(deal=full_deal, by=partner_user, reason="Tender moved again.")
    rivals = factories.DealFactory(
        partner=other_partner_user.partner,
        registered_by=other_partner_user,
        customer=full_deal.customer,
        customer_contact=full_deal.customer_contact,
        lines=[full_deal.lines.first().product],
    )
    workflow.submit(deal=rivals, by=other_partner_user)
    for n in range(3):
        pdf = SimpleUploadedFile(f"quote-{n}.pdf", b"%PDF-1.7\n%%EOF\n")
        attachments.attach(upload=pdf, by=partner_user, deal=full_deal)
    client.force_login(request.getfixturevalue(actor))
    with django_assert_max_num_queries(9):
        response = client.get(url(full_deal))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="attachment"') == 3
    assert html.count('data-testid="comment"') == (15 if actor in ("reviewer", "superuser") else 10)
    assert html.count('data-testid="extension-request"') == 2
    # Approved for this partner: the notice says so; only partner staff read it.
    assert ("approved the registration for you" in html) == (actor == "partner_user")


def test_a_submitted_deal_says_when_the_vendor_decision_is_expected(
    client, partner_user, make_deal
):
    deal = make_deal(Deal.Status.SUBMITTED)
    due = formats.date_format(timezone.localtime(deal.decision_due_at), "DATETIME_FORMAT")
    html = page(client, partner_user, deal).content.decode()
    # One period, also when the time ends with one ("1:57 a.m.").
    assert f"Vendor decision expected by {due.removesuffix('.')}." in html


@pytest.mark.parametrize("actor", ["partner_user", "distributor_user"])
def test_an_overdue_decision_is_told_politely(client, request, make_deal, actor):
    deal = make_deal(Deal.Status.SUBMITTED)
    overdue_since = timezone.now() - datetime.timedelta(hours=5)
    Deal.objects.filter(pk=deal.pk).update(decision_due_at=overdue_since)
    due = formats.date_format(timezone.localtime(overdue_since), "DATETIME_FORMAT")
    html = page(client, request.getfixturevalue(actor), deal).content.decode()
    assert f"The vendor's decision is overdue since {due}" in html
    assert "expected by" not in html


@pytest.mark.parametrize("status", [Deal.Status.APPROVED, Deal.Status.REJECTED])
def test_the_decision_time_is_shown_only_while_submitted(client, partner_user, make_deal, status):
    html = page(client, partner_user, make_deal(status)).content.decode()
    assert "decision expected by" not in html and "overdue" not in html


def test_the_partner_of_an_approved_deal_may_request_an_extension(client, partner_user, make_deal):
    deal = make_deal(Deal.Status.APPROVED)
    html = page(client, partner_user, deal).content.decode()
    assert f'href="{reverse("portal:deal_request_extension", args=[deal.pk])}"' in html


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("partner_user", Deal.Status.SUBMITTED),
        ("partner_user", Deal.Status.EXPIRED),
        ("distributor_user", Deal.Status.APPROVED),
        ("reviewer", Deal.Status.APPROVED),
    ],
)
def test_no_extension_button_for_other_statuses_or_other_roles(
    client, request, make_deal, actor, status
):
    deal = make_deal(status)
    html = page(client, request.getfixturevalue(actor), deal).content.decode()
    assert reverse("portal:deal_request_extension", args=[deal.pk]) not in html


def test_a_pending_request_shows_instead_of_the_button(
    client, partner_user, distributor_user, make_deal
):
    deal = make_deal(Deal.Status.APPROVED)
    extensions.request_extension(deal=deal, by=partner_user, reason="<i>Tender</i> postponed.")
    for user in (partner_user, distributor_user):
        html = page(client, user, deal).content.decode()
        assert 'data-status="pending"' in html
        assert "&lt;i&gt;Tender&lt;/i&gt; postponed." in html
        assert reverse("portal:deal_request_extension", args=[deal.pk]) not in html


def test_a_refused_request_shows_the_reason_and_the_partner_may_ask_again(
    client, partner_user, reviewer, make_deal
):
    deal = make_deal(Deal.Status.APPROVED)
    asked = extensions.request_extension(deal=deal, by=partner_user, reason="Tender moved.")
    extensions.refuse_extension(request=asked, by=reviewer, reason="Validity is long enough.")
    html = page(client, partner_user, deal).content.decode()
    assert 'data-status="refused"' in html and "Validity is long enough." in html
    assert reverse("portal:deal_request_extension", args=[deal.pk]) in html


def test_after_the_one_extension_no_more_can_be_requested(
    client, partner_user, reviewer, make_deal, settings
):
    settings.DEAL_MAX_EXTENSIONS = 1
    deal = make_deal(Deal.Status.APPROVED)
    asked = extensions.request_extension(deal=deal, by=partner_user, reason="Tender moved.")
    extensions.approve_extension(request=asked, by=reviewer)
    html = page(client, partner_user, deal).content.decode()
    assert 'data-status="approved"' in html
    assert "cannot be extended again" in html
    assert reverse("portal:deal_request_extension", args=[deal.pk]) not in html
    timeline = html[html.index('data-testid="history"') :]
    assert "Validity extended" in timeline


@pytest.mark.parametrize(("actor", "told"), [("partner_user", True), ("distributor_user", False)])
def test_only_the_partner_is_told_to_quote_the_number(client, request, make_deal, actor, told):
    deal = make_deal(Deal.Status.APPROVED)
    html = page(client, request.getfixturevalue(actor), deal).content.decode()
    assert deal.deal_reg_number in html
    assert ("Quote this number when you ask" in html) == told
