"""Bad and tampered input at each step: a sentence next to the field, never a 500."""

import datetime

import pytest
from django.utils import timezone

from portal.models import Deal
from tests.wizard_steps import answer_until, answers, register, step_url

pytestmark = pytest.mark.django_db

TOO_MANY = "A registration covers at most 3 products. Register another deal for the rest."


def post_details(client, catalogue, **changes):
    answer_until(client, catalogue, "details")
    return client.post(step_url("details"), answers(catalogue)["details"] | changes)


def field_error(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


def test_a_fourth_product_is_refused_with_the_seed_sentence(client, partner, catalogue):
    answer_until(client, catalogue, "products")
    data = {"product": [p.pk for p in catalogue.products]}
    data |= {f"quantity_{p.pk}": "1" for p in catalogue.products}
    response = client.post(step_url("products"), data)
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    # The ticks and quantities the partner gave stay on the page.
    for product in catalogue.products:
        assert f'value="{product.pk}" id="product-{product.pk}" checked' in (
            response.content.decode()
        )
    assert client.get(step_url("details"))["Location"] == step_url("products")


def test_no_product_is_refused(client, partner, catalogue):
    answer_until(client, catalogue, "products")
    response = client.post(step_url("products"), {})
    assert "Choose at least one product." in response.content.decode()


@pytest.mark.parametrize("bad", ["retired", "unknown", "text"])
def test_an_inactive_unknown_or_garbled_product_is_refused(client, partner, catalogue, bad):
    answer_until(client, catalogue, "products")
    value = {"retired": catalogue.retired.pk, "unknown": 999999, "text": "abc"}[bad]
    response = client.post(step_url("products"), {"product": [value], f"quantity_{value}": "1"})
    assert response.status_code == 200
    assert "Choose products from the list" in response.content.decode()


@pytest.mark.parametrize("quantity", ["0", "-3", "many", "", "1000001"])
def test_a_bad_quantity_is_refused(client, partner, catalogue, quantity):
    answer_until(client, catalogue, "products")
    product = catalogue.products[0]
    response = client.post(
        step_url("products"), {"product": [product.pk], f"quantity_{product.pk}": quantity}
    )
    assert "Give a quantity between 1 and 1,000,000 for Next-Gen Firewall 100." in (
        response.content.decode()
    )


def test_the_same_product_twice_counts_once(client, partner, catalogue):
    p = catalogue.products[0]
    register(client, catalogue, products={"product": [p.pk, p.pk], f"quantity_{p.pk}": "3"})
    assert Deal.objects.get().lines.count() == 1


def test_a_contact_of_another_customer_is_refused(client, partner, catalogue):
    answer_until(client, catalogue, "contact")
    response = client.post(
        step_url("contact"), {"mode": "existing", "contact": catalogue.other_contact.pk}
    )
    assert response.status_code == 200
    assert "Choose one of this customer&#x27;s contacts." in response.content.decode()


def test_an_unknown_customer_is_refused(client, partner, catalogue):
    answer_until(client, catalogue, "customer")
    response = client.post(step_url("customer"), {"mode": "existing", "customer": "999999"})
    assert "This customer is not in the portal; search again." in response.content.decode()


def test_a_new_customer_needs_its_fields_and_keeps_what_was_typed(client, partner, catalogue):
    answer_until(client, catalogue, "customer")
    response = client.post(
        step_url("customer"),
        {"mode": "new", "name": "Firma", "tax_id": "--", "country": "P1", "website": "x y"},
    )
    errors = response.context["new_form"].errors
    assert errors["tax_id"] == ["Enter the company's tax ID."]
    assert errors["country"] == ["Enter the two-letter country code, e.g. PL."]
    assert errors["city"] and errors["website"]
    assert 'value="Firma"' in response.content.decode()


def test_a_past_or_todays_close_date_is_refused(client, partner, catalogue):
    for day in [timezone.localdate(), timezone.localdate() - datetime.timedelta(days=1)]:
        response = post_details(client, catalogue, expected_close_date=day.isoformat())
        assert field_error(response, "expected_close_date") == [
            "The expected close date must be in the future."
        ]
        assert "Workshop, then a proof of concept." in response.content.decode()


def test_a_garbled_date_is_refused(client, partner, catalogue):
    response = post_details(client, catalogue, expected_close_date="next week")
    assert field_error(response, "expected_close_date") == ["Enter the date as YYYY-MM-DD."]


def test_a_missing_distributor_is_refused_with_the_reason(client, partner, catalogue):
    response = post_details(client, catalogue, distributor="")
    assert field_error(response, "distributor") == [
        "Choose the distributor: without it the distributor does not see the project."
    ]


def test_a_distributor_that_does_not_exist_is_refused(client, partner, catalogue):
    response = post_details(client, catalogue, distributor="999999")
    assert field_error(response, "distributor") == ["Choose a distributor from the list."]


@pytest.mark.parametrize("value", ["999999", "abc"])
def test_a_competitor_that_does_not_exist_is_refused(client, partner, catalogue, value):
    response = post_details(client, catalogue, competitors=[catalogue.competitors[0].pk, value])
    assert field_error(response, "competitors") == ["Choose competitors from the list."]


def test_next_steps_are_required(client, partner, catalogue):
    response = post_details(client, catalogue, next_steps="  ")
    assert field_error(response, "next_steps") == ["Describe the next steps with the customer."]


def test_an_engineer_without_email_and_a_value_without_currency_are_refused(
    client, partner, catalogue
):
    response = post_details(client, catalogue, engineer_email="", currency="")
    assert field_error(response, "engineer_email") == ["Give the engineer's e-mail too."]
    assert field_error(response, "currency") == ["Choose the currency of the estimated value."]


@pytest.mark.parametrize(
    ("step", "field", "limit"),
    [
        ("details", "next_steps", 2000),
        ("details", "sales_name", 200),
        ("opportunity", "opportunity_id", 64),
    ],
)
def test_over_long_input_is_a_field_error(client, partner, catalogue, step, field, limit):
    answer_until(client, catalogue, step)
    data = answers(catalogue)[step] | {field: "x" * (limit + 1), "has_opportunity": "yes"}
    response = client.post(step_url(step), data)
    assert response.status_code == 200
    assert (
        f"Ensure this value has at most {limit} characters"
        in (response.context["form"].errors[field][0])
    )


def test_over_long_new_customer_and_contact_fields_are_field_errors(client, partner, catalogue):
    answer_until(client, catalogue, "customer")
    response = client.post(
        step_url("customer"),
        {"mode": "new", "name": "N" * 201, "tax_id": "1" * 40, "country": "PL", "city": "C"},
    )
    errors = response.context["new_form"].errors
    assert "at most 200 characters" in errors["name"][0]
    assert "at most 32 characters" in errors["tax_id"][0]
    client.post(step_url("customer"), {"mode": "existing", "customer": catalogue.customer.pk})
    response = client.post(
        step_url("contact"),
        {"mode": "new", "first_name": "A" * 101, "last_name": "B", "email": "a@b.pl"},
    )
    assert "at most 100 characters" in response.context["new_form"].errors["first_name"][0]


def test_a_skipped_step_is_refused(client, partner, catalogue):
    answer_until(client, catalogue, "customer")
    response = client.post(step_url("details"), answers(catalogue)["details"])
    assert response["Location"] == step_url("customer")
    response = client.post(step_url("review"), {"token": client.session["register_deal"]["token"]})
    assert response["Location"] == step_url("customer")
    assert not Deal.objects.exists()


def test_html_and_script_are_stored_as_typed_and_shown_escaped(client, partner, catalogue):
    script = '<script>alert("x")</script><b>bold</b>'
    answer_until(
        client,
        catalogue,
        "review",
        details=answers(catalogue)["details"] | {"next_steps": script, "engineer_name": script},
        contact={"mode": "new", "first_name": script, "last_name": "L", "email": "s@x.pl"},
    )
    page = client.get(step_url("review")).content.decode()
    assert script not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page
    response = client.post(step_url("review"), {"token": client.session["register_deal"]["token"]})
    deal = Deal.objects.get()
    assert deal.next_steps == script
    assert deal.customer_contact.first_name == script
    assert deal.contacts.get(role="engineer").name == script
    assert script not in client.get(response["Location"]).content.decode()


def test_a_tampered_or_stale_token_registers_nothing(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    for token in ["not-a-uuid", "2f1e3c2a-1111-4111-8111-111111111111", ""]:
        response = client.post(step_url("review"), {"token": token}, follow=True)
        assert response.status_code == 200
        assert "This page was out of date" in response.content.decode()
    assert not Deal.objects.exists()


def test_a_product_retired_before_register_deal_sends_the_partner_back(client, partner, catalogue):
    answer_until(client, catalogue, "review")
    token = client.session["register_deal"]["token"]
    catalogue.products[0].is_active = False
    catalogue.products[0].save()
    response = client.post(step_url("review"), {"token": token})
    assert response["Location"] == step_url("products") + "?edit=1"
    assert not Deal.objects.exists()


def test_a_get_of_the_register_post_url_with_other_methods_is_refused(client, partner):
    assert client.put(step_url("review")).status_code == 405
