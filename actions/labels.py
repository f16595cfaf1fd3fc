"""The few short labels actions put on buttons and data rows, per language, in one place.

Sentences live in domain.yml; this table only holds titles that decorate data the action
builds at run time (suggestion buttons of the fallback, line status words). Small talk
(greet, thanks, goodbye) is deliberately absent: it is never worth a suggestion button.
"""

from actions.formatting import DEFAULT_LANGUAGE

INTENT_TITLES: dict[str, dict[str, str]] = {
    "show_lines": {"fr": "Voir mes lignes", "nl": "Mijn lijnen tonen", "en": "Show my lines"},
    "ask_consumption": {
        "fr": "Consulter une consommation",
        "nl": "Verbruik bekijken",
        "en": "Check usage",
    },
    "ask_help": {"fr": "Ce que je peux faire", "nl": "Wat ik kan doen", "en": "What I can do"},
    "switch_role": {
        "fr": "Changer de portail",
        "nl": "Van portaal wisselen",
        "en": "Switch portal",
    },
    "change_language": {
        "fr": "Changer de langue",
        "nl": "Taal wijzigen",
        "en": "Change language",
    },
    "ask_password_reset": {
        "fr": "Mot de passe oublié",
        "nl": "Wachtwoord vergeten",
        "en": "Forgot my password",
    },
    "faq_login": {"fr": "Comment me connecter", "nl": "Hoe aanmelden", "en": "How to log in"},
    "faq_imei": {"fr": "Trouver l'IMEI", "nl": "Het IMEI vinden", "en": "Find the IMEI"},
}

LINE_STATUS: dict[str, dict[str, str]] = {
    "active": {"fr": "active", "nl": "actief", "en": "active"},
    "pending_activation": {
        "fr": "activation en attente",
        "nl": "wacht op activatie",
        "en": "awaiting activation",
    },
    "suspended": {"fr": "suspendue", "nl": "geschorst", "en": "suspended"},
    "deactivated": {"fr": "désactivée", "nl": "gedeactiveerd", "en": "deactivated"},
}


def intent_title(intent: str, language: str) -> str | None:
    """Human-readable title of an intent, or ``None`` if it is not worth suggesting."""
    titles = INTENT_TITLES.get(intent)
    if titles is None:
        return None
    return titles.get(language) or titles[DEFAULT_LANGUAGE]


def line_status(status: str, language: str) -> str:
    """The status word of a line, in the conversation language."""
    labels = LINE_STATUS.get(status)
    if labels is None:
        return status
    return labels.get(language) or labels[DEFAULT_LANGUAGE]


PER_MONTH: dict[str, str] = {"fr": "/mois", "nl": "/maand", "en": "/month"}
NOTHING: dict[str, str] = {"fr": "aucun", "nl": "geen", "en": "none"}
ADD: dict[str, str] = {"fr": "Ajouter", "nl": "Toevoegen", "en": "Add"}
REMOVE: dict[str, str] = {"fr": "Retirer", "nl": "Verwijderen", "en": "Remove"}
BLOCK: dict[str, str] = {"fr": "Bloquer", "nl": "Blokkeren", "en": "Block"}
UNBLOCK: dict[str, str] = {"fr": "Débloquer", "nl": "Deblokkeren", "en": "Unblock"}
# What a plan includes, when the catalogue says unlimited (null) or none (0).
UNLIMITED_DATA: dict[str, str] = {
    "fr": "data illimitées",
    "nl": "onbeperkt data",
    "en": "unlimited data",
}
UNLIMITED_CALLS_SMS: dict[str, str] = {
    "fr": "appels et SMS illimités",
    "nl": "onbeperkt bellen en sms'en",
    "en": "unlimited calls and texts",
}
UNLIMITED_CALLS: dict[str, str] = {
    "fr": "appels illimités",
    "nl": "onbeperkt bellen",
    "en": "unlimited calls",
}
UNLIMITED_SMS: dict[str, str] = {
    "fr": "SMS illimités",
    "nl": "onbeperkt sms'en",
    "en": "unlimited texts",
}
NO_DATA: dict[str, str] = {"fr": "sans data", "nl": "geen data", "en": "no data"}
NO_CALLS_SMS: dict[str, str] = {
    "fr": "ni appels ni SMS",
    "nl": "geen bellen of sms",
    "en": "no calls or texts",
}
NO_CALLS: dict[str, str] = {"fr": "sans appels", "nl": "geen bellen", "en": "no calls"}
NO_SMS: dict[str, str] = {"fr": "sans SMS", "nl": "geen sms", "en": "no texts"}


def label(table: dict[str, str], language: str) -> str:
    """A short word from one of the tables above, in the conversation language."""
    return table.get(language) or table[DEFAULT_LANGUAGE]
