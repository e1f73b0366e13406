"""Demo data and demo logins for a debug database: `python manage.py seed_demo`.

Idempotent: a second run finds what the first made and adds nothing.
"""

import datetime
import random

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal import (
    action_required,
    applications,
    comments,
    decision_rules,
    extensions,
    notifications,
    tax_ids,
    workflow,
)
from portal.dealregcheck import create_api_token
from portal.management.commands._demo_programme import seed_programme, spread_over_weeks
from portal.models import (
    Competitor,
    Customer,
    CustomerContact,
    Deal,
    DealContact,
    DealLine,
    Distributor,
    DistributorApiToken,
    Partner,
    PartnerApplication,
    Product,
    ProductFamily,
    ReviewReason,
    User,
)
from portal.roles import REVIEWERS_GROUP

PASSWORD = "demo"
API_TOKEN_NAME = "Demo ordering system"

PARTNERS = [
    ("Integra Systemy Sp. z o.o.", "PL5213456784", "Warszawa"),
    ("Bałtyckie Sieci S.A.", "PL5839876547", "Gdańsk"),
]
DISTRIBUTORS = ["Alfa Distribution Sp. z o.o.", "Omega Dystrybucja S.A."]
CATALOGUE = {
    "Firewalls": [
        ("NGFW-100", "Next-Gen Firewall 100"),
        ("NGFW-400", "Next-Gen Firewall 400"),
        ("NGFW-1000", "Next-Gen Firewall 1000"),
        ("NGFW-VM", "Virtual Firewall"),
    ],
    "Switching & Wireless": [
        ("SW-24P", "Access Switch 24 PoE"),
        ("SW-48P", "Access Switch 48 PoE"),
        ("SW-CORE-8", "Core Switch 8-slot"),
        ("AP-6E", "Wi-Fi 6E Access Point"),
    ],
    "Endpoint Security": [
        ("EDR-STD", "Endpoint Protection Standard"),
        ("EDR-ADV", "Endpoint Protection Advanced"),
        ("MDR-SVC", "Managed Detection & Response"),
        ("MAIL-SEC", "E-mail Security Gateway"),
    ],
}
RETIRED = ("NGFW-50", "Next-Gen Firewall 50 (end of sale)", "Firewalls")
COMPETITORS = ["Check Point", "Cisco", "Fortinet", "Palo Alto Networks", "Sophos"]
# What partners call their projects (also the names of `seed_scale`'s deals).
PROJECT_NAMES = [
    "Head office firewall refresh",
    "Branch network rollout",
    "Data centre segmentation",
    "Remote access for staff",
    "Wi-Fi for the new warehouse",
    "SD-WAN for the branches",
    "Endpoint protection renewal",
    "Security monitoring service",
]
CUSTOMERS = [
    ("Miejskie Przedsiębiorstwo Wodociągów", "Łódź", "Retail & utilities"),
    ("Szpital Wojewódzki im. św. Łukasza", "Tarnów", "Healthcare"),
    ("Politechnika Morska", "Szczecin", "Education"),
    ("Żabka Logistics Sp. z o.o.", "Poznań", "Logistics"),
    ("Bank Spółdzielczy w Krośnie", "Krosno", "Finance"),
    ("Fabryka Mebli Świerk", "Białystok", "Manufacturing"),
    ("Urząd Gminy Zielonki", "Zielonki", "Public sector"),
    ("Agro-Pol Spółdzielnia", "Lublin", "Agriculture"),
    ("Teatr Nowy", "Kraków", "Culture"),
    ("Hotel Pod Różą", "Kraków", "Hospitality"),
    ("Elektrownia Wiatrowa Bałtyk", "Słupsk", "Energy"),
    ("Kancelaria Nowak i Wspólnicy", "Wrocław", "Legal"),
    ("Mleczarnia Łąkowa", "Olsztyn", "Food"),
    ("Centrum Medyczne Zdrowie", "Katowice", "Healthcare"),
    ("Port Lotniczy Rzeszów", "Rzeszów", "Transport"),
    ("Drukarnia Gutenberg", "Bydgoszcz", "Printing"),
    ("Huta Stali Częstochowa", "Częstochowa", "Steel"),
    ("Liceum Ogólnokształcące nr 1", "Opole", "Education"),
    ("Sieć Aptek Zdrówko", "Kielce", "Retail"),
    ("Software House Kod", "Gliwice", "IT"),
]
FIRST_NAMES = ["Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Łukasz", "Agnieszka", "Paweł"]
LAST_NAMES = ["Kowalska", "Nowak", "Wiśniewska", "Wójcik", "Zielińska", "Kamiński", "Lewandowski"]

# For each partner: the status each demo deal ends in.
S = Deal.Status
DEAL_PLAN = [S.SUBMITTED, S.SUBMITTED, S.ACTION_REQUIRED, *[S.APPROVED] * 3]
DEAL_PLAN += [S.REJECTED, S.WITHDRAWN, S.EXPIRED, S.WON, S.LOST]


class Command(BaseCommand):
    help = "Create demo organisations, catalogue, customers, deals and logins (password 'demo')."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates logins with the password 'demo', so it runs only with DEBUG on."
            )
        # The demo's submissions and approvals would e-mail its fake people: dozens of
        # messages on the console. Muted around the transaction, whose commit queues them.
        with notifications.muted(), transaction.atomic():
            created = self.seed()
            api_token = self.showcase()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data is ready." if created else "Demo data was already there; nothing added."
            )
        )
        self.stdout.write("Demo logins (password: demo; under DEBUG no second factor is required):")
        for username, role in [
            ("partner", f"partner staff of {PARTNERS[0][0]}"),
            ("partner2", f"partner staff of {PARTNERS[1][0]}"),
            ("distributor", f"distributor staff of {DISTRIBUTORS[0]}"),
            ("distributor2", f"distributor staff of {DISTRIBUTORS[1]}"),
            ("reviewer", "vendor reviewer (admin, Vendor reviewers group)"),
            ("admin", "superuser"),
        ]:
            self.stdout.write(f"  {username:<13} {role}")
        if api_token:
            self.stdout.write(
                f"Demo API token of {DISTRIBUTORS[0]} for {reverse('portal:api_deal_reg_check')}"
                f" (shown only now): {api_token}"
            )

    def seed(self) -> bool:
        rng = random.Random(2026)  # the same demo on every machine
        partners = [
            Partner.objects.get_or_create(name=n, defaults={"tax_id": t, "city": c})[0]
            for n, t, c in PARTNERS
        ]
        distributors = [Distributor.objects.get_or_create(name=n)[0] for n in DISTRIBUTORS]
        users = {
            "partner": self.user("partner", "Anna", "Kowalska", partner=partners[0]),
            "partner2": self.user("partner2", "Jan", "Wiśniewski", partner=partners[1]),
            "distributor": self.user("distributor", "Ewa", "Mazur", distributor=distributors[0]),
            "distributor2": self.user("distributor2", "Marek", "Lis", distributor=distributors[1]),
            "reviewer": self.user("reviewer", "Olga", "Vendor", is_staff=True),
            "admin": self.user("admin", "Admin", "Vendor", is_staff=True, is_superuser=True),
        }
        users["reviewer"].groups.add(Group.objects.get(name=REVIEWERS_GROUP))

        products = []
        for family_name, items in CATALOGUE.items():
            family = ProductFamily.objects.get_or_create(name=family_name)[0]
            for sku, name in items:
                products.append(
                    Product.objects.get_or_create(
                        sku=sku, defaults={"name": name, "family": family}
                    )[0]
                )
        Product.objects.get_or_create(
            sku=RETIRED[0],
            defaults={
                "name": RETIRED[1],
                "is_active": False,
                "family": ProductFamily.objects.get(name=RETIRED[2]),
            },
        )
        competitors = [Competitor.objects.get_or_create(name=n)[0] for n in COMPETITORS]

        customers = []
        for i, (name, city, industry) in enumerate(CUSTOMERS):
            customer, _ = Customer.objects.get_or_create(
                name=name,
                defaults={
                    "tax_id": f"PL{tax_ids.example_nip(i * 1234567)}",
                    "city": city,
                    "industry": industry,
                    "postal_code": f"{10 + i:02d}-{100 + i:03d}",
                    "address": f"ul. Przykładowa {i + 1}",
                    "website": f"https://www.customer{i + 1}.example.pl",
                },
            )
            for j in range(2):
                first, last = FIRST_NAMES[(i + j) % 8], LAST_NAMES[(i * 2 + j) % 7]
                CustomerContact.objects.get_or_create(
                    customer=customer,
                    email=f"{first.lower()}.{i}{j}@customer{i + 1}.example.pl",
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "phone": f"+48 600 100 {i}{j:02d}",
                        "job_title": ["IT Manager", "CIO", "Procurement"][j % 3],
                    },
                )
            customers.append(customer)

        seed_programme(partners, users["reviewer"])
        if Deal.objects.filter(partner__in=partners).exists():
            return False
        for p_index, partner in enumerate(partners):
            registrant = users["partner" if p_index == 0 else "partner2"]
            for d_index, status in enumerate(DEAL_PLAN):
                customer = customers[(d_index * 2 + p_index) % len(customers)]
                self.deal(
                    rng, status, partner, registrant, customer, products, competitors,
                    distributors[(d_index + p_index) % 2], users["reviewer"],
                )  # fmt: skip
        # One channel conflict for the reviewers to see: both partners on one customer.
        first = Deal.objects.filter(partner=partners[0], customer=customers[0]).earliest(
            "created_at"
        )
        self.deal(
            rng,
            Deal.Status.SUBMITTED,
            partners[1],
            users["partner2"],
            customers[0],
            list(first.products.all()),
            competitors,
            distributors[0],
            users["reviewer"],
        )
        # The programme's rules at work: a small Gold registration approved by its rule,
        # a large one routed to the key-account queue.
        for value, customer in [(60000, customers[-1]), (450000, customers[-2])]:
            deal = self.deal(
                rng, S.SUBMITTED, partners[0], users["partner"], customer, products[:3],
                competitors, distributors[0], users["reviewer"], value=value,
            )  # fmt: skip
            decision_rules.decide(deal)
        spread_over_weeks(rng)
        return True

    def showcase(self) -> str:
        """One of each newer feature, each made once: returns a new API token, or "".

        Comments on a submitted deal, a pending extension request, a partner
        application waiting for a decision, and the first distributor's API token.
        """
        partner = User.objects.get(username="partner")
        reviewer = User.objects.get(username="reviewer")
        own_deals = Deal.objects.filter(partner=partner.partner).order_by("pk")

        submitted = own_deals.filter(status=Deal.Status.SUBMITTED).first()
        if submitted is not None and not submitted.comments.exists():
            comments.add_comment(
                deal=submitted,
                author=partner,
                body="The customer asked for a proof of concept in March; the BOM is final.",
            )
            comments.add_comment(
                deal=submitted,
                author=reviewer,
                body="Thanks. Please add the customer's RFP number to the opportunity ID.",
            )
            comments.add_comment(
                deal=submitted,
                author=reviewer,
                body="Check the other partner's registration for this customer first.",
                internal=True,
            )

        approved = own_deals.filter(status=Deal.Status.APPROVED).first()
        if approved is not None and not approved.extension_requests.exists():
            extensions.request_extension(
                deal=approved,
                by=partner,
                reason="The customer's tender was moved by two months.",
            )

        if not PartnerApplication.objects.filter(email="office@nowa-siec.demo.example").exists():
            applications.submit_application(
                application=PartnerApplication(
                    company_name="Nowa Sieć Sp. z o.o.",
                    tax_id="PL5260250274",
                    address="ul. Zielona 5",
                    postal_code="00-950",
                    city="Warszawa",
                    contact_first_name="Zofia",
                    contact_last_name="Nowicka",
                    email="office@nowa-siec.demo.example",
                    phone="+48 22 600 70 80",
                    distributor=Distributor.objects.get(name=DISTRIBUTORS[0]),
                )
            )

        distributor = Distributor.objects.get(name=DISTRIBUTORS[0])
        if DistributorApiToken.objects.filter(
            distributor=distributor, name=API_TOKEN_NAME
        ).exists():
            return ""
        return create_api_token(distributor=distributor, name=API_TOKEN_NAME)[1]

    def user(self, username: str, first: str, last: str, **fields) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.example",
                **fields,
            },
        )
        if created:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        return user

    def deal(
        self,
        rng,
        status,
        partner,
        registrant,
        customer,
        products,
        competitors,
        distributor,
        reviewer,
        value=None,
    ) -> Deal:
        today = timezone.localdate()
        deal = Deal.objects.create(
            partner=partner,
            registered_by=registrant,
            customer=customer,
            customer_contact=customer.contacts.first(),
            name=rng.choice(PROJECT_NAMES),
            distributor=distributor,
            expected_close_date=today + datetime.timedelta(days=rng.randint(20, 150)),
            next_steps="Technical workshop with the customer, then a proof of concept.",
            estimated_value=value or rng.choice([25000, 80000, 150000, 420000]),
            currency="PLN",
            opportunity_id="" if rng.random() < 0.7 else f"OPP-{rng.randint(10000, 99999)}",
        )
        # The first partner on a customer entered its contact; a later one only picked it.
        if not deal.customer_contact.known_to.exists():
            deal.customer_contact.known_to.add(partner)
        for position, product in enumerate(rng.sample(products, rng.randint(1, 3)), start=1):
            DealLine.objects.create(
                deal=deal,
                product=product,
                position=position,
                quantity=rng.choice([1, 2, 5, 10, 25]),
            )
        DealContact.objects.create(
            deal=deal,
            role=DealContact.Role.SALES,
            user=registrant,
            name=registrant.get_full_name(),
            email=registrant.email,
        )
        DealContact.objects.create(
            deal=deal,
            role=DealContact.Role.ENGINEER,
            name="Marcin Inżynier",
            email=f"engineer@{partner.pk}.demo.example",
        )
        deal.competitors.set(rng.sample(competitors, rng.randint(0, 2)))
        workflow.submit(deal=deal, by=registrant)
        if status == Deal.Status.SUBMITTED:
            return deal
        if status == Deal.Status.ACTION_REQUIRED:
            quote = ReviewReason.objects.filter(code="missing_distributor_quote")
            message = "Please add the distributor's quote number to the next steps."
            action_required.request_action(
                deal=deal, by=reviewer, reasons=quote, message=message, fields=["next_steps"]
            )
            return deal
        if status == Deal.Status.REJECTED:
            return workflow.reject(
                deal=deal,
                by=reviewer,
                reason="The customer is already registered by another partner.",
            )
        if status == Deal.Status.WITHDRAWN:
            return workflow.withdraw(
                deal=deal, by=registrant, note="The customer postponed the project."
            )
        workflow.approve(deal=deal, by=reviewer)
        if status == Deal.Status.EXPIRED:
            # Backdate the approval so that its validity has really ended.
            ended = today - datetime.timedelta(days=3)
            Deal.objects.filter(pk=deal.pk).update(
                validity_end=ended,
                approved_at=timezone.now()
                - datetime.timedelta(days=settings.DEAL_VALIDITY_DAYS + 3),
            )
            deal.refresh_from_db()
            workflow.expire(deal=deal)
        elif status == Deal.Status.WON:
            workflow.mark_won(deal=deal, by=registrant, note="Order placed via the distributor.")
        elif status == Deal.Status.LOST:
            workflow.mark_lost(deal=deal, by=registrant, note="The customer chose a competitor.")
        return deal
