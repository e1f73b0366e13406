"""Apply for partner access: the public form, duplicates, and the reviewers' decision."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import Partner, PartnerApplication, User
from tests import factories
from tests.factories import valid_nip


@pytest.fixture
def distributor(db):
    return factories.DistributorFactory(name="Alfa Distribution")


def form_data(chosen, **overrides) -> dict:
    data = {
        "company_name": "Nowa Firma Sp. z o.o.",
        "tax_id": "PL " + valid_nip(1),
        "address": "ul. Długa 5",
        "postal_code": "00-950",
        "city": "Warszawa",
        "country": "pl",
        "contact_first_name": "Ewa",
        "contact_last_name": "Nowak",
        "email": "ewa@nowafirma.example",
        "phone": "+48 600 000 001",
        "distributor": str(chosen.pk),
    }
    data.update(overrides)
    return data


def errors_of(response) -> str:
    return " ".join(str(e) for errors in response.context["form"].errors.values() for e in errors)


def test_anyone_can_open_the_application_form(client, distributor):
    response = client.get(reverse("portal:apply"))
    assert response.status_code == 200
    assert "Alfa Distribution" in response.content.decode()


def test_an_application_is_created_pending_and_the_reviewers_are_told(
    client, distributor, reviewer, partner_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:apply"), form_data(distributor))
    assert response.status_code == 302
    assert response.url == reverse("portal:apply_done")
    application = PartnerApplication.objects.get()
    assert application.status == PartnerApplication.Status.PENDING
    assert application.tax_id_normalized == valid_nip(1)
    assert application.country == "PL"
    assert application.language == "en"
    assert not Partner.objects.filter(name="Nowa Firma Sp. z o.o.").exists()
    assert [m.to for m in mailoutbox] == [[reviewer.email]]
    assert "Nowa Firma Sp. z o.o." in mailoutbox[0].subject
    assert f"/admin/portal/partnerapplication/{application.pk}/change/" in mailoutbox[0].body


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("tax_id", "1234567890", "This is not a valid Polish NIP"),
        ("tax_id", "12#45", "only letters and digits"),
        ("tax_id", "BE0123456749", "This is a BE VAT number but the country is PL"),
        ("email", "ewa@", "Enter an e-mail address such as name@company.com."),
        ("distributor", "", "Choose the distributor you buy from."),
        ("distributor", "999999", "Select a valid choice"),
        ("country", "Poland", "two-letter country code"),
    ],
)
def test_bad_input_gets_a_sentence_and_changes_nothing(client, distributor, field, value, sentence):
    response = client.post(reverse("portal:apply"), form_data(distributor, **{field: value}))
    assert response.status_code == 200
    assert sentence in errors_of(response)
    assert 'value="Nowa Firma Sp. z o.o."' in response.content.decode()  # the rest is kept
    assert not PartnerApplication.objects.exists()


def test_a_foreign_vat_number_is_accepted(client, distributor):
    response = client.post(
        reverse("portal:apply"), form_data(distributor, tax_id="DE 100 000 008", country="de")
    )
    assert response.status_code == 302
    application = PartnerApplication.objects.get()
    assert (application.tax_id, application.country) == ("DE100000008", "DE")


def apply_as_visitor(client, distributor, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:apply"), form_data(distributor, **overrides))
    # Known or not, the visitor reads the same answer.
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:apply_done")
    return response


def test_a_second_application_for_the_same_tax_id_tells_the_first_applicant(
    client, distributor, mailoutbox, django_capture_on_commit_callbacks
):
    first = factories.PartnerApplicationFactory(tax_id=valid_nip(1), email="first@firma.example")
    apply_as_visitor(
        client, distributor, django_capture_on_commit_callbacks, tax_id=f"PL-{valid_nip(1)}"
    )
    assert PartnerApplication.objects.count() == 1
    assert [m.to for m in mailoutbox] == [[first.email]]
    assert "ewa@nowafirma.example" in mailoutbox[0].body  # who asked, for the owner to judge


def test_a_second_application_with_the_same_email_is_not_revealed(
    client, distributor, mailoutbox, django_capture_on_commit_callbacks
):
    factories.PartnerApplicationFactory(email="EWA@nowafirma.example")
    apply_as_visitor(client, distributor, django_capture_on_commit_callbacks)
    assert PartnerApplication.objects.count() == 1
    assert [m.to for m in mailoutbox] == [["EWA@nowafirma.example"]]
    assert "Someone asked for partner access" in mailoutbox[0].subject


def test_an_existing_partner_or_account_is_told_instead_of_the_visitor(
    client, distributor, partner_user, mailoutbox, django_capture_on_commit_callbacks
):
    partner_user.partner.tax_id = f"PL {valid_nip(1)[:3]}-{valid_nip(1)[3:]}"
    partner_user.partner.save()
    apply_as_visitor(
        client, distributor, django_capture_on_commit_callbacks, email="visitor@elsewhere.example"
    )
    assert not PartnerApplication.objects.exists()
    assert [m.to for m in mailoutbox] == [[partner_user.email]]
    assert "visitor@elsewhere.example" not in [m.to[0] for m in mailoutbox]
    mailoutbox.clear()
    apply_as_visitor(
        client, distributor, django_capture_on_commit_callbacks, email=partner_user.email.upper()
    )
    assert {m.to[0] for m in mailoutbox} == {partner_user.email}


def test_a_new_and_a_known_application_read_the_same(
    client, distributor, django_capture_on_commit_callbacks
):
    new = apply_as_visitor(client, distributor, django_capture_on_commit_callbacks)
    again = apply_as_visitor(client, distributor, django_capture_on_commit_callbacks)
    assert new["Location"] == again["Location"]
    assert PartnerApplication.objects.count() == 1


def test_a_rejected_company_may_apply_again(client, distributor):
    factories.PartnerApplicationFactory(
        tax_id=valid_nip(1), email="ewa@nowafirma.example", status="rejected"
    )
    response = client.post(reverse("portal:apply"), form_data(distributor))
    assert response.status_code == 302
    assert PartnerApplication.objects.filter(status="pending").count() == 1


def test_the_application_page_needs_a_csrf_token(distributor):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        reverse("portal:apply"), form_data(distributor)
    )
    assert response.status_code == 403
    assert not PartnerApplication.objects.exists()


# --- the reviewers' decision ----------------------------------------------------------


def approve_url(application) -> str:
    return reverse("admin:portal_partnerapplication_approve", args=[application.pk])


def reject_url(application) -> str:
    return reverse("admin:portal_partnerapplication_reject", args=[application.pk])


def test_the_full_flow_apply_approve_set_password_log_in(
    client, distributor, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    client.post(reverse("portal:apply"), form_data(distributor))
    application = PartnerApplication.objects.get()

    client.force_login(reviewer)
    change = client.get(
        reverse("admin:portal_partnerapplication_change", args=[application.pk])
    ).content.decode()
    assert approve_url(application) in change
    assert "Pending" in change and "Nowa Firma Sp. z o.o." in change
    assert 'name="_save"' not in change  # read-only: decisions only through the buttons
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(approve_url(application))
    assert response.status_code == 302
    client.logout()

    application.refresh_from_db()
    assert application.status == PartnerApplication.Status.APPROVED
    assert application.decided_by == reviewer
    partner = Partner.objects.get(name="Nowa Firma Sp. z o.o.")
    assert application.partner == partner
    user = User.objects.get(email="ewa@nowafirma.example")
    assert (user.partner, user.is_active, user.has_usable_password()) == (partner, False, False)
    assert user.username == "ewa@nowafirma.example"
    assert (user.first_name, user.last_name, user.phone) == ("Ewa", "Nowak", "+48 600 000 001")

    assert [m.to for m in mailoutbox] == [["ewa@nowafirma.example"]]
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/activate/\S+/)", mailoutbox[0].body)[1]
    page = client.get(link, follow=True)
    set_url = page.redirect_chain[-1][0]
    assert "Choose the password of your account." in page.content.decode()
    new = {"new_password1": "Correct-Horse-42", "new_password2": "Correct-Horse-42"}
    assert client.post(set_url, new).status_code == 302
    user.refresh_from_db()
    assert user.is_active

    response = client.post(
        reverse("login"), {"username": "ewa@nowafirma.example", "password": "Correct-Horse-42"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)

    client.logout()
    reused = client.get(link, follow=True).content.decode()
    assert "This link has already been used or has expired." in reused


def test_the_applicant_is_emailed_in_the_language_they_applied_in(
    client, distributor, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    client.post(reverse("set_language"), {"language": "pl", "next": "/apply/"})
    client.post(reverse("portal:apply"), form_data(distributor))
    application = PartnerApplication.objects.get()
    assert application.language == "pl"
    with django_capture_on_commit_callbacks(execute=True):
        from portal import applications

        applications.approve_application(application=application, by=reviewer)
    assert "Dostęp partnera przyznany" in mailoutbox[0].subject
    assert User.objects.get(email="ewa@nowafirma.example").language == "pl"


def test_rejection_needs_a_reason_and_emails_it(
    client, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    application = factories.PartnerApplicationFactory()
    client.force_login(reviewer)
    empty = client.post(reject_url(application), {"reason": "  "})
    assert "Give the reason for the rejection." in empty.content.decode() or (
        "This field is required." in empty.content.decode()
    )
    application.refresh_from_db()
    assert application.status == PartnerApplication.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reject_url(application), {"reason": "We work with system integrators only."})
    application.refresh_from_db()
    assert application.status == PartnerApplication.Status.REJECTED
    assert application.rejection_reason == "We work with system integrators only."
    assert [m.to for m in mailoutbox] == [[application.email]]
    assert "We work with system integrators only." in mailoutbox[0].body
    assert not Partner.objects.filter(name=application.company_name).exists()


def test_a_decided_application_cannot_be_decided_again(
    client, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    application = factories.PartnerApplicationFactory(status="rejected")
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(approve_url(application), follow=True)
    assert "This partner application was already rejected." in response.content.decode()
    assert not Partner.objects.filter(name=application.company_name).exists()
    assert mailoutbox == []


def test_approval_refuses_a_company_name_that_became_a_partner_meanwhile(client, reviewer):
    application = factories.PartnerApplicationFactory()
    factories.PartnerFactory(name=application.company_name)
    client.force_login(reviewer)
    response = client.post(approve_url(application), follow=True)
    assert "already exists" in response.content.decode()
    application.refresh_from_db()
    assert application.status == PartnerApplication.Status.PENDING
    assert not User.objects.filter(email=application.email).exists()


def test_only_reviewers_may_decide(client, staff_without_permission, partner_user):
    application = factories.PartnerApplicationFactory()
    client.force_login(staff_without_permission)
    assert client.post(approve_url(application)).status_code == 403
    assert client.post(reject_url(application), {"reason": "x"}).status_code == 403
    client.force_login(partner_user)
    response = client.post(approve_url(application))
    assert response.status_code == 302 and "/admin/login/" in response.url
    application.refresh_from_db()
    assert application.status == PartnerApplication.Status.PENDING


def test_the_admin_shows_typed_text_escaped(client, reviewer):
    application = factories.PartnerApplicationFactory(company_name="<script>alert(1)</script>")
    client.force_login(reviewer)
    html = client.get(
        reverse("admin:portal_partnerapplication_change", args=[application.pk])
    ).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    listing = client.get(reverse("admin:portal_partnerapplication_changelist")).content.decode()
    assert "<script>alert(1)</script>" not in listing


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visitor_applies_from_the_login_page_in_a_browser(page, live_server):
    from tests.browser import screenshot

    factories.DistributorFactory(name="Alfa Distribution")
    csp_errors = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Apply for partner access").click()
    page.get_by_label("Company name").fill("Nowa Firma Sp. z o.o.")
    page.get_by_label("Tax ID").fill("1234567890")  # wrong check digit first
    page.get_by_label("Address").fill("ul. Długa 5")
    page.get_by_label("Postal code").fill("00-950")
    page.get_by_label("City").fill("Warszawa")
    page.get_by_label("Distributor you buy from").select_option(label="Alfa Distribution")
    page.get_by_label("Contact person: first name").fill("Ewa")
    page.get_by_label("Contact person: last name").fill("Nowak")
    page.get_by_label("Work e-mail").fill("ewa@nowafirma.example")
    page.get_by_label("Phone").fill("+48 600 000 001")
    page.get_by_role("button", name="Send application").click()
    page.get_by_text("This is not a valid Polish NIP").wait_for()
    assert page.get_by_label("Company name").input_value() == "Nowa Firma Sp. z o.o."
    page.get_by_label("Tax ID").fill(valid_nip(1))
    page.get_by_role("button", name="Send application").click()
    page.get_by_test_id("application-received").wait_for()
    screenshot(page, "partner-application-received")
    assert PartnerApplication.objects.get().company_name == "Nowa Firma Sp. z o.o."
    assert csp_errors == []


def test_the_application_page_stays_within_the_query_budget(
    client, distributor, django_assert_max_num_queries
):
    factories.DistributorFactory.create_batch(20)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("portal:apply"))
    assert page.status_code == 200
    assert distributor.name in page.content.decode()
    with django_assert_max_num_queries(8):
        refused = client.post(reverse("portal:apply"), form_data(distributor, tax_id="bad"))
    assert refused.status_code == 200
    assert "is-invalid" in refused.content.decode()
    # Sending it: 9 statements (the rate limit's counter and 8 for the application), not
    # counting the savepoints of the test's own transaction.
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("portal:apply"), form_data(distributor))
    assert response.status_code == 302
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 9, statements


def test_a_reviewer_resends_the_set_password_email_to_an_applicant_who_never_used_it(
    client, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    from portal import applications

    waiting = factories.PartnerApplicationFactory()
    pending = factories.PartnerApplicationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        applications.approve_application(application=waiting, by=reviewer)
    mailoutbox.clear()
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:portal_partnerapplication_changelist"),
            {"action": "resend_set_password_link", "_selected_action": [waiting.pk, pending.pk]},
            follow=True,
        )
    assert "1 set-password e-mail sent" in response.content.decode()
    assert [m.to for m in mailoutbox] == [[waiting.email]]
    assert "/accounts/activate/" in mailoutbox[0].body
