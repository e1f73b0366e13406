"""Comments on a deal: who writes, who reads, what is mailed, and HTML shown as text."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from portal import comments, selectors, timeline
from portal.models import Deal, DealComment
from tests import factories

pytestmark = pytest.mark.django_db
S = Deal.Status


@pytest.fixture
def deal(make_deal):
    return make_deal(S.SUBMITTED)


@pytest.fixture
def thread(deal, partner_user, reviewer):
    """One partner comment, one reviewer comment, one internal note."""
    return {
        "partner": comments.add_comment(deal=deal, author=partner_user, body="Added the BOM."),
        "reviewer": comments.add_comment(
            deal=deal, author=reviewer, body="Please attach the customer's RFP."
        ),
        "internal": comments.add_comment(
            deal=deal, author=reviewer, body="Check the rival's claim first.", internal=True
        ),
    }


def bodies(user, deal):
    return [c.body for c in selectors.comments_visible_to(user=user, deal=deal)]


def test_reviewer_reads_the_thread_and_the_internal_notes(thread, deal, reviewer):
    assert bodies(reviewer, deal) == [
        "Added the BOM.",
        "Please attach the customer's RFP.",
        "Check the rival's claim first.",
    ]


def test_partner_reads_the_thread_without_internal_notes(thread, deal, partner_user):
    assert bodies(partner_user, deal) == ["Added the BOM.", "Please attach the customer's RFP."]


def test_distributor_of_the_deal_reads_the_thread_without_internal_notes(
    thread, deal, distributor_user
):
    assert bodies(distributor_user, deal) == [
        "Added the BOM.",
        "Please attach the customer's RFP.",
    ]


def test_outsiders_read_nothing(
    thread, deal, other_partner_user, other_distributor_user, staff_without_permission
):
    for user in (other_partner_user, other_distributor_user, staff_without_permission):
        assert bodies(user, deal) == []


def test_timeline_merges_history_and_visible_comments(thread, deal, partner_user, reviewer):
    partner_kinds = [e.kind for e in timeline.deal_timeline(user=partner_user, deal=deal)]
    assert partner_kinds == ["status", "comment", "comment"]
    reviewer_entries = timeline.deal_timeline(user=reviewer, deal=deal)
    assert [e.is_internal for e in reviewer_entries] == [False, False, False, True]


def test_partner_cannot_write_an_internal_note(deal, partner_user):
    with pytest.raises(PermissionDenied):
        comments.add_comment(deal=deal, author=partner_user, body="Psst", internal=True)
    assert not DealComment.objects.exists()


@pytest.mark.parametrize(
    "who", ["other_partner_user", "distributor_user", "staff_without_permission"]
)
def test_only_the_deals_partner_and_reviewers_write(deal, who, request):
    with pytest.raises(PermissionDenied):
        comments.add_comment(deal=deal, author=request.getfixturevalue(who), body="Hello")
    assert not DealComment.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_empty_or_overlong_comment_is_refused(deal, partner_user, body):
    with pytest.raises(ValidationError):
        comments.add_comment(deal=deal, author=partner_user, body=body)
    assert not DealComment.objects.exists()


def html_of(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def test_partner_comment_mails_the_reviewers(
    deal, partner_user, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    second = factories.ReviewerFactory(email="second.reviewer@vendor.example")
    factories.ReviewerFactory(username="gone", email="gone@vendor.example", is_active=False)
    factories.ReviewerFactory(username="no_mail", email="")
    with django_capture_on_commit_callbacks(execute=True):
        comments.add_comment(deal=deal, author=partner_user, body="RFP attached.")
    assert sorted(m.to[0] for m in mailoutbox) == sorted([reviewer.email, second.email])
    assert all(len(m.to) == 1 for m in mailoutbox)
    message = mailoutbox[0]
    assert "RFP attached." in message.body and "RFP attached." in html_of(message)
    assert partner_user.get_full_name() in message.body
    assert deal.customer.name in message.subject
    # Reviewers answer from the admin.
    assert f"/admin/portal/deal/{deal.pk}/change/" in message.body


def test_reviewer_comment_mails_the_registering_user_and_partner_contacts(
    deal, reviewer, partner_user, mailoutbox, django_capture_on_commit_callbacks
):
    deal.contacts.create(role="engineer", name="Eng", email="engineer@partner.example")
    with django_capture_on_commit_callbacks(execute=True):
        comments.add_comment(deal=deal, author=reviewer, body="Please attach the RFP.")
    # The registering user is also the sales contact: one mail each, no duplicates.
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [partner_user.email, "engineer@partner.example"]
    )
    assert all("Please attach the RFP." in m.body for m in mailoutbox)
    assert all("/admin/" not in m.body for m in mailoutbox)


def test_comment_mail_is_in_each_recipients_language(
    deal, reviewer, partner_user, mailoutbox, django_capture_on_commit_callbacks
):
    partner_user.language = "pl"
    partner_user.save()
    deal.contacts.create(role="engineer", name="Eng", email="engineer@partner.example")
    with django_capture_on_commit_callbacks(execute=True):
        comments.add_comment(deal=deal, author=reviewer, body="Please attach the RFP.")
    polish = next(m for m in mailoutbox if m.to == [partner_user.email])
    assert "Otwórz projekt" in polish.body and "Klient" in polish.body
    # A contact without an account reads the registering colleague's language.
    contact = next(m for m in mailoutbox if m.to == ["engineer@partner.example"])
    assert "Otwórz projekt" in contact.body


def test_html_in_a_comment_is_escaped_in_the_html_mail(
    deal, partner_user, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comments.add_comment(deal=deal, author=partner_user, body='<script>alert("x")</script>')
    html = html_of(mailoutbox[0])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<script>alert("x")</script>' in mailoutbox[0].body  # plain text stays plain


def test_internal_note_mails_nobody(deal, reviewer, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comments.add_comment(deal=deal, author=reviewer, body="Internal.", internal=True)
    assert mailoutbox == []


def test_no_comment_mail_when_the_transaction_rolls_back(
    deal, partner_user, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        comments.add_comment(deal=deal, author=partner_user, body="RFP attached.")
        raise RuntimeError("something later in the request failed")
    assert callbacks == []
    assert mailoutbox == []
    assert not DealComment.objects.exists()


def _change_form_data(response) -> dict:
    """The POST a browser sends for the deal's change form, from the rendered formsets."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.initial_forms:
            data[f"{form.prefix}-id"] = form.instance.pk
            data[f"{form.prefix}-deal"] = form.instance.deal_id
    return data


def test_reviewer_writes_a_comment_and_a_note_from_the_admin(
    client, reviewer, deal, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    url = reverse("admin:portal_deal_change", args=[deal.pk])
    response = client.get(url)
    assert response.status_code == 200
    data = _change_form_data(response)
    data.update({"comments-0-body": "Please attach the customer's RFP.", "_continue": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    comment = DealComment.objects.get()
    assert (comment.author, comment.is_internal) == (reviewer, False)
    assert [m.to for m in mailoutbox] == [[deal.registered_by.email]]
    data = _change_form_data(client.get(url))
    new = f"comments-{data['comments-INITIAL_FORMS']}"  # after the one already written
    data.update({f"{new}-body": "Note to self.", f"{new}-is_internal": "on", "_continue": "1"})
    client.post(url, data)
    assert DealComment.objects.filter(is_internal=True).count() == 1
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED


def test_html_in_a_comment_is_shown_escaped_in_the_admin(client, reviewer, deal, partner_user):
    comments.add_comment(
        deal=deal, author=partner_user, body='<script>alert("x")</script><b>bold</b>'
    )
    client.force_login(reviewer)
    html = client.get(reverse("admin:portal_deal_change", args=[deal.pk])).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_staff_without_the_permission_cannot_add_comments_in_the_admin(
    client, staff_without_permission, deal
):
    from django.contrib.auth.models import Permission

    staff_without_permission.user_permissions.add(Permission.objects.get(codename="view_deal"))
    client.force_login(staff_without_permission)
    url = reverse("admin:portal_deal_change", args=[deal.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="comments-0-body"' not in response.content.decode()
    response = client.post(url, {"comments-TOTAL_FORMS": "1", "comments-0-body": "Hi"})
    assert response.status_code == 403
    assert not DealComment.objects.exists()
