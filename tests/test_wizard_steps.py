"""Each step of Register a Deal with the test client: what it shows, keeps and moves on to."""

import re

import pytest
from django.urls import reverse

from portal.models import Customer, CustomerContact, Deal
from tests import factories
from tests.wizard_steps import answer_until, answers, future, register, step_url

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def test_every_step_shows_its_number_name_and_progress(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    names = ["Existing opportunity", "Customer", "Customer contact", "Products", "Deal details"]
    for number, (slug, name) in enumerate(
        zip(
            ["opportunity", "customer", "contact", "products", "details", "review"],
            names + ["Review"],
            strict=True,
        ),
        start=1,
    ):
        page = html(client.get(step_url(slug)))
        assert f"Step {number} of 6" in page
        assert f'data-testid="step-name">{name}<' in page
        assert f'<progress class="w-100" value="{number}" max="6"' in page


def test_step_one_explains_that_an_opportunity_is_not_a_registration(client, partner):
    page = html(client.get(step_url("opportunity")))
    assert "Is there already an open opportunity for this project?" in page
    assert "it is not a project registration" in page


def test_answering_no_goes_to_the_customer_and_stores_no_opportunity_id(client, partner, catalogue):
    client.get(step_url("opportunity"))
    response = client.post(
        step_url("opportunity"), {"has_opportunity": "no", "opportunity_id": "OPP-1"}
    )
    assert response["Location"] == step_url("customer")
    response = register(client, catalogue)
    assert Deal.objects.get().opportunity_id == ""


def test_answering_yes_asks_for_the_opportunity_id_and_stores_it_on_the_deal(
    client, partner, catalogue
):
    client.get(step_url("opportunity"))
    response = client.post(step_url("opportunity"), {"has_opportunity": "yes"})
    assert response.status_code == 200
    assert "Enter the Opportunity ID." in html(response)
    register(
        client, catalogue, opportunity={"has_opportunity": "yes", "opportunity_id": "OPP-4711"}
    )
    assert Deal.objects.get().opportunity_id == "OPP-4711"


def test_back_keeps_every_answer(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    data = answers(catalogue)
    page = html(client.get(step_url("opportunity")))
    assert 'value="no"  id="id_has_opportunity_0" required checked' in page
    assert "Chosen customer" in html(client.get(step_url("customer")))
    page = html(client.get(step_url("contact")))
    assert f'value="{catalogue.contact.pk}" checked' in page
    page = html(client.get(step_url("products")))
    p1 = catalogue.products[0]
    assert f'value="{p1.pk}" id="product-{p1.pk}" checked' in page
    assert f'name="quantity_{p1.pk}" value="2"' in page
    page = html(client.get(step_url("details")))
    assert data["details"]["expected_close_date"] in page
    assert "Workshop, then a proof of concept." in page
    assert "Marcin Inżynier" in page


def test_customer_step_lists_search_results_without_javascript(client, partner, catalogue):
    answer_until(client, catalogue, "customer")
    page = html(client.get(step_url("customer"), {"q": "teatr"}))
    assert "Teatr Nowy" in page
    assert f'name="customer" value="{catalogue.customer.pk}"' in page
    assert "Hotel" not in page


def test_picking_a_customer_moves_on_to_its_contacts(client, partner, catalogue):
    answer_until(client, catalogue, "customer")
    response = client.post(
        step_url("customer"), {"mode": "existing", "customer": catalogue.customer.pk}
    )
    assert response["Location"] == step_url("contact")
    page = html(client.get(step_url("contact")))
    assert "Ewa Teatralna" in page and "Teatr Nowy" in page
    assert catalogue.other_contact.email not in page


def test_a_new_customer_is_created_only_on_register_deal(client, partner, catalogue):
    new_customer = {
        "mode": "new",
        "name": "Nowa Firma Sp. z o.o.",
        "tax_id": "PL 111-222-33-49",
        "country": "pl",
        "city": "Opole",
        "postal_code": "45-001",
        "address": "ul. Nowa 1",
        "website": "nowafirma.example.pl",
        "industry": "Retail",
    }
    new_contact = {
        "mode": "new",
        "first_name": "Adam",
        "last_name": "Nowy",
        "email": "adam@nowafirma.example.pl",
        "phone": "+48 600 000 000",
        "job_title": "CIO",
    }
    answer_until(client, catalogue, "review", customer=new_customer, contact=new_contact)
    assert not Customer.objects.filter(tax_id_normalized="1112223349").exists()
    page = html(client.get(step_url("review")))
    assert "Nowa Firma Sp. z o.o." in page and "new customer" in page and "new contact" in page
    client.post(step_url("review"), {"token": client.session["register_deal"]["token"]})
    deal = Deal.objects.get()
    assert deal.customer.name == "Nowa Firma Sp. z o.o."
    assert deal.customer.tax_id_normalized == "1112223349"
    assert deal.customer.country == "PL"
    assert deal.customer.website == "https://nowafirma.example.pl"
    assert deal.customer_contact.email == "adam@nowafirma.example.pl"
    assert deal.customer_contact.customer == deal.customer


def test_a_new_customer_with_a_known_tax_id_is_offered_instead(client, partner, catalogue):
    answer_until(client, catalogue, "customer")
    response = client.post(
        step_url("customer"),
        {"mode": "new", "name": "Teatr", "tax_id": "526 000 12 46", "country": "PL", "city": "X"},
    )
    assert response.status_code == 200
    page = html(response)
    assert "Teatr Nowy is already in the portal with this tax ID" in page
    assert f'name="customer" value="{catalogue.customer.pk}"' in page
    assert 'value="X"' in page  # what was typed stays
    assert Customer.objects.count() == 2


def test_a_new_contact_with_a_known_email_reuses_the_contact(client, partner, catalogue):
    answer_until(client, catalogue, "contact")
    response = client.post(
        step_url("contact"),
        {"mode": "new", "first_name": "E", "last_name": "T", "email": "EWA@teatrnowy.pl"},
        follow=True,
    )
    assert "Ewa Teatralna is already a contact of this customer" in html(response)
    data = answers(catalogue)
    client.post(step_url("products"), data["products"])
    client.post(step_url("details"), data["details"])
    client.post(step_url("review"), {"token": client.session["register_deal"]["token"]})
    assert Deal.objects.get().customer_contact == catalogue.contact
    assert CustomerContact.objects.filter(customer=catalogue.customer).count() == 1


def test_a_new_contact_is_added_to_the_chosen_customer(client, partner, catalogue):
    contact = {
        "mode": "new",
        "first_name": "Piotr",
        "last_name": "Nowak",
        "email": "piotr@teatrnowy.pl",
        "job_title": "IT Manager",
    }
    register(client, catalogue, contact=contact)
    deal = Deal.objects.get()
    assert deal.customer_contact.email == "piotr@teatrnowy.pl"
    assert deal.customer_contact.customer == catalogue.customer
    assert CustomerContact.objects.filter(customer=catalogue.customer).count() == 2


def test_products_can_be_filtered_by_family_and_text_without_javascript(client, partner, catalogue):
    answer_until(client, catalogue, "products")
    switches = catalogue.products[2].family
    response = client.post(
        step_url("products"),
        {
            "action": "filter",
            "family": switches.pk,
            "product": [catalogue.products[0].pk],
            f"quantity_{catalogue.products[0].pk}": "7",
        },
    )
    page = html(response)
    assert "Access Switch 24" in page and "Access Switch 48" in page
    assert "Next-Gen Firewall 400" not in page
    # A ticked product stays in the list, ticked, with its quantity.
    assert "Next-Gen Firewall 100" in page and 'value="7"' in page
    page = html(client.post(step_url("products"), {"action": "filter", "pq": "48"}))
    assert "Access Switch 48" in page and "Access Switch 24" not in page
    assert "Old Firewall" not in html(client.get(step_url("products")))


def test_details_prefill_the_sales_contact_with_the_current_user(client, partner, catalogue):
    answer_until(client, catalogue, "details")
    page = html(client.get(step_url("details")))
    assert partner.email in page and partner.get_full_name() in page
    assert "without it the distributor does not see the project" in page
    assert "worth giving: the engineer" in page
    assert 'type="date"' in page


def test_review_shows_everything_with_an_edit_link_per_step(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    page = html(client.get(step_url("review")))
    for text in [
        "Teatr Nowy",
        "Ewa Teatralna",
        "2 × Next-Gen Firewall 100",
        "10 × Access Switch 24",
        "Marcin Inżynier",
        "Cisco, Fortinet",
        catalogue.distributor.name,
        "150,000.00 PLN",
        "Register Deal",
    ]:
        assert text in page, text
    for slug in ["opportunity", "customer", "contact", "products", "details"]:
        assert f'href="{step_url(slug)}?edit=1"' in page


def test_editing_from_the_review_returns_to_the_review(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    data = answers(catalogue)["details"] | {"next_steps": "Changed plan."}
    response = client.post(step_url("details") + "?edit=1", {**data, "edit": "1"})
    assert response["Location"] == step_url("review")
    assert "Changed plan." in html(client.get(step_url("review")))


def test_changing_the_customer_asks_for_the_contact_again(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    response = client.post(
        step_url("customer"),
        {"mode": "existing", "customer": catalogue.other_customer.pk, "edit": "1"},
    )
    assert response["Location"] == step_url("contact") + "?edit=1"
    assert client.get(step_url("review"))["Location"] == step_url("contact")


def test_register_deal_creates_a_submitted_deal_with_everything(client, partner, catalogue):
    response = register(client, catalogue)
    deal = Deal.objects.get()
    assert response["Location"] == reverse("portal:register_deal_done", args=[deal.pk])
    assert deal.status == Deal.Status.SUBMITTED
    assert deal.partner == partner.partner and deal.registered_by == partner
    assert deal.customer == catalogue.customer and deal.customer_contact == catalogue.contact
    assert [(line.product, line.quantity, line.position) for line in deal.lines.all()] == [
        (catalogue.products[0], 2, 1),
        (catalogue.products[2], 10, 2),
    ]
    contacts = {c.role: c for c in deal.contacts.all()}
    assert contacts["sales"].user == partner
    assert contacts["engineer"].name == "Marcin Inżynier"
    assert set(deal.competitors.all()) == set(catalogue.competitors)
    assert deal.distributor == catalogue.distributor
    assert str(deal.estimated_value) == "150000.00" and deal.currency == "PLN"
    assert deal.expected_close_date.isoformat() == future()
    history = list(deal.history.all())
    assert [(h.from_status, h.to_status, h.by) for h in history] == [
        ("draft", "submitted", partner)
    ]


def test_the_success_page_says_the_deal_waits_for_vendor_approval(client, partner, catalogue):
    response = register(client, catalogue)
    page = html(client.get(response["Location"]))
    assert (
        "waits for the vendor&#x27;s approval" in page or "waits for the vendor's approval" in page
    )
    assert "Submitted" in page and "Teatr Nowy" in page and "Next-Gen Firewall 100" in page


def test_the_wizard_starts_afresh_after_registering(client, partner, catalogue):
    register(client, catalogue)
    response = client.get(reverse("portal:register_deal"))
    assert response["Location"] == step_url("opportunity")
    assert client.get(step_url("customer"))["Location"] == step_url("opportunity")


def test_the_distributor_list_asks_for_a_choice_in_words(client, partner, catalogue):
    answer_until(client, catalogue, "details")
    response = client.get(step_url("details"))
    assert response.status_code == 200
    page = html(response)
    assert '<option value="" selected>Choose the distributor</option>' in page
    assert "---------" not in page


def test_products_read_in_number_order(client, partner, catalogue):
    family = catalogue.products[0].family
    factories.ProductFactory(name="Next-Gen Firewall 1000", sku="NGFW-1000", family=family)
    answer_until(client, catalogue, "products")
    page = html(client.get(step_url("products")))
    firewalls = [page.index(f"Next-Gen Firewall {n}<") for n in (100, 400, 1000)]
    assert firewalls == sorted(firewalls)  # 400 before 1000, not after it


def test_opening_register_a_deal_with_answers_asks_to_continue_or_start_over(
    client, partner, catalogue
):
    answer_until(client, catalogue, "products")
    response = client.get(reverse("portal:register_deal"))
    assert response.status_code == 200
    page = html(response)
    assert "You have a registration in progress" in page
    assert "You have answered 3 steps of 6" in page
    assert f'href="{step_url("products")}" data-testid="continue"' in page
    # Nothing is discarded by looking: the answers are still there.
    assert client.get(step_url("products")).status_code == 200


def test_start_over_asks_first_and_discards_only_when_confirmed(client, partner, catalogue):
    answer_until(client, catalogue, "contact")
    step = html(client.get(step_url("contact")))
    assert 'href="/sales/register-a-deal/?start_over=1"' in step
    question = html(client.get(reverse("portal:register_deal"), {"start_over": "1"}))
    assert "Start over?" in question and "Starting over discards these answers." in question
    response = client.post(reverse("portal:register_deal"))
    assert response["Location"] == step_url("opportunity")
    assert client.get(step_url("customer"))["Location"] == step_url("opportunity")
    assert "is discarded" in html(client.get(step_url("opportunity")))


def test_a_registration_without_answers_opens_at_its_first_step(client, partner, catalogue):
    client.get(reverse("portal:register_deal") + "?restart=1")
    assert client.get(reverse("portal:register_deal"))["Location"] == step_url("opportunity")


def test_the_products_step_says_how_many_of_three_are_chosen(client, partner, catalogue):
    answer_until(client, catalogue, "details")
    page = html(client.get(step_url("products")))
    chosen = len(answers(catalogue)["products"]["product"])
    assert f'data-testid="product-count">{chosen} of 3 products selected</p>' in page


def test_every_step_after_the_first_has_exactly_one_back(client, partner, catalogue):
    from portal.wizard.steps import SLUGS

    answer_until(client, catalogue, "review")
    for number, slug in enumerate(SLUGS, start=1):
        page = html(client.get(step_url(slug)))
        backs = re.findall(r'name="back" value="1"', page)
        assert len(backs) == (0 if number == 1 else 1), slug


def test_back_keeps_what_was_typed_on_the_page_left_without_checking_it(client, partner, catalogue):
    answer_until(client, catalogue, "details")
    half_typed = {"name": "Museum Wi-Fi", "expected_close_date": "31.02.", "back": "1"}
    response = client.post(step_url("details"), half_typed)
    assert response["Location"] == step_url("products")  # no "correct the following"
    page = html(client.get(step_url("details")))
    assert 'value="Museum Wi-Fi"' in page
    assert 'value="31.02."' in page
    assert "Please correct the following" not in page
    # A draft is not an answer: the review still needs the step.
    assert client.get(step_url("review"))["Location"] == step_url("details")


def test_back_keeps_a_new_customer_half_typed(client, partner, catalogue):
    answer_until(client, catalogue, "customer")
    typed = {"mode": "new", "name": "Opera Bałtycka", "city": "Gdańsk", "back": "1"}
    assert client.post(step_url("customer"), typed)["Location"] == step_url("opportunity")
    page = html(client.get(step_url("customer")))
    assert 'value="Opera Bałtycka"' in page
    assert 'value="Gdańsk"' in page
    assert '<details class="card mt-3" open>' in page  # the form it was typed in is open
    assert not Customer.objects.filter(name="Opera Bałtycka").exists()


def test_back_keeps_the_ticked_products_and_their_quantities(client, partner, catalogue):
    answer_until(client, catalogue, "products")
    product = catalogue.products[3]
    ticked = {"product": [product.pk], f"quantity_{product.pk}": "7", "back": "1"}
    client.post(step_url("products"), ticked)
    page = html(client.get(step_url("products")))
    assert f'value="{product.pk}" checked' in page or re.search(
        rf'value="{product.pk}"[^>]*checked', page
    )
    assert 'value="7"' in page


def test_a_draft_gives_way_to_the_answer_once_the_step_is_answered(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    client.post(step_url("details"), {"name": "Draft name", "back": "1"})
    assert 'value="Draft name"' in html(client.get(step_url("details")))
    details = answers(catalogue)["details"]
    assert client.post(step_url("details"), details)["Location"] == step_url("review")
    page = html(client.get(step_url("details")))
    assert 'value="Draft name"' not in page
    assert f'value="{details["name"]}"' in page
    # And a registration never takes a draft's text.
    client.post(step_url("details"), {"name": "Typed after", "back": "1"})
    token = client.get(step_url("review")).context["state"].token
    client.post(step_url("review"), {"token": token})
    assert Deal.objects.get().name == details["name"]


def test_back_with_nothing_typed_leaves_no_draft(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    client.post(step_url("contact"), {"mode": "new", "first_name": " ", "back": "1"})
    page = html(client.get(step_url("contact")))
    assert f'value="{catalogue.contact.pk}" checked' in page  # the answer, not an empty form


def test_start_over_discards_drafts_too(client, partner, catalogue):
    answer_until(client, catalogue, "details")
    client.post(step_url("details"), {"name": "Forgotten", "back": "1"})
    client.post(reverse("portal:register_deal"))
    answer_until(client, catalogue, "details")
    assert "Forgotten" not in html(client.get(step_url("details")))
