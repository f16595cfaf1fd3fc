"""Find plans, options and barrable services named in free text, and say add vs remove.

People write "Pro Unlimited", "onbeperkt", "la recharge data", "databoost 5 GB", "roaming
Monde", "premium numbers", "0900-nummers"... Each catalogue code has hand-written synonyms in
the three languages next to the catalogue's own names (``names`` from the backend), so the
matching keeps working when the catalogue is renamed. The longest match wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from actions.api.backend import CatalogItem
from actions.line_resolution import fold

PLAN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "pro_start": ("pro start", "start"),
    "pro_smart": ("pro smart", "smart"),
    "pro_unlimited": ("pro unlimited", "unlimited", "illimite", "onbeperkt", "onbeperkte"),
    "data_only_50gb": ("data only", "data seule", "enkel data", "data-only", "data 50"),
}
OPTION_SYNONYMS: dict[str, tuple[str, ...]] = {
    "data_boost_5gb": (
        "databoost", "data boost", "data booster", "recharge data", "boost", "recharge",
        "5 go", "5go", "5 gb", "5gb", "5 giga", "5 gig", "extra data", "data supplementaire",
    ),
    "roam_eu_plus_10gb": (
        "europe+", "europa+", "europe plus", "europa plus", "roaming europe", "roaming europa",
        "eu roaming", "roaming eu", "europe roaming", "europa roaming", "roaming europe+",
        "10 go", "10go", "10 gb", "10gb",
    ),
    "roam_world_1gb": (
        "world roaming", "roaming monde", "roaming wereld", "roamingpakket wereld", "monde",
        "wereld", "world", "wereldpakket", "wereldroaming", "pack monde", "world pack",
        "roaming mondial", "1 go", "1go", "1 gb", "1gb",
    ),
    "intl_calls_100": (
        "international call minutes", "international minutes", "appels internationaux",
        "minutes internationales", "internationaal bellen", "internationale minuten",
        "100 minutes", "100 minuten", "international call minutes", "intl minutes",
        "minutes d'appels internationaux", "belminuten buitenland",
    ),
    "multisim": (
        "multi-sim", "multisim", "multi sim", "extra sim", "sim supplementaire", "extra simkaart",
        "tweede sim", "tweede simkaart", "second sim", "2nd sim", "additional sim", "spare sim",
        "deuxieme sim", "deuxieme carte sim", "seconde sim", "seconde carte sim",
        "carte sim supplementaire", "sim en plus", "carte sim en plus",
    ),
}  # fmt: skip
# Dutch "naar het buitenland" is calling abroad only beside a call verb ("moet naar het
# buitenland kunnen bellen"); "hij gaat nooit naar het buitenland" is travelling (roaming).
_CALLING_ABROAD_NL = tuple(
    phrase
    for abroad in ("naar het buitenland", "naar t buitenland")
    for call in ("bellen", "te bellen", "kunnen bellen", "kan bellen", "kunt bellen", "mag bellen",
                 "mogen bellen", "moet bellen", "belt", "telefoneren", "kunnen telefoneren")
    for phrase in (f"{abroad} {call}", f"{call} {abroad}")
)  # fmt: skip
BARRING_SYNONYMS: dict[str, tuple[str, ...]] = {
    "premium_numbers": (
        "premium", "surtaxe", "surtaxes", "0900", "betaalnummer", "betaalnummers",
        "numeros payants", "premium-sms", "0900-nummers", "0900-nummer", "0900-numbers",
        "0900-number", "0900-numeros", "premium-rate", "premium-rate-nummers", "premiumnummers",
        "0900nummers", "betaal-sms", "betaalsms", "sms payants", "numero payant",
        "valeur ajoutee",
    ),
    "roaming": ("roaming", "itinerance", "abroad", "buitenland", "etranger", "l'etranger"),
    "international_calls": (
        # calling abroad from here; "abroad" alone is roaming (being abroad)
        *_CALLING_ABROAD_NL,
        "oproepen naar het buitenland", "vers l'etranger",
        "appeler l'etranger",
        "appeler a l'etranger", "appels a l'etranger", "call abroad", "calls abroad",
        "calling abroad", "international calls", "international call", "appels internationaux",
        "internationale oproepen", "internationaal bellen", "international", "internationaux",
        "internationale", "internationaal", "other countries", "foreign numbers",
        "buitenlandse nummers", "numeros etrangers",
    ),
    "mobile_data": ("mobile data", "donnees", "data", "internet", "mobiele data", "4g", "5g"),
    "outgoing_calls": ("outgoing", "sortants", "sortant", "uitgaande", "uitgaand"),
}  # fmt: skip

# Direction words, as folded word prefixes.
_ADD_WORDS = (
    "add", "activat", "enable", "turn on", "ajout", "rajout", "activ", "mettre", "mets", "aan",
    "toevoeg", "voeg", "activeer", "inschakel", "want", "wil", "zet", "put", "install", "erbij",
    "erop", "give", "geef", "donne", "get", "take", "neem", "prend",
)  # fmt: skip
_REMOVE_WORDS = (
    "remov", "delet", "drop", "deactivat", "disable", "turn off", "supprim", "retir", "enlev",
    "desactiv", "verwijder", "schrap", "stopzet", "weg", "uitschakel", "af", "uit", "zonder",
    "without", "sans", "vire", "virer", "haal", "get rid", "take off", "cancel", "annul", "oter",
    "opzeg", "laisse tomber", "laissez tomber", "oubli", "forget", "skip", "leave out", "vallen",
    "vergeet", "never mind", "eraf", "stop", "arret", "plus besoin", "no longer need",
    "niet meer nodig", "take away",
)  # fmt: skip
_BLOCK_WORDS = (
    "block", "bar", "bloq", "blok", "interdi", "verbied", "stop", "coupe", "couper", "dicht",
    "afsluit", "disabl", "deactiv", "desactiv", "uitschakel", "uitzet", "cut", "shut",
    "turn off", "switch off",
)  # fmt: skip
_UNBLOCK_WORDS = (
    "unblock", "unbar", "allow", "debloq", "deblok", "vrijgev", "toelat", "toestaan", "autoris",
    "reactiv", "lift", "enable", "weer toe", "open", "hef", "opheff", "lever", "leve",
    "turn on", "switch on", "aanzet", "inschakel",
)  # fmt: skip

# Asking that a service can be used lifts its barring ("moet naar het buitenland kunnen bellen",
# "doit pouvoir appeler l'étranger", "must be able to call abroad"); negated ("ne doit plus
# pouvoir appeler", "should no longer be able to") it is a barring.
_ABLE_WORDS = (
    "kunnen bellen", "kan bellen", "kunt bellen", "kunnen telefoneren", "kunnen gebruiken",
    "kan gebruiken", "mag bellen", "mogen bellen", "mag terug", "mag weer", "mogen terug",
    "mogen weer", "pouvoir appeler", "puisse appeler", "peut appeler", "peuvent appeler",
    "pouvoir telephoner", "pouvoir utiliser", "puisse utiliser", "able to", "can call",
    "can use", "allowed to", "let him", "let her", "let them",
)  # fmt: skip
# ("ne … plus", not "plus": "en plus" is "as well"; "no longer", not "no": "no, he must…")
_NEGATIONS = frozenset({"not", "never", "longer", "cannot", "shouldn't", "shouldn", "mustn't",
                        "mustn", "don't", "don", "doesn't", "doesn", "won't", "niet", "geen",
                        "nooit", "ne", "pas", "jamais"})  # fmt: skip
_NEGATION_REACH = 4
# The barring named rather than asked ("lift the block on roaming", "hef de blokkering op",
# "remove the barring"): beside a word that lifts it, it says nothing about the direction.
_BLOCK_NOUNS = frozenset({"block", "blocking", "barring", "blokkering", "blokkade", "blocage",
                          "restriction", "restrictie"})  # fmt: skip

# A hyphen separates words ("Europa-roaming", "0900-nummers"); an apostrophe does not.
_TOKEN = re.compile(r"[\w+]+(?:'[\w+]+)*")
# Plural endings a name may take ("betaalnummers", "extra sims", "simkaarten").
_PLURALS = ("s", "en", "n", "x")


def _same_word(token: str, word: str) -> bool:
    return token == word or (
        len(word) > 2 and not word.isdigit() and token in (word + end for end in _PLURALS)
    )


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


def _phrases(
    code: str, items: Iterable[CatalogItem], synonyms: dict[str, tuple[str, ...]]
) -> set[tuple[str, ...]]:
    names = [*synonyms.get(code, ()), code.replace("_", " ")]
    for item in items:
        if item.code == code:
            names += [item.name, *item.names.values()]
    return {tuple(_tokens(name)) for name in names if _tokens(name)}


def find_codes(
    text: str,
    items: Sequence[CatalogItem],
    synonyms: dict[str, tuple[str, ...]],
) -> list[tuple[str, int]]:
    """Codes named in ``text`` with the token position of each mention, in text order.

    Overlapping mentions keep the longest ("roaming Monde" is the world pack, not roaming).
    """
    tokens = _tokens(text)
    found: list[tuple[int, int, str]] = []  # (start, length, code)
    codes = {item.code for item in items} | set(synonyms)
    for code in codes:
        for phrase in _phrases(code, items, synonyms):
            size = len(phrase)
            for start in range(len(tokens) - size + 1):
                if all(
                    _same_word(t, w)
                    for t, w in zip(tokens[start : start + size], phrase, strict=True)
                ):
                    found.append((start, size, code))
    found.sort(key=lambda hit: (-hit[1], hit[0]))
    taken: set[int] = set()
    result: list[tuple[int, str]] = []
    for start, size, code in found:
        span = set(range(start, start + size))
        if span & taken or any(code == other for _, other in result):
            continue
        taken |= span
        result.append((start, code))
    return [(code, start) for start, code in sorted(result)]


def find_code(
    text: str, items: Sequence[CatalogItem], synonyms: dict[str, tuple[str, ...]]
) -> str | None:
    """The single code named in ``text`` (the longest mention), or ``None``."""
    codes = find_codes(text, items, synonyms)
    return codes[0][0] if codes else None


def _direction_positions(tokens: list[str], words: tuple[str, ...]) -> list[int]:
    positions = []
    for index, token in enumerate(tokens):
        for word in words:
            if " " in word:
                parts = word.split()
                if tokens[index : index + len(parts)] == parts:
                    positions.append(index)
            elif token == word or (len(word) > 3 and token.startswith(word)):
                positions.append(index)
    return positions


# Where one request ends and the next begins: "retire le roaming europe+ | et mets le pack
# monde", "de roaming verwijderen | en de databoost toevoegen".
_CLAUSE_BREAKS = frozenset({"et", "and", "en", "mais", "but", "maar", "puis", "then", "dan",
                            "plus", "also", "aussi", "ook", "ensuite", "daarna"})  # fmt: skip
_PUNCTUATION = re.compile(r"[,;.!?]")
# "…, just the world roaming": what is left of a request, never the previous clause's "forget".
_ONLY_WORDS = frozenset({"just", "only", "juste", "seulement", "uniquement", "alleen", "enkel"})


def _clauses(text: str) -> tuple[list[int], set[int]]:
    """The clause number of each token of ``text`` (as ``_tokens`` splits it), and the clauses
    that say "just"/"only"."""
    numbers: list[int] = []
    only: set[int] = set()
    clause = 0
    for piece in _PUNCTUATION.split(fold(text)):
        for token in _TOKEN.findall(piece):
            if token in _CLAUSE_BREAKS and numbers and numbers[-1] == clause:
                clause += 1
            if token in _ONLY_WORDS:
                only.add(clause)
            numbers.append(clause)
        clause += 1
    return numbers, only


def directions(
    text: str,
    mentions: list[tuple[str, int]],
    first: tuple[str, ...],
    second: tuple[str, ...],
    negatable: tuple[str, ...] = (),
    nouns: frozenset[str] = frozenset(),
) -> dict[str, bool | None]:
    """For each mentioned code: ``True`` (first kind, e.g. add), ``False`` (second) or ``None``.

    Each mention takes the direction word of its own clause nearest to it ("retire le roaming
    europe+ et mets le pack monde à la place" → remove Europe+, add Monde, although "mets" is
    nearer to "europe+" than "retire"); a clause without one continues the previous clause's
    ("bloque le roaming et les numéros surtaxés"), except one saying "just"/"only", which keeps
    what it names (first kind); ``None`` when the text has none. Beside an "only" clause, a
    name in a clause without a direction word of its own is left out: "actually only the
    premium numbers, he does need to call abroad" changes nothing about calls abroad. A
    ``negatable`` word of the second kind with a negation shortly before it is
    of the first kind ("should no longer be able to call abroad"); one of the first kind
    among ``nouns`` counts for nothing in a clause with one of the second ("lift the block").
    """
    tokens = _tokens(text)
    clause_of, only = _clauses(text)
    # "his phone is only for calls on site. Block data, premium and roaming": an "only" that
    # names nothing is not a correction.
    only &= {clause_of[position] for _, position in mentions if position < len(clause_of)}
    # Within punctuation, not clauses: "ne doit | plus pouvoir" splits at "plus".
    part_of = [n for n, piece in enumerate(_PUNCTUATION.split(fold(text))) for _ in _tokens(piece)]
    negated = {
        p
        for p in _direction_positions(tokens, negatable)
        if any(
            tokens[i] in _NEGATIONS and part_of[i] == part_of[p]
            for i in range(max(0, p - _NEGATION_REACH), p)
        )
    }
    # The second kind is checked first so that "unblock" never counts as "block".
    second_at = [p for p in _direction_positions(tokens, second) if p not in negated]
    lifted = {clause_of[p] for p in second_at}
    first_at = [
        p
        for p in _direction_positions(tokens, first)
        if p not in second_at and not (tokens[p] in nouns and clause_of[p] in lifted)
    ]
    first_at = sorted({*first_at, *negated})
    words = sorted([(p, True) for p in first_at] + [(p, False) for p in second_at])
    worded = sorted({clause_of[p] for p, _ in words})
    result: dict[str, bool | None] = {}
    for code, position in mentions:
        clause = clause_of[position] if position < len(clause_of) else 0
        own_words = clause in worded
        if clause in only and not own_words:
            result[code] = True
            continue
        if only and not own_words:
            continue  # said beside an "only": context, not a change
        scope_clause = _scope(clause, worded, words, mentions, clause_of)
        scope = [(p, v) for p, v in words if clause_of[p] == scope_clause]
        best: tuple[int, bool] | None = None
        for candidate, value in scope or words:
            distance = abs(candidate - position) * 2 + (1 if candidate > position else 0)
            if best is None or distance < best[0]:
                best = (distance, value)
        result[code] = best[1] if best else None
    replaced = _replaced(tokens, mentions)
    kept = {value for code, value in result.items() if code not in replaced and value is not None}
    for code in replaced:
        # the opposite of what its replacement does; unsaid, a toggle adds: so it goes off
        result[code] = not kept.pop() if len(kept) == 1 else False
    return result


# "X in plaats van Y", "X au lieu de Y", "X instead of Y": Y goes the other way from X.
_REPLACING = (("instead", "of"), ("in", "place", "of"), ("rather", "than"), ("in", "plaats", "van"),
              ("ipv",), ("au", "lieu"), ("a", "la", "place", "de"), ("a", "la", "place", "du"),
              ("a", "la", "place", "des"), ("plutot", "que"))  # fmt: skip
_REPLACED_REACH = 4


def _replaced(tokens: list[str], mentions: list[tuple[str, int]]) -> set[str]:
    """The codes named right after an "instead of"."""
    codes: set[str] = set()
    for index in range(len(tokens)):
        for marker in _REPLACING:
            if tuple(tokens[index : index + len(marker)]) == marker:
                end = index + len(marker)
                after = [(p, c) for c, p in mentions if end <= p <= end + _REPLACED_REACH]
                if after:
                    codes.add(min(after)[1])
    return codes


def _verb_last(
    clause: int,
    words: list[tuple[int, bool]],
    mentions: list[tuple[str, int]],
    clause_of: list[int],
) -> bool:
    """Whether ``clause`` names something before its direction word ("roaming blokkeren")."""
    first_word = min(p for p, _ in words if clause_of[p] == clause)
    return any(p < first_word and clause_of[p] == clause for _, p in mentions if p < len(clause_of))


def _scope(
    clause: int,
    worded: list[int],
    words: list[tuple[int, bool]],
    mentions: list[tuple[str, int]],
    clause_of: list[int],
) -> int | None:
    """The clause whose direction word a mention in ``clause`` takes: its own, else the nearest
    earlier one ("bloque le roaming | et les numéros surtaxés"), except after a clause whose
    verb comes last, where a list continues to its own verb at the end ("de blokkering
    opheffen, | en internationale oproepen | en roaming blokkeren"); ``None`` for any."""
    if clause in worded:
        return clause
    before = [c for c in worded if c < clause]
    after = [c for c in worded if c > clause]
    if (
        before
        and after
        and _verb_last(before[-1], words, mentions, clause_of)
        and _verb_last(after[0], words, mentions, clause_of)
    ):
        return after[0]
    return before[-1] if before else None


def option_directions(text: str, mentions: list[tuple[str, int]]) -> dict[str, bool | None]:
    """``True`` = add, ``False`` = remove, ``None`` = not said."""
    return directions(text, mentions, _ADD_WORDS, _REMOVE_WORDS)


def barring_directions(text: str, mentions: list[tuple[str, int]]) -> dict[str, bool | None]:
    """``True`` = block, ``False`` = unblock, ``None`` = not said."""
    return directions(
        text, mentions, _BLOCK_WORDS, _UNBLOCK_WORDS + _ABLE_WORDS, _ABLE_WORDS, _BLOCK_NOUNS
    )
