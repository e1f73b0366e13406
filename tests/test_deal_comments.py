"""The deal page's thread: who reads which comments, who writes, errors, escaping, e-mail."""

import pytest
from django.urls import reverse

from portal import comments
from portal.models import Deal, DealComment

pytestmark = pytest.mark.django_db
S = Deal.Status


@pytest.fixture
def deal(make_deal):
    return make_deal(S.SUBMITTED)


@pytest.fixture
def thread(deal, partner_user, reviewer):
    comments.add_comment(deal=deal, author=partner_user, body="BOM attached.")
    comments.add_comment(deal=deal, author=reviewer, body="Please attach the customer's RFP.")
    comments.add_comment(deal=deal, author=reviewer, body="Rival claims it too.", internal=True)
    return deal


def page(client, user, deal) -> str:
    client.force_login(user)
    response = client.get(reverse("portal:deal_detail", args=[deal.pk]))
    assert response.status_code == 200
    return response.content.decode()


def timeline(html: str) -> str:
    start = html.index('data-testid="history"')
    return html[start : html.index("</ol>", start)]


def post(client, user, deal, body, **extra):
    client.force_login(user)
    return client.post(reverse("portal:deal_comment", args=[deal.pk]), {"body": body, **extra})


@pytest.mark.parametrize("actor", ["partner_user", "distributor_user"])
def test_partner_and_distributor_read_the_thread_but_not_internal_notes(
    client, request, thread, actor
):
    html = timeline(page(client, request.getfixturevalue(actor), thread))
    assert "BOM attached." in html
    assert "Please attach the customer&#x27;s RFP." in html
    assert "Rival claims it too." not in html
    assert "Internal note" not in html


@pytest.mark.parametrize("actor", ["reviewer", "superuser"])
def test_reviewers_read_internal_notes_marked_as_such(client, request, thread, actor):
    html = timeline(page(client, request.getfixturevalue(actor), thread))
    assert "Rival claims it too." in html
    assert html.count("timeline-internal") == 1
    assert "Internal note" in html


def test_comments_and_status_changes_share_one_timeline_in_time_order(client, partner_user, thread):
    html = timeline(page(client, partner_user, thread))
    assert html.index('data-status="submitted"') < html.index("BOM attached.")
    assert html.index("BOM attached.") < html.index("RFP")


def test_a_comment_with_html_is_shown_as_text(client, partner_user, deal):
    post(client, partner_user, deal, '<b>bold</b> <script>alert("x")</script>')
    html = page(client, partner_user, deal)
    assert "&lt;b&gt;bold&lt;/b&gt; &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html
    assert '<script>alert("x")' not in html


@pytest.mark.parametrize("actor", ["partner_user", "reviewer"])
def test_the_form_shows_for_those_who_may_write(client, request, deal, actor):
    assert 'data-testid="comment-form"' in page(client, request.getfixturevalue(actor), deal)


def test_distributor_reads_without_a_form_and_may_not_post(client, distributor_user, deal):
    assert 'data-testid="comment-form"' not in page(client, distributor_user, deal)
    assert post(client, distributor_user, deal, "Hello").status_code == 403
    assert not DealComment.objects.exists()


@pytest.mark.parametrize(
    "actor", ["other_partner_user", "other_distributor_user", "staff_without_permission"]
)
def test_outsiders_get_404_and_write_nothing(client, request, deal, actor):
    assert post(client, request.getfixturevalue(actor), deal, "Hello").status_code == 404
    assert not DealComment.objects.exists()


def test_partner_comment_returns_to_its_place_on_the_page(
    client, partner_user, deal, mailoutbox, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, partner_user, deal, "  please attach the customer's RFP  ")
    comment = DealComment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("portal:deal_detail", args=[deal.pk]) + f"#comment-{comment.pk}"
    )
    assert (comment.body, comment.author, comment.is_internal) == (
        "please attach the customer's RFP",
        partner_user,
        False,
    )
    # The other side hears of it.
    assert [m.to for m in mailoutbox] == [[reviewer.email]]
    assert f'id="comment-{comment.pk}"' in page(client, partner_user, deal)


def test_a_partner_cannot_slip_in_an_internal_note(client, partner_user, deal):
    post(client, partner_user, deal, "Psst", internal="on")
    assert DealComment.objects.get().is_internal is False


def test_a_reviewer_writes_an_internal_note_from_the_page(
    client, reviewer, partner_user, deal, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, reviewer, deal, "Check the rival first.", internal="on")
    assert DealComment.objects.get().is_internal is True
    assert mailoutbox == []
    assert "Check the rival first." not in page(client, partner_user, deal)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write a comment first."),
        ("   \n ", "Write a comment first."),
        ("x" * 4001, "Keep a comment under 4000 characters."),
    ],
)
def test_an_empty_or_overlong_comment_shows_the_page_again_with_the_error_and_the_text(
    client, partner_user, deal, body, error
):
    response = post(client, partner_user, deal, body)
    html = response.content.decode()
    assert response.status_code == 400
    assert error in html
    form = html[html.index('data-testid="comment-form"') :]
    assert "is-invalid" in form
    if body.strip():
        assert body in form
    assert deal.customer.name in html  # the whole deal page, not a bare form
    assert not DealComment.objects.exists()


def test_a_tampered_comment_post_never_gives_a_500(client, partner_user, deal):
    client.force_login(partner_user)
    url = reverse("portal:deal_comment", args=[deal.pk])
    for data in [{}, {"body": ["a", "b"]}, {"body": "ok\x00"}, {"internal": "yes"}]:
        assert client.post(url, data).status_code in (302, 400)
