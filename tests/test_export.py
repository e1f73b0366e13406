"""Export CSV: the current filtered list, every page, streamed, readable by a spreadsheet."""

import csv
import io

import pytest
from django.urls import reverse

from portal.models import Deal
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("portal:deal_export")


def export(client, user, **params) -> tuple:
    client.force_login(user)
    response = client.get(URL, params)
    body = b"".join(response.streaming_content)
    return response, body


def table(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def polish_deal(make_deal, status=Deal.Status.APPROVED, **kwargs) -> Deal:
    customer = factories.CustomerFactory(name="Spółdzielnia Mleczarska Żółć", tax_id="PL5550001122")
    contact = factories.CustomerContactFactory(customer=customer)
    product = factories.ProductFactory(name="Zapora sieciowa", sku="ZS-1")
    other = factories.ProductFactory(name="Przełącznik", sku="PR-2")
    deal = make_deal(
        status, customer=customer, customer_contact=contact, lines=[product, other], **kwargs
    )
    deal.lines.filter(product=other).update(quantity=12)
    return deal


def test_the_export_is_a_utf8_csv_attachment_excel_reads_with_polish_letters(
    client, partner_user, make_deal
):
    deal = polish_deal(make_deal)
    response, body = export(client, partner_user)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="opportunity-manager-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM
    [row] = table(body)
    assert row["Customer"] == "Spółdzielnia Mleczarska Żółć"
    assert row["Deal Reg Number"] == deal.deal_reg_number
    assert row["Status"] == "Approved"
    assert row["Customer tax ID"] == "PL5550001122"
    assert row["Valid until"] == deal.validity_end.isoformat()
    # All products of a deal share one cell.
    assert row["Products"] == "Zapora sieciowa (ZS-1) × 1; Przełącznik (PR-2) × 12"


def test_the_number_is_exported_exactly_for_approved_deals(client, partner_user, make_deal):
    for status in Deal.Status.values:
        make_deal(status)
    _, body = export(client, partner_user)
    numbers = {row["Status"]: row["Deal Reg Number"] for row in table(body)}
    for value, label in Deal.Status.choices:
        assert bool(numbers[str(label)]) == (value in Deal.NUMBERED_STATUSES), value


def test_the_export_holds_every_page_of_the_filtered_list(client, partner_user, make_deal):
    wanted = {make_deal(Deal.Status.SUBMITTED).pk for _ in range(30)}
    make_deal(Deal.Status.REJECTED)
    _, body = export(client, partner_user, status="submitted", page=2)
    rows = table(body)
    assert len(rows) == len(wanted) == 30
    assert {row["Status"] for row in rows} == {"Submitted"}


def test_the_export_follows_search_family_and_sorting(client, partner_user, make_deal):
    family = factories.ProductFamilyFactory(name="Endpoint Security")
    for name in ["Beta Bank", "Alfa Bank", "Gamma Huta"]:
        customer = factories.CustomerFactory(name=name)
        make_deal(
            customer=customer,
            customer_contact=factories.CustomerContactFactory(customer=customer),
            lines=[factories.ProductFactory(family=family)],
        )
    make_deal()  # another family
    _, body = export(client, partner_user, q="bank", family=family.pk, o="-customer")
    assert [row["Customer"] for row in table(body)] == ["Beta Bank", "Alfa Bank"]


def test_a_partners_export_holds_only_its_own_deals_and_no_partner_column(
    client, partner_user, make_deal, make_other_deal
):
    own = make_deal()
    foreign = make_other_deal(Deal.Status.APPROVED)
    _, body = export(client, partner_user)
    rows = table(body)
    assert [row["Customer"] for row in rows] == [own.customer.name]
    assert "Partner" not in rows[0]
    assert foreign.customer.name.encode() not in body
    assert foreign.deal_reg_number.encode() not in body


def test_a_distributors_export_names_the_partner(client, distributor_user, make_deal):
    deal = make_deal(Deal.Status.SUBMITTED)
    make_deal(Deal.Status.DRAFT)
    _, body = export(client, distributor_user)
    [row] = table(body)
    assert row["Partner"] == deal.partner.name


def test_text_that_looks_like_a_formula_is_exported_as_text(client, partner_user, make_deal):
    customer = factories.CustomerFactory(name='=HYPERLINK("http://evil.example","Click")')
    make_deal(
        customer=customer, customer_contact=factories.CustomerContactFactory(customer=customer)
    )
    _, body = export(client, partner_user)
    [row] = table(body)
    assert row["Customer"] == '\'=HYPERLINK("http://evil.example","Click")'


def test_only_users_who_may_see_deals_may_export(client, staff_without_permission):
    client.force_login(staff_without_permission)
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize("number_of_deals", [5, 100])
def test_the_export_runs_a_bounded_number_of_queries(
    client, distributor_user, make_deal, django_assert_max_num_queries, number_of_deals
):
    products = [factories.ProductFactory() for _ in range(3)]
    for _ in range(number_of_deals):
        make_deal(Deal.Status.APPROVED, lines=products)
    client.force_login(distributor_user)
    with django_assert_max_num_queries(6):
        response = client.get(URL)
        rows = table(b"".join(response.streaming_content))
    assert response.status_code == 200
    assert len(rows) == number_of_deals
    assert all(row["Status"] == "Approved" for row in rows)


def test_polish_users_get_the_csv_polish_excel_splits_into_columns(client, partner_user, make_deal):
    deal = polish_deal(make_deal)
    partner_user.language = "pl"
    partner_user.save()
    response, body = export(client, partner_user)
    assert response.status_code == 200
    text = body.decode("utf-8-sig")
    header, line = text.splitlines()
    assert header.startswith("Deal Reg Number;Nazwa projektu;Status;Klient;NIP klienta;")
    [row] = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert row["Klient"] == "Spółdzielnia Mleczarska Żółć"
    assert row["Deal Reg Number"] == deal.deal_reg_number
    deal.refresh_from_db()
    discount = row["Rabat za rejestrację projektu (%)"]
    assert discount == f"{deal.discount_percent}".replace(".", ",")  # a Polish decimal comma
    assert "," in discount and deal.deal_reg_number in line
    assert row["Produkty"] == "Zapora sieciowa (ZS-1) × 1; Przełącznik (PR-2) × 12"


def sheet(body: bytes) -> list[list]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_excel_export_has_typed_cells_a_spreadsheet_can_sort_and_sum(
    client, partner_user, make_deal
):
    deal = polish_deal(make_deal, estimated_value="240000.50", currency="PLN")
    response, body = export(client, partner_user, format="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    header, row = sheet(body)
    cells = dict(zip(header, row, strict=True))
    assert cells["Customer"] == "Spółdzielnia Mleczarska Żółć"
    assert cells["Deal Reg Number"] == deal.deal_reg_number
    assert cells["Estimated deal value"] == 240000.5  # a number, not text
    assert cells["Currency"] == "PLN"
    assert cells["Valid until"].date() == deal.validity_end  # a date cell
    assert cells["Expected close date"].date() == deal.expected_close_date
    assert cells["Products"] == "Zapora sieciowa (ZS-1) × 1; Przełącznik (PR-2) × 12"


def test_the_excel_export_keeps_formula_looking_text_as_text(client, partner_user, make_deal):
    import openpyxl

    customer = factories.CustomerFactory(name='=HYPERLINK("http://evil.example","x")')
    contact = factories.CustomerContactFactory(customer=customer)
    make_deal(customer=customer, customer_contact=contact)
    _response, body = export(client, partner_user, format="xlsx")
    book = openpyxl.load_workbook(io.BytesIO(body))
    header = [cell.value for cell in book.active[1]]
    cell = book.active.cell(row=2, column=header.index("Customer") + 1)
    assert cell.data_type == "s"  # a string cell: Excel shows it, never runs it
    assert cell.value == '=HYPERLINK("http://evil.example","x")'


def test_polish_users_get_polish_dates_in_the_excel_export(client, partner_user, make_deal):
    import openpyxl

    make_deal(Deal.Status.APPROVED)
    client.force_login(partner_user)
    client.post(reverse("set_language"), {"language": "pl"})
    response = client.get(URL, {"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header = [cell.value for cell in book.active[1]]
    assert "Klient" in header
    close = book.active.cell(row=2, column=header.index("Przewidywana data zamknięcia") + 1)
    assert close.number_format == "dd.mm.yyyy"


def test_the_export_names_the_customer_contact_with_the_details_the_user_may_read(
    client, partner_user, distributor_user, other_partner_user, make_deal
):
    customer = factories.CustomerFactory(name="Teatr Nowy")
    ours = factories.CustomerContactFactory(
        customer=customer, first_name="Ewa", last_name="Teatralna", email="ewa@teatr.example",
        phone="+48 600 100 200",
    )  # fmt: skip
    ours.known_to.add(partner_user.partner)
    theirs = factories.CustomerContactFactory(
        customer=customer, first_name="Piotr", last_name="Obcy", email="piotr@teatr.example"
    )
    theirs.known_to.add(other_partner_user.partner)  # another partner typed this one in
    make_deal(customer=customer, customer_contact=ours, name="Ours")
    make_deal(customer=customer, customer_contact=theirs, name="Shared contact")
    theirs.known_to.remove(partner_user.partner)  # picked in the wizard, not typed in

    _response, body = export(client, partner_user, ordering="customer")
    rows = {row["Project name"]: row for row in table(body)}
    assert rows["Ours"]["Customer contact"] == "Ewa Teatralna"
    assert rows["Ours"]["Contact's e-mail"] == "ewa@teatr.example"
    # A leading "+" would make a spreadsheet compute the phone: the CSV guards it (the
    # XLSX needs no guard, its cells are typed as text).
    assert rows["Ours"]["Contact's phone"] == "'+48 600 100 200"
    assert rows["Shared contact"]["Customer contact"] == "Piotr Obcy"
    assert rows["Shared contact"]["Contact's e-mail"] == ""  # as on the deal page
    assert rows["Shared contact"]["Contact's phone"] == ""

    _response, body = export(client, distributor_user, format="xlsx")
    header, *data = sheet(body)
    emails = {row[header.index("Contact's e-mail")] for row in data}
    assert emails == {"ewa@teatr.example", "piotr@teatr.example"}
    assert "+48 600 100 200" in {row[header.index("Contact's phone")] for row in data}
