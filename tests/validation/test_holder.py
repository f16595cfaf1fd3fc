"""The holder of an end user's own-part direct debit: the company however it is written is refused,
a person or another company is not."""

from __future__ import annotations

import pytest

from validation import InvalidValue, check_own_part_holder, company_names, fold, is_the_company

COMPANY = "Acme Logistics NV"

THE_COMPANY = [
    "Acme Logistics NV",
    "Acme Logistics",
    "ACME LOGISTICS",
    "acme logistics nv",
    "Acme Logistics N.V.",
    "Acme Logistics BV",  # another legal form: the name is still the company's
    "Acme Logistics SA",  # as written in French
    "acme",
    "ACME",
    "  Acme   Logistics  ",
    "Äcme Logistics",  # an accent typed by mistake
]
NOT_THE_COMPANY = [
    "Sofie Janssens",
    "Julie Dubois",
    "Acme Transport NV",  # another company with the same first word
    "Brugge Bouw",
    "Globex SA",
    "Logistics",  # not its first word
    "Acmes",
    "Van Acme",
    "NV",
]


@pytest.mark.parametrize("holder", THE_COMPANY)
def test_the_company_is_refused_as_holder(holder: str) -> None:
    assert is_the_company(holder, COMPANY)
    with pytest.raises(InvalidValue) as refused:
        check_own_part_holder(holder, COMPANY)
    assert refused.value.code == "direct_debit_holder_is_company"
    assert refused.value.details == {}  # never the typed value
    assert refused.value.message


@pytest.mark.parametrize("holder", NOT_THE_COMPANY)
def test_a_person_or_another_company_is_kept_as_typed(holder: str) -> None:
    assert not is_the_company(holder, COMPANY)
    assert check_own_part_holder(holder, COMPANY) == holder


def test_how_people_name_their_company() -> None:
    assert company_names("Acme Logistics NV") == ("acme logistics", "acme")
    assert company_names("Société Générale SA") == ("societe generale", "societe")
    # Not by a particle ("De Vries Transport" is not "de"), nor by a too short word.
    assert company_names("De Vries Transport BV") == ("de vries transport", "vries")
    assert company_names("AB Logistics") == ("ab logistics",)
    assert company_names("Brugge") == ("brugge",)
    assert company_names("NV") == ()
    assert company_names(None) == ()


def test_a_company_named_by_its_first_word_or_with_curly_apostrophes() -> None:
    assert is_the_company("De Vries", "De Vries Transport BV") is False
    assert is_the_company("Vries", "De Vries Transport BV")
    assert is_the_company("L\u2019Atelier Gourmand", "L'Atelier Gourmand SRL")
    assert not is_the_company("Jan Peeters", "")  # no company name: nothing to refuse


def test_fold() -> None:
    assert fold("Société ÉLISE") == "societe elise"
    assert fold("Zo\u0308e") == "zoe"  # a combining diaeresis
