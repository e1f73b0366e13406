"""A large, realistic data set for benchmarks: `python manage.py seed_scale --deals 1000000`.

Reference data (partners, distributors, users, catalogue) goes through the ORM;
the bulk (customers, contacts, deals, lines, partner contacts, history) is
generated in batches and written with COPY on PostgreSQL (psycopg 3), or with
executemany elsewhere. On PostgreSQL, when not inside a transaction, a second
thread writes one batch while the next one is generated, so Python and the
database server use both cores.

The data obeys the model's invariants: a Deal Reg Number exactly on approved,
expired, won and lost deals (`DR-<year>-<6 digits>`, issued in approval order,
and `DealRegSequence` moved past them so later approvals continue the series),
1-3 lines with distinct products at positions 1..3, and a history row per
status change.
"""

import datetime
import io
import queue
import random
import threading
import time
from array import array
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.utils import timezone

from portal import numbers, search, sla, tallies, tax_ids
from portal.management.commands.seed_demo import PROJECT_NAMES
from portal.models import (
    Competitor,
    Customer,
    CustomerContact,
    Deal,
    DealContact,
    DealHistory,
    DealLine,
    DealRegSequence,
    Distributor,
    Partner,
    Product,
    ProductFamily,
    ProgrammeTier,
    User,
)
from portal.roles import REVIEWERS_GROUP

# The logins `bench` uses; their passwords are unusable (bench logs in with force_login).
BENCH_PARTNER = "bench_partner"
BENCH_DISTRIBUTOR = "bench_distributor"
BENCH_REVIEWER = "bench_reviewer"
BENCH_PARTNER_NAME = "Scale Partner 0001"

S = Deal.Status
DAY = 86400
# The programme tiers (name, default discount, highest) and how often a registration met
# another partner's at submission.
TIERS = [("Registered", 5, 10), ("Silver", 10, 20), ("Gold", 15, 30)]
CONFLICT_SHARE = 0.06

CITIES = [
    ("Warszawa", "00-001"),
    ("Kraków", "30-001"),
    ("Łódź", "90-001"),
    ("Wrocław", "50-001"),
    ("Poznań", "60-001"),
    ("Gdańsk", "80-001"),
    ("Szczecin", "70-001"),
    ("Bydgoszcz", "85-001"),
    ("Lublin", "20-001"),
    ("Białystok", "15-001"),
    ("Katowice", "40-001"),
    ("Gdynia", "81-001"),
    ("Częstochowa", "42-200"),
    ("Radom", "26-600"),
    ("Rzeszów", "35-001"),
    ("Toruń", "87-100"),
    ("Kielce", "25-001"),
    ("Olsztyn", "10-001"),
    ("Opole", "45-001"),
    ("Zielona Góra", "65-001"),
]
NAME_HEADS = [
    "Przedsiębiorstwo",
    "Zakład",
    "Centrum",
    "Grupa",
    "Spółdzielnia",
    "Szpital",
    "Urząd Gminy",
    "Biuro",
    "Fabryka",
    "Hurtownia",
    "Instytut",
    "Kancelaria",
    "Laboratorium",
    "Drukarnia",
    "Piekarnia",
    "Apteka",
    "Hotel",
    "Przychodnia",
    "Szkoła",
    "Uniwersytet",
]
NAME_CORES = [
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Wójcik",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Bursztyn",
    "Orzeł",
    "Sokół",
    "Jantar",
    "Wisła",
    "Odra",
    "Tatry",
    "Mazowsze",
    "Pomorze",
    "Warta",
    "Polmet",
    "Elektro",
    "Agro",
    "Budimex",
    "Transbud",
    "Medica",
    "Infotech",
    "Logistyka",
    "Energia",
    "Stal",
    "Drewno",
    "Mleko",
    "Chemia",
    "Farmacja",
    "Optyka",
    "Telekom",
    "Automatyka",
    "Mechanika",
    "Hydro",
    "Termo",
]
NAME_TAILS = ["Sp. z o.o.", "S.A.", "Sp. j.", "Sp. k.", "", "i Wspólnicy", "Holding", "Polska"]
INDUSTRIES = [
    "Manufacturing",
    "Healthcare",
    "Public sector",
    "Education",
    "Finance",
    "Retail",
    "Logistics",
    "Energy",
    "IT",
    "Legal",
]
FIRST_NAMES = ["Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Łukasz", "Agnieszka", "Paweł"]
LAST_NAMES = ["Kowalska", "Nowak", "Wiśniewska", "Wójcik", "Zielińska", "Kamiński", "Mazur", "Lis"]
JOB_TITLES = ["IT Manager", "CIO", "Network Engineer", "Procurement", "CISO", "CTO"]
FAMILIES = ["Firewalls", "Switching", "Wireless", "Endpoint", "Cloud", "Services", "Storage"]
COMPETITORS = ["Check Point", "Cisco", "Fortinet", "Palo Alto Networks", "Sophos", "Juniper"]
NEXT_STEPS = [
    "Demo for the IT team next week.",
    "Proof of concept in the customer's lab.",
    "Waiting for the customer's budget approval.",
    "Tender published; answer due in three weeks.",
    "Technical workshop with the network team.",
]
REJECTION_REASONS = [
    "Another partner registered this project first.",
    "The customer is a named account of the vendor.",
    "Not enough detail about the project.",
]

# Status mix for deals submitted recently (a decision may still be pending) and
# for older deals. "numbered" means approved, then expired once its validity ended.
RECENT_MIX = [("submitted", 50), ("numbered", 30), ("rejected", 8), ("withdrawn", 5), ("draft", 7)]
OLDER_MIX = [
    ("numbered", 72),
    ("won", 10),
    ("lost", 6),
    ("rejected", 7),
    ("withdrawn", 4),
    ("draft", 1),
]
RECENT_DAYS = 30


@dataclass
class Tables:
    """The rows of one batch, per table, as tuples of strings/ints/None."""

    rows: dict[str, list[tuple]] = field(default_factory=dict)

    def add(self, table: str, row: tuple) -> None:
        self.rows.setdefault(table, []).append(row)


def _cols(model, names: list[str]) -> tuple[str, list[str]]:
    """The table and the column names of `names` (field names), checked against the model."""
    opts = model._meta
    return opts.db_table, [opts.get_field(n).column for n in names]


class Writer:
    """Writes batches of rows, in table order, on the given connection."""

    def __init__(self, conn, columns: dict[str, list[str]]) -> None:
        self.conn = conn
        self.columns = columns

    def write(self, tables: Tables) -> None:
        # Insert in dependency order (customers before deals, deals before lines...).
        for table, cols in self.columns.items():
            rows = tables.rows.get(table)
            if rows:
                self._write(table, cols, rows)

    def _write(self, table: str, cols: list[str], rows: list[tuple]) -> None:
        col_sql = ", ".join(f'"{c}"' for c in cols)
        with self.conn.cursor() as cursor:
            if self.conn.vendor == "postgresql":
                buf = io.StringIO()
                for row in rows:
                    buf.write("\t".join(r"\N" if v is None else str(v) for v in row))
                    buf.write("\n")
                with cursor.cursor.copy(f'COPY "{table}" ({col_sql}) FROM STDIN') as copy:
                    copy.write(buf.getvalue())
            else:
                marks = ", ".join(["%s"] * len(cols))
                # Table and column names come from the models, never from input.
                sql = f'INSERT INTO "{table}" ({col_sql}) VALUES ({marks})'  # noqa: S608
                cursor.executemany(sql, rows)


class Command(BaseCommand):
    help = "Fill the configured database with a large, realistic data set for `bench`."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--deals", type=int, default=10_000)
        parser.add_argument(
            "--customers", type=int, default=None, help="Default: one per five deals, at most 200k."
        )
        parser.add_argument("--partners", type=int, default=300)
        parser.add_argument("--distributors", type=int, default=30)
        parser.add_argument("--products", type=int, default=200)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--batch-size", type=int, default=20_000)
        parser.add_argument(
            "--append",
            action="store_true",
            help="Add to a database that already has deals (reusing its organisations).",
        )

    # ------------------------------------------------------------------ setup

    def handle(self, *args, **opts) -> None:
        started = time.perf_counter()
        if Deal.objects.exists() and not opts["append"]:
            raise CommandError(
                "This database already has deals. Use --append to add more, or an empty database."
            )
        n_deals = opts["deals"]
        n_customers = opts["customers"]
        if n_customers is None:
            n_customers = max(10, min(200_000, n_deals // 5))
        self.rng = random.Random(opts["seed"])
        self.now = timezone.now()
        self.pg = connection.vendor == "postgresql"
        self._columns()
        self._reference_data(opts)
        self.stdout.write(
            f"Reference data ready ({len(self.partner_ids)} partners, "
            f"{len(self.distributor_ids)} distributors, {len(self.product_ids)} products) "
            f"in {time.perf_counter() - started:.1f} s."
        )
        self._start_ids()
        threaded = self.pg and not connection.in_atomic_block
        if threaded:
            self._write_threaded(n_customers, n_deals, opts["batch_size"])
        else:
            writer = Writer(connection, self.columns)
            for tables in self._batches(n_customers, n_deals, opts["batch_size"]):
                with transaction.atomic():  # one commit per batch, not per row
                    writer.write(tables)
        self._finish(threaded)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {n_deals:,} deals and {n_customers:,} customers in {elapsed:.1f} s "
                f"({connection.vendor})."
            )
        )

    def _columns(self) -> None:
        competitors_through = Deal.competitors.through
        spec = [
            (
                Customer,
                "customer",
                [
                    "id",
                    "name",
                    "tax_id",
                    "tax_id_normalized",
                    "country",
                    "city",
                    "postal_code",
                    "address",
                    "website",
                    "industry",
                    "created_by",
                    "created_at",
                    "search_text",
                ],
            ),
            (
                CustomerContact,
                "contact",
                [
                    "id",
                    "customer",
                    "first_name",
                    "last_name",
                    "email",
                    "phone",
                    "job_title",
                    "created_at",
                ],
            ),
            (
                Deal,
                "deal",
                [
                    "id",
                    "partner",
                    "registered_by",
                    "opportunity_id",
                    "name",
                    "customer",
                    "customer_contact",
                    "expected_close_date",
                    "distributor",
                    "next_steps",
                    "estimated_value",
                    "currency",
                    "status",
                    "deal_reg_number",
                    "submitted_at",
                    "decision_due_at",
                    "approved_at",
                    "validity_end",
                    "discount_percent",
                    "rejection_reason",
                    "created_at",
                    "updated_at",
                    "tier",
                    "conflicted",
                    "decided_at",
                    "decision_hours",
                    "approvals_required",
                ],
            ),
            (
                DealLine,
                "line",
                ["id", "deal", "product", "quantity", "position", "discount_percent"],
            ),
            (DealContact, "dealcontact", ["id", "deal", "role", "user", "name", "email", "phone"]),
            (
                DealHistory,
                "history",
                ["id", "deal", "at", "by", "from_status", "to_status", "note"],
            ),
            (competitors_through, "competitor", ["id", "deal", "competitor"]),
        ]
        self.columns: dict[str, list[str]] = {}
        self.table: dict[str, str] = {}
        self.models = []
        for model, key, names in spec:
            table, cols = _cols(model, names)
            self.columns[table] = cols
            self.table[key] = table
            self.models.append(model)

    def _reference_data(self, opts) -> None:
        """Organisations, users, catalogue: created once, reused by --append."""
        password = make_password(None)  # unusable: bench logs in with force_login
        if not Partner.objects.filter(name=BENCH_PARTNER_NAME).exists():
            tiers = [
                ProgrammeTier.objects.get_or_create(
                    name=f"Scale {name}",
                    defaults={
                        "rank": rank,
                        "default_discount_percent": default,
                        "max_discount_percent": top,
                    },
                )[0]
                for rank, (name, default, top) in enumerate(TIERS, start=1)
            ]
            # The largest partners are Gold, the next Silver, the long tail Registered.
            partners = Partner.objects.bulk_create(
                Partner(
                    name=f"Scale Partner {i:04d}",
                    tax_id=f"PL{tax_ids.example_nip(90_000_000 + i)}",
                    city=CITIES[i % len(CITIES)][0],
                    tier=tiers[
                        2 if i <= opts["partners"] // 10 else 1 if i <= opts["partners"] // 3 else 0
                    ],
                )
                for i in range(1, opts["partners"] + 1)
            )
            distributors = Distributor.objects.bulk_create(
                Distributor(name=f"Scale Distributor {i:03d}")
                for i in range(1, opts["distributors"] + 1)
            )
            users = []
            for p in partners:
                for k in range(3):
                    users.append(
                        User(
                            username=f"scale_p{p.pk}_{k}",
                            first_name=FIRST_NAMES[(p.pk + k) % len(FIRST_NAMES)],
                            last_name=LAST_NAMES[(p.pk * 3 + k) % len(LAST_NAMES)],
                            email=f"user{k}@partner{p.pk}.example.com",
                            partner=p,
                            password=password,
                        )
                    )
            for d in distributors:
                for k in range(2):
                    users.append(
                        User(
                            username=f"scale_d{d.pk}_{k}",
                            email=f"user{k}@distributor{d.pk}.example.com",
                            distributor=d,
                            password=password,
                        )
                    )
            users += [
                User(username=BENCH_PARTNER, partner=partners[0], password=password),
                User(username=BENCH_DISTRIBUTOR, distributor=distributors[0], password=password),
                User(
                    username=BENCH_REVIEWER,
                    is_staff=True,
                    first_name="Bench",
                    last_name="Reviewer",
                    password=password,
                ),
            ]
            User.objects.bulk_create(users)
            User.objects.get(username=BENCH_REVIEWER).groups.add(
                Group.objects.get(name=REVIEWERS_GROUP)
            )
            families = ProductFamily.objects.bulk_create(
                ProductFamily(name=f"Scale {name}") for name in FAMILIES
            )
            Product.objects.bulk_create(
                Product(
                    sku=f"SC-{i:04d}",
                    name=f"{families[i % len(families)].name[6:]} model {i:04d}",
                    family=families[i % len(families)],
                    # A few retired products, as in any catalogue.
                    is_active=i % 25 != 0,
                )
                for i in range(1, opts["products"] + 1)
            )
            for name in COMPETITORS:
                Competitor.objects.get_or_create(name=name)
        partners = list(
            Partner.objects.filter(name__startswith="Scale Partner ")
            .order_by("name")
            .values_list("pk", "tier_id")
        )
        self.partner_ids = [pk for pk, _tier in partners]
        self.partner_tiers = [tier for _pk, tier in partners]
        self.distributor_ids = list(
            Distributor.objects.filter(name__startswith="Scale Distributor ")
            .order_by("name")
            .values_list("pk", flat=True)
        )
        self.product_ids = list(
            Product.objects.filter(sku__startswith="SC-").values_list("pk", flat=True)
        )
        self.competitor_ids = list(Competitor.objects.values_list("pk", flat=True))
        self.reviewer_id = User.objects.get(username=BENCH_REVIEWER).pk
        partner_users: dict[int, list[tuple[int, str, str]]] = {}
        for pk, pid, first, last, email in User.objects.filter(
            partner_id__in=self.partner_ids
        ).values_list("pk", "partner_id", "first_name", "last_name", "email"):
            partner_users.setdefault(pid, []).append(
                (pk, f"{first} {last}".strip() or "Sales", email or f"u{pk}@example.com")
            )
        self.partner_users = [partner_users[p] for p in self.partner_ids]
        # A channel is uneven: a few large partners and distributors, a long tail.
        self.partner_weights = list(_cumulative(len(self.partner_ids), 0.8))
        self.distributor_weights = list(_cumulative(len(self.distributor_ids), 0.6))
        # Deal Reg Numbers continue each year's sequence.
        self.sequences = dict(DealRegSequence.objects.values_list("year", "last_value"))

    def _start_ids(self) -> None:
        def next_id(model) -> int:
            last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
            return (last or 0) + 1

        self.next = {
            "customer": next_id(Customer),
            "contact": next_id(CustomerContact),
            "deal": next_id(Deal),
            "line": next_id(DealLine),
            "dealcontact": next_id(DealContact),
            "history": next_id(DealHistory),
            "competitor": next_id(Deal.competitors.through),
        }

    # ------------------------------------------------------------- generation

    def _ts(self, epoch: float) -> str:
        dt = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        if self.pg:
            return dt.strftime("%Y-%m-%d %H:%M:%S+00")
        return dt.strftime("%Y-%m-%d %H:%M:%S")  # SQLite: naive UTC, as Django stores it

    def _take(self, key: str) -> int:
        value = self.next[key]
        self.next[key] = value + 1
        return value

    def _batches(self, n_customers: int, n_deals: int, batch_size: int):
        rng = self.rng
        # Customers and their contacts first; deals pick from these.
        self.customer_ids = array("q")
        self.contact_start = array("q")
        self.contact_count = array("b")
        now = self.now.timestamp()
        span = 3 * 365 * DAY
        start = now - span
        tables = Tables()
        for i in range(n_customers):
            cid = self._take("customer")
            city, postal = CITIES[rng.randrange(len(CITIES))]
            name = " ".join(
                part
                for part in (
                    rng.choice(NAME_HEADS),
                    rng.choice(NAME_CORES),
                    rng.choice(NAME_CORES) if rng.random() < 0.3 else "",
                    city if rng.random() < 0.4 else "",
                    rng.choice(NAME_TAILS),
                )
                if part
            )
            tax = tax_ids.example_nip(cid)
            created = self._ts(start + rng.random() * span * 0.5)
            slug = f"c{cid}"
            website = f"https://{slug}.example.pl"
            tables.add(
                self.table["customer"],
                (
                    cid,
                    name,
                    f"PL{tax}",
                    tax,
                    "PL",
                    city,
                    postal,
                    f"ul. {rng.choice(NAME_CORES)} {rng.randrange(1, 200)}",
                    website,
                    rng.choice(INDUSTRIES),
                    None,
                    created,
                    search.searchable(name, city, website),
                ),
            )
            n_contacts = rng.choice((1, 1, 2, 2, 3))
            self.customer_ids.append(cid)
            self.contact_start.append(self.next["contact"])
            self.contact_count.append(n_contacts)
            for k in range(n_contacts):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                tables.add(
                    self.table["contact"],
                    (
                        self._take("contact"),
                        cid,
                        first,
                        last,
                        f"{first.lower()}.{k}@{slug}.example.pl",
                        f"+48 {rng.randrange(500, 800)} {rng.randrange(100, 999)} 000",
                        rng.choice(JOB_TITLES),
                        created,
                    ),
                )
            if (i + 1) % batch_size == 0:
                yield tables
                tables = Tables()
        # Deals, in the order they were created: ids grow with time, as in production.
        # The channel grows, so recent months hold more deals than old ones.
        today = timezone.localdate()
        validity = datetime.timedelta(days=settings.DEAL_VALIDITY_DAYS)
        discount = f"{settings.DEAL_DEFAULT_DISCOUNT_PERCENT:.2f}"
        recent_choices, recent_w = zip(*RECENT_MIX, strict=True)
        older_choices, older_w = zip(*OLDER_MIX, strict=True)
        for i in range(n_deals):
            t = start + span * ((i + rng.random()) / n_deals) ** 0.5
            age_days = (now - t) / DAY
            if age_days <= RECENT_DAYS:
                kind = rng.choices(recent_choices, recent_w)[0]
            else:
                kind = rng.choices(older_choices, older_w)[0]
            self._deal(tables, t, now, kind, today, validity, discount)
            if (i + 1) % batch_size == 0:
                yield tables
                tables = Tables()
        if tables.rows:
            yield tables

    def _deal(self, tables: Tables, t, now, kind, today, validity, discount) -> None:
        rng = self.rng
        did = self._take("deal")
        p_index = rng.choices(range(len(self.partner_ids)), cum_weights=self.partner_weights)[0]
        partner_id = self.partner_ids[p_index]
        user_id, user_name, user_email = rng.choice(self.partner_users[p_index])
        distributor_id = rng.choices(self.distributor_ids, cum_weights=self.distributor_weights)[0]
        c_index = rng.randrange(len(self.customer_ids))
        customer_id = self.customer_ids[c_index]
        contact_id = self.contact_start[c_index] + rng.randrange(self.contact_count[c_index])

        created = t - rng.randrange(60, 3 * DAY)
        submitted = None if kind == "draft" else t
        decision_due = approved = validity_end = number = disc = decided_at = hours = None
        status = S.DRAFT
        updated = created
        history = []
        reason = ""
        if submitted is not None:
            status = S.SUBMITTED
            decision_due = _decision_due(submitted)
            history.append((submitted, user_id, S.DRAFT, S.SUBMITTED, ""))
            updated = submitted
            # Never before the submission: a deal submitted in the last minute of the
            # data set is decided at its submission (a negative decision time breaks a check).
            decided = max(submitted, min(submitted + rng.randrange(3600, 3 * DAY), now - 60))
            if kind in ("numbered", "won", "lost", "rejected"):
                decided_at = decided
                hours = _business_hours(submitted, decided)
            if kind in ("numbered", "won", "lost"):
                approved = decided
                approved_date = datetime.datetime.fromtimestamp(approved, datetime.UTC).date()
                validity_end = approved_date + validity
                year = approved_date.year
                seq = self.sequences.get(year, 0) + 1
                self.sequences[year] = seq
                number = numbers.format_deal_reg_number(year, seq)
                disc = discount
                history.append((approved, self.reviewer_id, S.SUBMITTED, S.APPROVED, ""))
                status = S.APPROVED
                updated = approved
                if kind in ("won", "lost"):
                    closed = min(approved + rng.randrange(DAY, 80 * DAY), now - 30)
                    status = S.WON if kind == "won" else S.LOST
                    history.append((closed, user_id, S.APPROVED, status, ""))
                    updated = closed
                elif validity_end < today:
                    status = S.EXPIRED
                    expired_at = datetime.datetime.combine(
                        validity_end + datetime.timedelta(days=1),
                        datetime.time(2, 0),
                        tzinfo=datetime.UTC,
                    ).timestamp()
                    history.append(
                        (
                            expired_at,
                            None,
                            S.APPROVED,
                            S.EXPIRED,
                            f"Validity ended on {validity_end.isoformat()}.",
                        )
                    )
                    updated = expired_at
            elif kind == "rejected":
                reason = rng.choice(REJECTION_REASONS)
                history.append((decided, self.reviewer_id, S.SUBMITTED, S.REJECTED, reason))
                status = S.REJECTED
                updated = decided
            elif kind == "withdrawn":
                history.append((decided, user_id, S.SUBMITTED, S.WITHDRAWN, ""))
                status = S.WITHDRAWN
                updated = decided
        close = datetime.datetime.fromtimestamp(
            t + rng.randrange(30, 180) * DAY, datetime.UTC
        ).date()
        ts = self._ts
        tables.add(
            self.table["deal"],
            (
                did,
                partner_id,
                user_id,
                f"OPP-{did:08d}" if rng.random() < 0.3 else "",
                rng.choice(PROJECT_NAMES),
                customer_id,
                contact_id,
                close.isoformat(),
                distributor_id,
                rng.choice(NEXT_STEPS),
                f"{rng.randrange(5, 5000) * 100}.00",
                "PLN",
                str(status),
                number,
                None if submitted is None else ts(submitted),
                None if decision_due is None else ts(decision_due),
                None if approved is None else ts(approved),
                None if validity_end is None else validity_end.isoformat(),
                disc,
                reason,
                ts(created),
                ts(updated),
                None if submitted is None else self.partner_tiers[p_index],
                submitted is not None and rng.random() < CONFLICT_SHARE,
                None if decided_at is None else ts(decided_at),
                hours,
                1,
            ),
        )
        n_lines = rng.choices((1, 2, 3), (50, 30, 20))[0]
        for position, product_id in enumerate(rng.sample(self.product_ids, n_lines), start=1):
            tables.add(
                self.table["line"],
                (
                    self._take("line"),
                    did,
                    product_id,
                    rng.choice((1, 1, 2, 5, 10, 25)),
                    position,
                    disc,
                ),
            )
        tables.add(
            self.table["dealcontact"],
            (self._take("dealcontact"), did, "sales", user_id, user_name, user_email, ""),
        )
        if rng.random() < 0.5:
            tables.add(
                self.table["dealcontact"],
                (
                    self._take("dealcontact"),
                    did,
                    "engineer",
                    None,
                    "Presales Engineer",
                    f"presales{partner_id}@example.com",
                    "",
                ),
            )
        if rng.random() < 0.4:
            tables.add(
                self.table["competitor"],
                (self._take("competitor"), did, rng.choice(self.competitor_ids)),
            )
        for at, by, from_status, to_status, note in history:
            tables.add(
                self.table["history"],
                (self._take("history"), did, ts(at), by, str(from_status), str(to_status), note),
            )

    # ---------------------------------------------------------------- writing

    def _write_threaded(self, n_customers: int, n_deals: int, batch_size: int) -> None:
        """Generate batch k+1 while a second connection writes batch k."""
        batches: queue.Queue = queue.Queue(maxsize=2)
        failure: list[BaseException] = []

        def consume() -> None:
            conn = connections.create_connection("default")
            try:
                with conn.cursor() as cursor:
                    cursor.execute("SET synchronous_commit = off")
                writer = Writer(conn, self.columns)
                while (tables := batches.get()) is not None:
                    if not failure:
                        writer.write(tables)
            except BaseException as exc:  # reported in the main thread
                failure.append(exc)
                while batches.get() is not None:
                    pass
            finally:
                conn.close()

        thread = threading.Thread(target=consume, name="seed-writer")
        thread.start()
        try:
            for tables in self._batches(n_customers, n_deals, batch_size):
                if failure:
                    break
                batches.put(tables)
        finally:
            batches.put(None)
            thread.join()
        if failure:
            raise CommandError(f"Writing failed: {failure[0]}") from failure[0]

    def _finish(self, threaded: bool) -> None:
        with transaction.atomic():
            for year, last in self.sequences.items():
                DealRegSequence.objects.update_or_create(year=year, defaults={"last_value": last})
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(sql)
        # The dashboards' summary, counted from the deals as the workflow would have.
        tallies.rebuild()
        if self.pg and not connection.in_atomic_block:
            # Fresh statistics and a visibility map: the planner picks the new indexes
            # and counts can be answered from the index alone.
            with connection.cursor() as cursor:
                for table in self.columns:
                    cursor.execute(f'VACUUM ANALYZE "{table}"')


def _cumulative(n: int, exponent: float):
    """Cumulative Zipf-like weights for n items: rank 1 is the largest."""
    total = 0.0
    for rank in range(1, n + 1):
        total += 1 / rank**exponent
        yield total


def _business_hours(submitted: float, decided: float) -> int:
    """The workflow's decision time (`sla.decision_hours`) of a deal never paused."""

    def local(epoch):
        return timezone.localtime(datetime.datetime.fromtimestamp(epoch, datetime.UTC))

    return int(sla.business_time_between(local(submitted), local(decided)).total_seconds() // 3600)


def _decision_due(submitted: float) -> float:
    """The workflow's own SLA rule, for a submission at epoch `submitted`."""
    local = timezone.localtime(datetime.datetime.fromtimestamp(submitted, datetime.UTC))
    return sla.add_business_days(local, settings.DEAL_DECISION_BUSINESS_DAYS).timestamp()
