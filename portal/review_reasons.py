"""The vendor's first list of reasons for Action Required and rejections.

Put in place by migration 0022 and again after every migrate (and the test runner's
flush) by a post_migrate receiver: a missing reason is added by its code; one the vendor
edited or retired in the admin is left as it is.
"""

REASONS = [
    ("end_customer_unclear", "End customer unclear", "Niejasny klient końcowy",
     "Give the end customer's full legal name, tax ID and address, and a contact who works there.",
     "Podaj pełną nazwę klienta końcowego, NIP i adres oraz osobę kontaktową, która tam pracuje."),
    ("proof_of_activity", "Proof of pre-sales activity", "Dowód działań przedsprzedażowych",
     "Attach or describe what you have done with the customer: a meeting, a workshop, a demo, "
     "a proposal.",
     "Załącz lub opisz, co zrobiliście z klientem: spotkanie, warsztaty, prezentację, ofertę."),
    ("products_mismatch", "Products do not match the customer's need",
     "Produkty nie odpowiadają potrzebom klienta",
     "Check the products and quantities against the customer's project, or explain why they fit.",
     "Sprawdź produkty i ilości względem projektu klienta albo wyjaśnij, dlaczego pasują."),
    ("missing_distributor_quote", "Missing distributor quote", "Brak oferty dystrybutora",
     "Attach the distributor's quote for this project, or name the distributor who quoted it.",
     "Załącz ofertę dystrybutora dla tego projektu albo wskaż dystrybutora, który ją przygotował."),
    ("duplicate", "Duplicate registration", "Duplikat rejestracji",
     "Another partner registered this customer and product first. If your project is a "
     "different one, register it with the details that show the difference.",
     "Inny partner zarejestrował tego klienta i produkt wcześniej. Jeśli Twój projekt jest inny, "
     "zarejestruj go ze szczegółami, które pokazują różnicę."),
    ("other", "Other", "Inny powód",
     "Read the reviewer's message and answer it.",
     "Przeczytaj wiadomość opiekuna i odpowiedz na nią."),
]  # fmt: skip


def ensure_default_reasons(model) -> None:
    for position, (code, name, name_pl, guidance, guidance_pl) in enumerate(REASONS, 1):
        model.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "name_pl": name_pl, "guidance": guidance,
                "guidance_pl": guidance_pl, "position": position * 10,
            },
        )  # fmt: skip


def sync_default_reasons(sender, apps=None, **kwargs) -> None:
    """post_migrate receiver for the portal app."""
    from django.apps import apps as global_apps

    apps = apps or global_apps
    try:
        model = apps.get_model("portal", "ReviewReason")
    except LookupError:
        return  # migrated back to before the list existed
    ensure_default_reasons(model)
