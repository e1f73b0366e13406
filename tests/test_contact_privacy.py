"""Contacts are shared, their details are not: a partner reads the e-mail and phone only of
customer contacts its own organisation entered; others show name and job title only, and
picking one reveals nothing later."""

import pytest
from django.urls import reverse

from portal.models import Deal
from tests import factories
from tests.wizard_steps import answer_until, answers, step_url

pytestmark = pytest.mark.django_db
S = Deal.Status


@pytest.fixture
def their_contact(other_partner_user, catalogue):
    """A contact at the catalogue's customer that partner B entered with its deal."""
    contact = factories.CustomerContactFactory(
        customer=catalogue.customer,
        first_name="Olga",
        last_name="Poufna",
        email="olga.poufna@teatrnowy.pl",
        phone="+48 600 111 222",
        job_title="CIO",
    )
    factories.DealFactory(
        partner=other_partner_user.partner,
        registered_by=other_partner_user,
        customer=catalogue.customer,
        customer_contact=contact,
    )
    return contact


def test_another_partners_contact_shows_name_and_job_title_only(
    client, partner_user, catalogue, their_contact
):
    catalogue.contact.known_to.add(partner_user.partner)  # one partner A entered itself
    client.force_login(partner_user)
    answer_until(client, catalogue, "contact")
    html = client.get(step_url("contact")).content.decode()
    assert "Olga Poufna" in html and "CIO" in html
    assert "olga.poufna@teatrnowy.pl" not in html and "600 111 222" not in html
    # The contact partner A entered itself shows in full.
    assert catalogue.contact.email in html


def test_picking_it_reveals_nothing_on_the_review_or_the_deal_page(
    client, partner_user, catalogue, their_contact
):
    client.force_login(partner_user)
    answer_until(
        client, catalogue, "review", contact={"mode": "existing", "contact": their_contact.pk}
    )
    review = client.get(step_url("review")).content.decode()
    assert "Olga Poufna" in review and "olga.poufna" not in review
    token = client.get(step_url("review")).context["state"].token
    done = client.post(step_url("review"), {"token": token})
    deal = Deal.objects.get(pk=int(done["Location"].rstrip("/").split("/")[-1]))
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert "Olga Poufna" in page
    assert "olga.poufna" not in page and "600 111 222" not in page
    assert 'data-testid="contact-details-hidden"' in page


@pytest.mark.parametrize("who", ["other_partner_user", "reviewer"])
def test_the_partner_that_entered_it_and_reviewers_read_the_details(
    client, request, other_partner_user, their_contact, who
):
    deal = Deal.objects.get(customer_contact=their_contact)
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert "olga.poufna@teatrnowy.pl" in page


def test_a_new_contact_typed_in_is_known_to_the_partner_that_typed_it(
    client, partner_user, catalogue
):
    client.force_login(partner_user)
    new = {"mode": "new", "first_name": "Ala", "last_name": "Nowa", "email": "ala@teatrnowy.pl"}
    answer_until(client, catalogue, "review", contact=new)
    token = client.get(step_url("review")).context["state"].token
    client.post(step_url("review"), {"token": token})
    contact = catalogue.customer.contacts.get(email="ala@teatrnowy.pl")
    assert list(contact.known_to.all()) == [partner_user.partner]
    assert answers(catalogue)  # the helper still describes the default answers
