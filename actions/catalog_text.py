"""Find plans, options and barrable services named in free text, and say add vs remove.

People write "Pro Unlimited", "onbeperkt", "la recharge data", "databoost 5 GB", "roaming
Monde", "premium numbers", "0900-nummers"... Each catalogue code has hand-written synonyms in
the three languages next to the catalogue's own names (``names`` from the backend), so the
matching keeps working when the catalogue is renamed. The longest match wins.

Around the names, words say what to do with each: add/block, remove/unblock, or keep it as it
is ("laissez-les bloqués"), and whether a plan named is where the line goes ("zet hem op Pro
Smart").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from actions.api.backend import CatalogItem
from validation import fold

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
        # Texting abbreviations: "les 100 min internationales", "100 mins intl".
        "min internationales", "internationale min", "international mins", "100 min", "100 mins",
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
# "il appelle tout le temps à l'étranger", "she calls abroad a lot": calling foreign numbers,
# said with a call verb and maybe how often.
_CALLING_ABROAD_FR_EN = tuple(
    f"{call} {often}{abroad}".replace("  ", " ")
    for call, abroad in [
        *((c, "a l'etranger") for c in ("appeler", "appelle", "appellent", "appelait", "appels",
                                        "telephone", "telephoner")),
        *((c, "abroad") for c in ("call", "calls", "calling", "called", "phones", "phoning")),
    ]
    for often in ("", "souvent ", "beaucoup ", "tout le temps ", "tt le temps ", "sans arret ",
                  "a lot ", "all the time ", "often ")
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
        *_CALLING_ABROAD_FR_EN,
        "calling abroad", "international calls", "international call", "appels internationaux",
        "internationale oproepen", "internationaal bellen", "international", "internationaux",
        "internationale", "internationaal", "other countries", "foreign numbers",
        "buitenlandse nummers", "numeros etrangers",
    ),
    "mobile_data": ("mobile data", "donnees", "data", "internet", "mobiele data", "4g", "5g"),
    "outgoing_calls": ("outgoing", "sortants", "sortant", "uitgaande", "uitgaand"),
}  # fmt: skip

# Direction words, as folded word prefixes (those of three letters or less: whole words only).
# "mett" is every form of "mettre" ("mettez le roaming Europe+ à la place"), never Dutch "met".
_ADD_WORDS = (
    "add", "adding", "added", "activat", "enable", "turn on", "ajout", "rajout", "activ", "mett",
    "remett", "mets", "aan", "aanzet", "toevoeg", "voeg", "activeer", "inschakel", "want", "wil",
    "zet", "zetten", "bijzet", "put", "putting", "install", "includ", "erbij", "erop", "give",
    "geef", "donne", "get", "take", "neem", "prend", "prenez",
)  # fmt: skip
_REMOVE_WORDS = (
    "remov", "delet", "drop", "deactivat", "disable", "turn off", "supprim", "retir", "enlev",
    "desactiv", "verwijder", "schrap", "stopzet", "weg", "uitschakel", "af", "uit", "zonder",
    "without", "sans", "vire", "virer", "haal", "get rid", "take off", "cancel", "annul", "oter",
    "opzeg", "laisse tomber", "laissez tomber", "oubli", "forget", "skip", "leave out", "vallen",
    "vergeet", "never mind", "eraf", "stop", "arret", "plus besoin", "no longer need",
    "niet meer nodig", "take away", "op te zeggen", "stop te zetten", "uit te schakelen",
    "weg te halen", "af te schaffen", "beeindig", "resili", "mettre fin", "mettre un terme",
    "terminat", "discontinu",
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
    """Codes named in ``text`` with the token position of each mention, in text order."""
    return [(code, start) for code, start, _ in find_spans(text, items, synonyms)]


def find_spans(
    text: str,
    items: Sequence[CatalogItem],
    synonyms: dict[str, tuple[str, ...]],
) -> list[tuple[str, int, int]]:
    """Codes named in ``text`` with the token span (start, end) of each mention, in text order.

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
    result: list[tuple[int, int, str]] = []
    for start, size, code in found:
        span = set(range(start, start + size))
        if span & taken or any(code == other for _, _, other in result):
            continue
        taken |= span
        result.append((start, start + size, code))
    return [(code, start, end) for start, end, code in sorted(result)]


def find_code(
    text: str, items: Sequence[CatalogItem], synonyms: dict[str, tuple[str, ...]]
) -> str | None:
    """The single code named in ``text`` (the longest mention), or ``None``."""
    codes = find_codes(text, items, synonyms)
    return codes[0][0] if codes else None


# A SIM for another device of the same user is the multi-SIM option, whatever it is called:
# "une carte SIM pour sa tablette", "een simkaart voor op zijn smartwatch", "an eSIM for her
# watch". Only "for": a SIM *in* a tablet is one that exists already.
_SIM_TOKENS = frozenset({"sim", "sims", "esim", "esims", "simkaart", "simkaarten", "simcard",
                         "simcards", "carte", "cartes", "card", "cards", "kaart",
                         "kaarten"})  # fmt: skip
_FOR_TOKENS = frozenset({"for", "pour", "voor"})
_DEVICE_STEMS = ("tablet", "ipad", "smartwatch", "watch", "montre", "horloge", "laptop",
                 "ordinateur", "computer")  # fmt: skip
_SIM_TO_FOR = 4  # "une deuxième carte SIM | pour", "a SIM card of her own | for"
_FOR_TO_DEVICE = 3  # "pour | sa | tablette", "voor | op zijn | smartwatch"


def _sim_for_a_device(tokens: list[str]) -> tuple[int, int] | None:
    """The span from a SIM word to the device it is for, or ``None``."""
    for start, token in enumerate(tokens):
        if token not in _SIM_TOKENS:
            continue
        for at in range(start + 1, min(len(tokens), start + 1 + _SIM_TO_FOR)):
            if tokens[at] not in _FOR_TOKENS:
                continue
            for end in range(at + 1, min(len(tokens), at + 1 + _FOR_TO_DEVICE)):
                if tokens[end].startswith(_DEVICE_STEMS):
                    return start, end + 1
    return None


def find_options(text: str, items: Sequence[CatalogItem]) -> list[tuple[str, int, int]]:
    """Options named in ``text`` (as ``find_spans``), a SIM for another device included."""
    spans = find_spans(text, items, OPTION_SYNONYMS)
    device = _sim_for_a_device(_tokens(text))
    if device is None or any(code == "multisim" for code, _, _ in spans):
        return spans
    start, end = device
    if any(start < other_end and other_start < end for _, other_start, other_end in spans):
        return spans
    return sorted([*spans, ("multisim", start, end)], key=lambda span: span[1])


# What a line is, not a service on it: "Bram's data line", "the 4G router", "de data-simkaart"
# (the noun after), "la ligne data", "le routeur 4G" (the French noun before). Blocking roaming
# on "the 4G router (Bram's data line)" leaves its data alone.
_LINE_NOUNS = frozenset({"line", "lines", "lijn", "lijnen", "router", "routers", "modem",
                         "modems", "box", "hotspot", "dongle", "sim", "sims", "simkaart", "simcard",
                         "card", "kaart", "device", "toestel", "abonnement", "subscription",
                         "plan"})  # fmt: skip
_LINE_NOUNS_BEFORE = frozenset({"ligne", "lignes", "routeur", "routeurs", "modem", "box", "cle",
                                "carte", "forfait", "abonnement", "appareil"})  # fmt: skip


def _describes_a_line(tokens: list[str], part_of: list[int], start: int, end: int) -> bool:
    """Whether the mention ``tokens[start:end]`` says what kind of line it is, within its
    punctuation ("data line", not "block data, line 0470 …")."""
    after = end < len(tokens) and part_of[end] == part_of[start] and tokens[end] in _LINE_NOUNS
    before = start > 0 and part_of[start - 1] == part_of[start]
    return after or (before and _bare(tokens[start - 1]) in _LINE_NOUNS_BEFORE)


def find_barrings(text: str, items: Sequence[CatalogItem]) -> list[tuple[str, int, int]]:
    """Barrable services named in ``text`` (as ``find_spans``), without mobile data where it
    only says what the line is ("the 4G router", "la ligne data")."""
    tokens = _tokens(text)
    part_of = [n for n, piece in enumerate(_PUNCTUATION.split(fold(text))) for _ in _tokens(piece)]
    return [
        (code, start, end)
        for code, start, end in find_spans(text, items, BARRING_SYNONYMS)
        if code != "mobile_data" or not _describes_a_line(tokens, part_of, start, end)
    ]


def words_besides(text: str, spans: list[tuple[str, int, int]]) -> str:
    """The folded words of ``text`` outside the ``spans``, elisions dropped ("l'esim" → "esim"):
    what the message says besides the catalogue items it names."""
    inside = {at for _, start, end in spans for at in range(start, end)}
    return " ".join(_bare(token) for at, token in enumerate(_tokens(text)) if at not in inside)


def _bare(token: str) -> str:
    """A token without its elided article or pronoun ("l'abonnement" → "abonnement")."""
    return token.rsplit("'", 1)[-1]


def _direction_positions(tokens: list[str], words: tuple[str, ...]) -> list[int]:
    positions = []
    # "d'ajouter", "l'enlever": the verb without its elided word.
    tokens = [_bare(token) for token in tokens]
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


class Reading(NamedTuple):
    """What a message says of each catalogue item it names."""

    #: ``True`` (first kind, e.g. add), ``False`` (second kind) or ``None`` (not said)
    changes: dict[str, bool | None]
    #: the items it keeps as they are ("laissez-les bloqués"): never part of a change
    kept: frozenset[str]


def directions(
    text: str,
    mentions: list[tuple[str, int]],
    first: tuple[str, ...],
    second: tuple[str, ...],
    negatable: tuple[str, ...] = (),
    nouns: frozenset[str] = frozenset(),
) -> Reading:
    """For each mentioned code: ``True`` (first kind, e.g. add), ``False`` (second) or ``None``;
    or kept as it is.

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
    A word that keeps things as they are ("leave them blocked", "garde la recharge") is a
    direction word too: what takes it is kept, never changed. A name in a sentence that asks
    nothing, before requests that name their own items, is left out ("the 4G router should
    never roam. Bar roaming on it").
    """
    tokens = _tokens(text)
    clause_of, only = _clauses(text)
    # "his phone is only for calls on site. Block data, premium and roaming": an "only" that
    # names nothing is not a correction.
    only &= {clause_of[position] for _, position in mentions if position < len(clause_of)}
    # Within punctuation, not clauses: "ne doit | plus pouvoir" splits at "plus".
    part_of = [n for n, piece in enumerate(_PUNCTUATION.split(fold(text))) for _ in _tokens(piece)]
    negated = {p for p in _direction_positions(tokens, negatable) if _negated(tokens, part_of, p)}
    # The second kind is checked first so that "unblock" never counts as "block".
    second_at = [p for p in _direction_positions(tokens, second) if p not in negated]
    lifted = {clause_of[p] for p in second_at}
    first_at = [
        p
        for p in _direction_positions(tokens, first)
        if p not in second_at and not (tokens[p] in nouns and clause_of[p] in lifted)
    ]
    first_at = sorted({*first_at, *negated})
    named = [position for _, position in mentions]
    sentence_of = [
        n for n, piece in enumerate(_SENTENCE_END.split(fold(text))) for _ in _tokens(piece)
    ]
    keeping = _keeping(tokens, clause_of, part_of, [*first_at, *second_at], named)
    # ``None``: a word that keeps
    words: list[tuple[int, bool | None]] = sorted(
        [(p, True) for p in first_at if p not in keeping.absorbed]
        + [(p, False) for p in [*second_at, *keeping.negated] if p not in keeping.absorbed]
        + [(p, None) for p in keeping.positions]
    )
    worded = sorted({clause_of[p] for p, _ in words})
    result: dict[str, bool | None] = {}
    kept: set[str] = set()
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
        if scope_clause is None and _context(tokens, position, words, named, sentence_of):
            continue
        best: tuple[int, bool | None] | None = None
        for candidate, value in scope or words:
            distance = abs(candidate - position) * 2 + (1 if candidate > position else 0)
            if best is None or distance < best[0]:
                best = (distance, value)
        if best is not None and best[1] is None:
            kept.add(code)
        else:
            result[code] = best[1] if best else None
    replaced = _replaced(tokens, mentions) - kept
    said = {value for code, value in result.items() if code not in replaced and value is not None}
    for code in replaced:
        # the opposite of what its replacement does; unsaid, a toggle adds: so it goes off
        result[code] = not said.pop() if len(said) == 1 else False
    return Reading(result, frozenset(kept))


# Where a sentence ends: not the dots inside "0470.00.00.15" or "7.50".
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
# What takes back an item named before: "remove it", "haal ze weg", "verwijder die", "la
# retirer", "les bloquer" (never "bar roaming on it": that "it" is the line).
_BACK_AFTER = frozenset({"it", "them", "those", "these", "both", "ze", "hem", "die", "deze",
                         "dat", "ca", "cela"})  # fmt: skip
_BACK_BEFORE = frozenset({"it", "them", "ze", "hem", "die", "dat", "le", "la", "les", "ca"})


def _context(
    tokens: list[str],
    position: int,
    words: list[tuple[int, bool | None]],
    named: list[int],
    sentence_of: list[int],
) -> bool:
    """Whether the mention at ``position``, before any direction word, only sets the scene: its
    sentence asks nothing, and each later one that does names what it asks ("Kevin never uses
    the data boost. Add the world roaming", "the 4G router should never roam. Bar roaming on
    it"). A later request that names nothing ("… on Bram's line? Block them") or takes it back
    ("… Remove it and add the world roaming") takes it."""
    if position >= len(sentence_of):
        return False
    asking = {sentence_of[p] for p, _ in words if p < len(sentence_of)}
    named_in = {sentence_of[p] for p in named if p < len(sentence_of)}
    back = any(
        (p + 1 < len(tokens) and tokens[p + 1] in _BACK_AFTER)
        or (p > 0 and tokens[p - 1] in _BACK_BEFORE)
        for p, _ in words
    )
    return bool(asking) and sentence_of[position] not in asking and asking <= named_in and not back


def _negated(tokens: list[str], part_of: list[int], position: int) -> bool:
    """Whether a negation comes shortly before ``position``, within its punctuation."""
    return any(
        tokens[i] in _NEGATIONS and part_of[i] == part_of[position]
        for i in range(max(0, position - _NEGATION_REACH), position)
    )


# Words that keep a service or an option as it is: "laissez-les bloqués", "ça reste bloqué",
# "mag geblokkeerd blijven", "laat de betaalnummers dicht", "keep premium barred", "leave
# roaming blocked", "garde la recharge", "de databoost mag hij houden".
_KEEP_WORDS = ("keep", "leave", "remain", "stay", "retain", "unchanged", "untouched", "garde",
               "conserv", "maintenez", "maintenir", "maintien", "laiss", "reste", "inchange",
               "houd", "hou", "behoud", "blijf", "blijven", "laten", "ongemoeid",
               "ongewijzigd")  # fmt: skip
_KEEP_EXACT = frozenset({"laat"})  # never "laatste"
# Kept as they are, whatever the negation inside them.
_KEEP_PHRASES = ("don't touch", "do not touch", "touchez pas", "touche pas", "niet aankomen",
                 "niet aanraken")  # fmt: skip
# "laat de databoost verwijderen", "laat de betaalnummers maar blokkeren": followed by a verb
# that ends what they say, they have something done; they keep nothing.
_LETTING = ("laiss", "laat", "laten")
# The state a keeping word keeps ("laissez-les bloqués", "keep it active"): no change asked.
_STATES = frozenset({"bloque", "bloques", "bloquee", "bloquees", "blocked", "barred", "dicht",
                     "disabled", "desactive", "desactives", "desactivee", "desactivees",
                     "debloque", "debloques", "debloquee", "debloquees", "unblocked", "unbarred",
                     "allowed", "autorise", "autorises", "autorisee", "autorisees", "open",
                     "active", "actives", "activee", "activees", "actif", "actifs", "activated",
                     "enabled", "aan", "erop", "erbij"})  # fmt: skip


# "rester", "blijven", "stay", "remain" keep only with the state they keep ("restent bloqués",
# "mag geblokkeerd blijven", "stays as it is"): "il reste des heures sur les 0900" keeps nothing.
_COPULAS = ("reste", "blijf", "blijven", "stay", "remain")
_SAID_STATES = _STATES | {"geblokkeerd", "geblokkeerde", "gesloten", "actief", "zo", "pareil",
                          "comme", "ainsi", "same", "as", "intact", "ongewijzigd"}  # fmt: skip


def _keeps_nothing(tokens: list[str], p: int, clause: list[str]) -> bool:
    """A keeping word that only tells what somebody keeps doing: "he keeps using roaming",
    "il reste des heures sur les numéros surtaxés" (``clause``: the words of its clause)."""
    if tokens[p].startswith(_COPULAS):
        return not any(token in _SAID_STATES for token in clause)
    after = [t for t in tokens[p + 1 : p + 3] if t != "on"]
    return tokens[p].startswith("keep") and bool(after) and after[0].endswith("ing")


class _Keeping(NamedTuple):
    positions: list[int]  # words that keep
    negated: list[int]  # "ne gardez pas", "hoeft ze niet te houden": the second kind
    absorbed: set[int]  # state words beside them, no direction of their own


def _keeping(
    tokens: list[str],
    clause_of: list[int],
    part_of: list[int],
    changing: list[int],
    named: list[int],
) -> _Keeping:
    """The words that keep things as they are; never a word of a phrase that changes them
    ("laissez tomber", "leave out"). ``named``: where the message names items."""
    taken = set(changing)
    single = [p for p in _direction_positions(tokens, _KEEP_WORDS) if p not in taken]
    single += [p for p, token in enumerate(tokens) if token in _KEEP_EXACT and p not in taken]
    phrases = [p for p in _direction_positions(tokens, _KEEP_PHRASES) if p not in taken]
    result = _Keeping([], [], set())
    for p in sorted({*single, *phrases}):
        clause = clause_of[p]
        words = [
            t for at, t in enumerate(tokens) if at < len(clause_of) and clause_of[at] == clause
        ]
        if _keeps_nothing(tokens, p, words):
            continue
        states = {q for q in changing if clause_of[q] == clause and tokens[q] in _STATES}
        if tokens[p].startswith(_LETTING) and _has_done(p, part_of, changing, states, named):
            continue
        result.absorbed.update(states)
        if p in single and _negated(tokens, part_of, p):
            result.negated.append(p)
        else:
            result.positions.append(p)
    return result


def _has_done(
    letting: int, part_of: list[int], changing: list[int], states: set[int], named: list[int]
) -> bool:
    """Whether a letting word is followed by the verb that ends its request ("laat de
    databoost verwijderen", "laat de betaalnummers maar blokkeren"), not by another request
    ("laat de betaalnummers geblokkeerd en deblokkeer roaming")."""
    part = part_of[letting]
    verbs = [q for q in changing if q > letting and part_of[q] == part and q not in states]
    return bool(verbs) and not any(
        verbs[0] < at and at < len(part_of) and part_of[at] == part for at in named
    )


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
    words: list[tuple[int, bool | None]],
    mentions: list[tuple[str, int]],
    clause_of: list[int],
) -> bool:
    """Whether ``clause`` names something before its direction word ("roaming blokkeren")."""
    first_word = min(p for p, _ in words if clause_of[p] == clause)
    return any(p < first_word and clause_of[p] == clause for _, p in mentions if p < len(clause_of))


def _scope(
    clause: int,
    worded: list[int],
    words: list[tuple[int, bool | None]],
    mentions: list[tuple[str, int]],
    clause_of: list[int],
) -> int | None:
    """The clause whose direction word a mention in ``clause`` takes: its own, else the nearest
    earlier one ("bloque le roaming | et les numéros surtaxés"), except after a clause whose
    verb comes last, where a list continues to its own verb at the end ("de blokkering
    opheffen, | en internationale oproepen | en roaming blokkeren"), and before a clause that
    only keeps and names nothing itself: it keeps what was just named ("les numéros surtaxés,
    | laissez-les bloqués"); ``None`` for any."""
    if clause in worded:
        return clause
    following = [value for p, value in words if clause_of[p] == clause + 1]
    named = {clause_of[p] for _, p in mentions if p < len(clause_of)}
    if following and all(value is None for value in following) and clause + 1 not in named:
        return clause + 1
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


# "pas la multisim", "not the data booster", "niet de multi-sim", "geen databoost": the item
# named right after a negation (articles between) is refused.
_REFUSING = frozenset({"pas", "not", "niet", "geen", "no", "sans", "without", "zonder", "plus"})
_ARTICLES = frozenset({"la", "le", "les", "l", "de", "du", "des", "the", "het", "die", "dat",
                       "that", "this", "ce", "cet", "cette", "d", "een", "a", "un", "une",
                       "any"})  # fmt: skip


def refused_codes(text: str, mentions: list[tuple[str, int]]) -> set[str]:
    """The codes named right after a negation: "en fait non, pas la multisim, mets plutôt les
    100 minutes" refuses the Multi-SIM whatever "mets" says of the clause after it."""
    tokens = [_bare(token) for token in _tokens(text)]
    refused: set[str] = set()
    for code, position in mentions:
        before = position - 1
        while before >= 0 and tokens[before] in _ARTICLES:
            before -= 1
        if before >= 0 and tokens[before] in _REFUSING:
            refused.add(code)
    return refused


def option_directions(text: str, mentions: list[tuple[str, int]]) -> Reading:
    """``True`` = add, ``False`` = remove, ``None`` = not said; or kept."""
    return directions(text, mentions, _ADD_WORDS, _REMOVE_WORDS)


def barring_directions(text: str, mentions: list[tuple[str, int]]) -> Reading:
    """``True`` = block, ``False`` = unblock, ``None`` = not said; or kept."""
    return directions(
        text, mentions, _BLOCK_WORDS, _UNBLOCK_WORDS + _ABLE_WORDS, _ABLE_WORDS, _BLOCK_NOUNS
    )


# What puts a line on a plan: "zet … op Pro Smart", "passer en Pro Smart", "switch him to Pro
# Unlimited", "move her to the Pro Smart plan", "l'abonnement Pro Start".
_PLAN_TARGETS = frozenset({"op", "naar", "to", "onto", "on", "into", "en", "sur", "vers", "a",
                           "au"})  # fmt: skip
_PLAN_NOUNS = frozenset({"plan", "abonnement", "abo", "formule", "forfait", "tarief",
                         "tariefplan", "subscription", "tariff", "offre"})  # fmt: skip
_ARTICLES = frozenset({"the", "a", "an", "de", "het", "le", "la", "l", "un", "une", "een", "du"})
_TARGET_REACH = 3


def _is_plan_target(tokens: list[str], start: int, end: int, text: str) -> bool:
    """Whether the plan named at ``tokens[start:end]`` is where the line goes."""
    if end < len(tokens) and _bare(tokens[end]) in _PLAN_NOUNS:
        return True
    if tokens[start:end] == ["start"] and re.search(r"\bto start\b", text):
        return False  # "I want to start the world roaming": the verb
    for token in reversed([_bare(t) for t in tokens[max(0, start - _TARGET_REACH) : start]]):
        if token in _PLAN_TARGETS or token in _PLAN_NOUNS:
            return True
        if token not in _ARTICLES:
            return False
    return False


def _distance(position: int, start: int, end: int) -> int:
    """Tokens between ``position`` and the span ``[start, end)``."""
    return 0 if start <= position < end else min(abs(position - start), abs(position - end + 1))


def names_plan_target(text: str, plans: Sequence[CatalogItem]) -> bool:
    """Whether ``text`` puts a line on one of the ``plans`` ("zet Kevin op Pro Smart")."""
    tokens = _tokens(text)
    return any(
        _is_plan_target(tokens, start, end, text) for _, start, end in _plan_spans(text, plans)
    )


def _plan_spans(text: str, plans: Sequence[CatalogItem]) -> list[tuple[str, int, int]]:
    codes = {plan.code for plan in plans}
    return [span for span in find_spans(text, plans, PLAN_SYNONYMS) if span[0] in codes]


# Habits tell why a plan is wanted, they ask nothing: "hij neemt elke maand een databoost bij",
# "il prend tout le temps des recharges", "he always ends up buying a data boost".
_HABITS = ("elke maand", "iedere maand", "every month", "each month", "chaque mois",
           "tous les mois", "maandelijks", "monthly", "telkens", "altijd", "always", "toujours",
           "regelmatig", "regularly", "souvent", "often", "vaak", "steeds", "tout le temps",
           "all the time")  # fmt: skip


def asks_an_option(text: str, plans: Sequence[CatalogItem], options: Sequence[CatalogItem]) -> bool:
    """Whether ``text`` asks to add or remove one of the ``options``, beside the plan it may
    name: in "zet Kevin op Pro Smart, hij koopt elke maand ne databoost bij" the option is why,
    not what.

    An option is asked for by a word of its own clause that is nearer to it than to a plan
    ("zet hem op Pro Smart" is the plan's "zet"); never one named after "instead of", kept, or
    in a clause that tells a habit.
    """
    tokens = _tokens(text)
    plan_spans = _plan_spans(text, plans)
    known = {option.code for option in options}
    option_spans = [span for span in find_options(text, options) if span[0] in known]
    mentions = [(code, start) for code, start, _ in option_spans]
    clause_of, _ = _clauses(text)
    set_aside = option_directions(text, mentions).kept | _replaced(tokens, mentions)
    changing = _direction_positions(tokens, _ADD_WORDS + _REMOVE_WORDS)
    habits = {clause_of[p] for p in _direction_positions(tokens, _HABITS) if p < len(clause_of)}
    for code, start, end in option_spans:
        if code in set_aside or start >= len(clause_of) or clause_of[start] in habits:
            continue
        clause = clause_of[start]
        rivals = [(s, e) for _, s, e in plan_spans if clause_of[s] == clause]
        for word in changing:
            if clause_of[word] == clause and all(
                _distance(word, start, end) < _distance(word, s, e) for s, e in rivals
            ):
                return True
    return False
