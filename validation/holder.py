"""The account holder of an end user's own direct debit: never the company.

An end user with a split-bill line may pay their own part of the bill by direct debit, from
their own account. The company's account pays the company's invoices, and those are the fleet
manager's (design §2): a mandate for an employee's part in the company's name is refused by the
bot in the conversation and by the backend at the API, with this one rule.

The company counts however people write it: in full ("Acme Logistics NV", "ACME LOGISTICS"),
with or without a legal form, or by its first word ("Acme"; not a particle like the "de" of
"De Vries Transport").
"""

from __future__ import annotations

import re

from validation.errors import InvalidValue
from validation.text import APOSTROPHES, fold

# Belgian (and a few foreign) legal forms, folded and without dots: "Acme Logistics NV" and
# "Acme Logistics" are one company.
_LEGAL_FORMS = frozenset(
    {"nv", "bv", "sa", "srl", "sprl", "bvba", "vzw", "asbl", "cv", "cvba", "commv", "gcv",
     "scrl", "ltd", "inc", "llc", "gmbh"}
)  # fmt: skip
# Words of a person's or a company's name written in lower case ("Van den Berg BV", "de Vries",
# "Acme & co nv"), folded: never a name on their own.
NAME_PARTICLES = frozenset(
    {"van", "de", "der", "den", "du", "des", "la", "le", "von", "ter", "ten", "d'", "da", "di",
     "del", "'t", "&", "and", "en", "et", "nv", "bv", "sa", "srl", "sprl", "bvba", "vzw", "asbl",
     "cv", "cvba", "comm.v", "gcv"}
)  # fmt: skip
_NAME_WORD = re.compile(r"[\w&']+")
# The first word alone names the company only from this length: "Acme" does, "AB" does not.
_MIN_SHORT_NAME = 3


def _company_key(name: str) -> str:
    """A company's name as compared: folded words without its legal form ("Acme Logistics
    N.V." → ``acme logistics``)."""
    words = _NAME_WORD.findall(fold(name.translate(APOSTROPHES)).replace(".", ""))
    return " ".join(word for word in words if word not in _LEGAL_FORMS)


def company_names(company: str | None) -> tuple[str, ...]:
    """How people name their company, folded and without its legal form: in full (``acme
    logistics``) and by its first word that is no particle (``acme``); ``()`` without a name."""
    full = _company_key(company or "")
    if not full:
        return ()
    first = next((word for word in full.split() if word not in NAME_PARTICLES), "")
    return (full, first) if len(first) >= _MIN_SHORT_NAME and first != full else (full,)


def is_the_company(holder: str, company: str) -> bool:
    """Whether the account holder named is the company ("Acme Logistics NV", "Acme")."""
    return _company_key(holder) in company_names(company)


def check_own_part_holder(holder: str, company_name: str) -> str:
    """The holder of an end user's own-part mandate, unchanged, unless it is the company
    ``company_name``: then ``direct_debit_holder_is_company``."""
    if is_the_company(holder, company_name):
        raise InvalidValue(
            "direct_debit_holder_is_company",
            message=(
                "The account holder of your own part of the bill cannot be the company: "
                "use an account in your own name."
            ),
        )
    return holder
