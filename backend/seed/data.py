"""The fixed demo facts (companies, people, lines, catalog) other teams rely on."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from backend.accounts.models import Role
from backend.core.models import Language
from backend.fleet.models import LineStatus, NumberType, PortingStatus, SimType


@dataclass(frozen=True)
class CatalogItem:
    code: str
    fr: str
    nl: str
    en: str
    monthly_price: Decimal = Decimal("0.00")
    data_gb: int | None = None
    voice_minutes: int | None = None
    sms: int | None = None


@dataclass(frozen=True)
class CompanySeed:
    name: str
    customer_number: str
    vat_number: str
    street: str
    postal_code: str
    city: str
    language: Language


@dataclass(frozen=True)
class AccountSeed:
    gsm: str
    password: str
    first_name: str
    last_name: str
    email: str
    language: Language
    role: Role
    company_customer_number: str | None


@dataclass(frozen=True)
class LineSeed:
    msisdn: str
    user_name: str
    plan: str
    label: str = ""
    sim_type: SimType = SimType.physical
    status: LineStatus = LineStatus.active
    split_bill: bool = False
    options: tuple[str, ...] = ()
    barrings: tuple[str, ...] = ()
    account_gsm: str | None = None  # the portal account using this line, if any
    # Commitment end as months from the seeding day's month (last day of that month); negative:
    # the commitment is over (deactivation is free), None: no commitment.
    commitment_months: int | None = None


@dataclass(frozen=True)
class CompanyFleet:
    customer_number: str
    lines: tuple[LineSeed, ...] = field(default_factory=tuple)


ACME = "7001234567"
BRUGGE = "7009876543"

PLANS = (
    CatalogItem("pro_start", "Pro Start", "Pro Start", "Pro Start", Decimal("15.00"), 5, 300, 300),
    CatalogItem("pro_smart", "Pro Smart", "Pro Smart", "Pro Smart", Decimal("25.00"), 20),
    CatalogItem(
        "pro_unlimited", "Pro Unlimited", "Pro Unlimited", "Pro Unlimited", Decimal("40.00")
    ),
    CatalogItem(
        "data_only_50gb",
        "Data seule 50 Go",
        "Enkel data 50 GB",
        "Data Only 50 GB",
        Decimal("20.00"),
        50,
        0,
        0,
    ),
)

OPTIONS = (
    CatalogItem(
        "data_boost_5gb",
        "Recharge data 5 Go",
        "Databoost 5 GB",
        "Data booster 5 GB",
        Decimal("7.50"),
    ),
    CatalogItem(
        "roam_eu_plus_10gb",
        "Roaming Europe+ 10 Go",
        "Roaming Europa+ 10 GB",
        "Europe+ roaming 10 GB",
        Decimal("12.00"),
    ),
    CatalogItem(
        "roam_world_1gb",
        "Pack roaming Monde 1 Go",
        "Roamingpakket Wereld 1 GB",
        "World roaming pack 1 GB",
        Decimal("10.00"),
    ),
    CatalogItem(
        "intl_calls_100",
        "100 minutes d'appels internationaux",
        "100 minuten internationaal bellen",
        "100 international call minutes",
        Decimal("8.00"),
    ),
    CatalogItem(
        "multisim",
        "Multi-SIM (carte SIM supplémentaire)",
        "Multi-sim (extra simkaart)",
        "Multi-SIM (extra SIM card)",
        Decimal("5.00"),
    ),
)

BARRABLE_SERVICES = (
    CatalogItem(
        "premium_numbers",
        "Numéros surtaxés (0900) et SMS premium",
        "Betaalnummers (0900) en premium-sms",
        "Premium-rate numbers (0900) and premium SMS",
    ),
    CatalogItem(
        "roaming", "Roaming (à l'étranger)", "Roaming (in het buitenland)", "Roaming abroad"
    ),
    CatalogItem(
        "international_calls",
        "Appels internationaux",
        "Internationale oproepen",
        "International calls",
    ),
    CatalogItem("mobile_data", "Données mobiles", "Mobiele data", "Mobile data"),
    CatalogItem("outgoing_calls", "Appels sortants", "Uitgaande oproepen", "Outgoing calls"),
)

COMPANIES = (
    CompanySeed(
        "Acme Logistics", ACME, "BE0456123791", "Noorderlaan 120", "2030", "Antwerpen", Language.nl
    ),
    CompanySeed(
        "Brugge Bouw", BRUGGE, "BE0789456175", "Kolvestraat 12", "8000", "Brugge", Language.nl
    ),
)

ACCOUNTS = (
    AccountSeed(
        "+32470000001",
        "acme-fleet-demo",
        "Sofie",
        "Janssens",
        "sofie.janssens@acme-logistics.example",
        Language.nl,
        Role.fleet_manager,
        ACME,
    ),
    AccountSeed(
        "+32470000002",
        "acme-user-demo",
        "Julie",
        "Dubois",
        "julie.dubois@acme-logistics.example",
        Language.fr,
        Role.end_user,
        ACME,
    ),
    AccountSeed(
        "+32470000051",
        "brugge-fleet-demo",
        "Pieter",
        "Vandenberghe",
        "pieter.vandenberghe@bruggebouw.example",
        Language.nl,
        Role.fleet_manager,
        BRUGGE,
    ),
    AccountSeed(
        "+32470000099",
        "agent-demo",
        "Nora",
        "Vermeersch",
        "nora.vermeersch@business-mobile.example",
        Language.en,
        Role.helpdesk_agent,
        None,
    ),
)


@dataclass(frozen=True)
class InvitedSeed:
    """Someone invited to the portal who has not completed the registration yet."""

    gsm: str
    first_name: str
    last_name: str
    email: str
    language: Language
    role: Role
    company_customer_number: str


# Invited, not registered: the registration e-mail went out once (nobody knows that link). Their
# fleet manager can have it sent again by chat ("Jan didn't get his registration e-mail").
INVITED_ACCOUNTS = (
    InvitedSeed(
        "+32470000003",
        "Jan",
        "Peeters",
        "jan.peeters@acme-logistics.example",
        Language.nl,
        Role.end_user,
        ACME,
    ),
)

_PHYS, _ESIM = SimType.physical, SimType.esim

FLEETS = (
    CompanyFleet(
        ACME,
        (
            LineSeed(
                "+32470000001",
                "Sofie Janssens",
                "pro_unlimited",
                account_gsm="+32470000001",
                options=("roam_world_1gb",),
                barrings=("premium_numbers",),
            ),
            LineSeed(
                "+32470000002",
                "Julie Dubois",
                "pro_smart",
                split_bill=True,
                account_gsm="+32470000002",
                options=("data_boost_5gb",),
            ),
            LineSeed(
                "+32470000003",
                "Jan Peeters",
                "pro_smart",
                sim_type=_ESIM,
                options=("roam_eu_plus_10gb",),
                account_gsm="+32470000003",
            ),
            LineSeed("+32470000004", "Lotte Maes", "pro_start", barrings=("premium_numbers",)),
            LineSeed(
                "+32470000005",
                "Thomas Willems",
                "pro_smart",
                split_bill=True,
                options=("intl_calls_100",),
                commitment_months=8,
            ),
            LineSeed("+32470000006", "Nathalie Claes", "pro_start"),
            LineSeed(
                "+32470000007",
                "Pieter Goossens",
                "pro_unlimited",
                sim_type=_ESIM,
                options=("roam_world_1gb", "multisim"),
                commitment_months=14,
            ),
            LineSeed(
                "+32470000008", "Emma Wouters", "pro_start", barrings=("premium_numbers", "roaming")
            ),
            LineSeed(
                "+32470000009",
                "Karim El Amrani",
                "pro_smart",
                split_bill=True,
                options=("intl_calls_100",),
            ),
            LineSeed("+32470000010", "Elise Mertens", "pro_start", commitment_months=-2),
            LineSeed(
                "+32470000011",
                "Bram Jacobs",
                "data_only_50gb",
                label="4G-router magazijn",
                barrings=("outgoing_calls", "premium_numbers"),
            ),
            LineSeed("+32470000012", "Marie Lambert", "pro_smart", sim_type=_ESIM),
            LineSeed(
                "+32470000013", "Wouter De Smet", "pro_start", barrings=("international_calls",)
            ),
            LineSeed("+32470000014", "Ines Vermeulen", "pro_smart", split_bill=True),
            LineSeed("+32470000015", "Kevin Hermans", "pro_start", options=("data_boost_5gb",)),
            LineSeed(
                "+32470000016", "Sarah Michiels", "pro_unlimited", options=("roam_eu_plus_10gb",)
            ),
            LineSeed("+32470000017", "Jonas Van den Broeck", "pro_start"),
            LineSeed("+32470000018", "Laura Dumont", "pro_smart", sim_type=_ESIM),
            LineSeed("+32470000019", "Tim Aerts", "pro_start", barrings=("premium_numbers",)),
            LineSeed("+32470000020", "Charlotte Leroy", "pro_smart", options=("multisim",)),
            LineSeed(
                "+32470000021",
                "Ruben Pauwels",
                "data_only_50gb",
                label="Tablet werfleider",
                barrings=("outgoing_calls",),
            ),
            LineSeed("+32470000022", "Hanne Stevens", "pro_start"),
            LineSeed(
                "+32470000023",
                "Arne De Clercq",
                "pro_smart",
                sim_type=_ESIM,
                status=LineStatus.pending_activation,
            ),
            # A number being ported in from another operator (see PORTING_REQUESTS).
            LineSeed(
                "+32475123456",
                "Youssef Benali",
                "pro_smart",
                status=LineStatus.pending_activation,
            ),
            LineSeed(
                "+32470000024",
                "Fien Martens",
                "pro_start",
                status=LineStatus.suspended,
                barrings=("outgoing_calls", "mobile_data"),
            ),
        ),
    ),
    CompanyFleet(
        BRUGGE,
        (
            LineSeed(
                "+32470000051",
                "Pieter Vandenberghe",
                "pro_unlimited",
                account_gsm="+32470000051",
                options=("roam_eu_plus_10gb",),
            ),
            LineSeed("+32470000052", "Lien Verhaeghe", "pro_smart", commitment_months=6),
            LineSeed("+32470000053", "Dries Desmet", "pro_start", barrings=("premium_numbers",)),
            LineSeed("+32470000054", "Joke Vanhoutte", "pro_smart", split_bill=True),
            LineSeed("+32470000055", "Stijn Devos", "pro_start", sim_type=_ESIM),
        ),
    ),
)


@dataclass(frozen=True)
class SimStockSeed:
    customer_number: str
    company_digit: str  # keeps the companies' ICCID series apart
    in_stock: int
    blocked: int = 0


# Physical SIM cards delivered to each company: ICCID "893203" + "1" + company digit + serial
# (10 digits, 1..n) + Luhn check digit (19 digits). Blocked ones follow the in-stock series.
SIM_STOCK = (
    SimStockSeed(ACME, "1", in_stock=10, blocked=1),
    SimStockSeed(BRUGGE, "2", in_stock=5),
)


@dataclass(frozen=True)
class ESimSeed:
    msisdn: str
    email: str
    language: Language


# eSIM profiles waiting for the end user's confirmation ("resend the eSIM mail" works on them).
PENDING_ESIMS = (ESimSeed("+32470000023", "arne.declercq@acme-logistics.example", Language.nl),)
# The e-mail each active eSIM was once sent to (its profile is installed, status confirmed): a
# "resend" for a new phone mails a fresh eSIM there.
INSTALLED_ESIMS = (
    ESimSeed("+32470000003", "jan.peeters@acme-logistics.example", Language.nl),
    ESimSeed("+32470000007", "pieter.goossens@acme-logistics.example", Language.nl),
    ESimSeed("+32470000012", "marie.lambert@acme-logistics.example", Language.fr),
    ESimSeed("+32470000018", "laura.dumont@acme-logistics.example", Language.fr),
    ESimSeed("+32470000055", "stijn.devos@bruggebouw.example", Language.nl),
)


@dataclass(frozen=True)
class PortingSeed:
    msisdn: str
    number_type: NumberType
    current_customer_number: str | None
    current_sim_number: str | None
    status: PortingStatus
    requested_days_ago: int
    expected_in_days: int


PORTING_REQUESTS = (
    PortingSeed(
        "+32475123456",
        NumberType.professional,
        current_customer_number="5550123",
        current_sim_number=None,
        status=PortingStatus.accepted,
        requested_days_ago=2,
        expected_in_days=2,
    ),
)
