"""Which option or barring each part of a sentence names, and in which direction."""

from __future__ import annotations

import pytest

from actions.catalog_text import (
    BARRING_SYNONYMS,
    OPTION_SYNONYMS,
    barring_directions,
    find_codes,
    option_directions,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the verb of each clause, even where the next clause's verb is nearer to the name
        ("retire le roaming europe+ et mets le pack roaming monde a la place",
         {"roam_eu_plus_10gb": False, "roam_world_1gb": True}),
        ("add the data booster and remove the international minutes",
         {"data_boost_5gb": True, "intl_calls_100": False}),
        # Dutch verbs at the end of their clause
        ("kunt ge de roaming europa verwijderen en de databoost toevoegen",
         {"roam_eu_plus_10gb": False, "data_boost_5gb": True}),
        ("voeg de databoost en roaming wereld toe",
         {"data_boost_5gb": True, "roam_world_1gb": True}),
        # taking back a part of the request
        ("Ah non, laissez tomber les minutes internationales, elle appellera via Teams.",
         {"intl_calls_100": False}),
        ("forget the international minutes, just the world roaming",
         {"intl_calls_100": False, "roam_world_1gb": True}),
        ("remove only the data booster", {"data_boost_5gb": False}),
    ],
)  # fmt: skip
def test_option_directions_follow_each_clause(text: str, expected: dict[str, bool]) -> None:
    assert option_directions(text, find_codes(text, [], OPTION_SYNONYMS)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bloque le roaming et les numeros surtaxes stp",
         {"roaming": True, "premium_numbers": True}),
        ("debloque les appels internationaux mais bloque les numeros 0900",
         {"international_calls": False, "premium_numbers": True}),
        # calling abroad is international calls; being abroad is roaming
        ("Wouter moet vanaf nu naar het buitenland kunnen bellen, hef die blokkering op. En "
         "blokkeer meteen de 0900-nummers bij hem.",
         {"international_calls": False, "premium_numbers": True}),
        ("block roaming, he's abroad next month", {"roaming": True}),
        # beside "only", a name without its own verb is context, not a change
        ("actually only the premium numbers, he does need to call abroad sometimes",
         {"premium_numbers": True}),
    ],
)  # fmt: skip
def test_barring_directions_follow_each_clause(text: str, expected: dict[str, bool]) -> None:
    assert barring_directions(text, find_codes(text, [], BARRING_SYNONYMS)) == expected
