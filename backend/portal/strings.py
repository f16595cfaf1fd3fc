"""UI strings of the portal pages in the three languages (bot texts live in domain.yml)."""

from __future__ import annotations

from backend.core.models import Language

PAGE_STRINGS: dict[Language, dict[str, str]] = {
    Language.fr: {
        "title": "Portail Business Mobile",
        "login_title": "Connexion",
        "login_intro": "Connectez-vous avec votre numéro de GSM et votre mot de passe.",
        "gsm": "Numéro de GSM",
        "password": "Mot de passe",
        "login": "Se connecter",
        "login_failed": "Numéro de GSM ou mot de passe incorrect.",
        "language": "Langue",
        "hello": "Bonjour {name}",
        "logout": "Se déconnecter",
        "chat_title": "Votre assistant",
        "link_title": "Lier Slack / Teams",
        "link_intro": "Utilisez l'assistant aussi dans Slack ou Microsoft Teams.",
        "link_button": "Obtenir un code de liaison",
        "link_instruction": "Envoyez « link {code} » au bot dans Slack ou Teams. "
        "Ce code est valable 10 minutes et ne sert qu'une fois.",
        "link_failed": "Impossible d'obtenir un code pour le moment. Réessayez.",
    },
    Language.nl: {
        "title": "Business Mobile Portaal",
        "login_title": "Aanmelden",
        "login_intro": "Meld u aan met uw gsm-nummer en uw wachtwoord.",
        "gsm": "Gsm-nummer",
        "password": "Wachtwoord",
        "login": "Aanmelden",
        "login_failed": "Verkeerd gsm-nummer of wachtwoord.",
        "language": "Taal",
        "hello": "Hallo {name}",
        "logout": "Afmelden",
        "chat_title": "Uw assistent",
        "link_title": "Slack / Teams koppelen",
        "link_intro": "Gebruik de assistent ook in Slack of Microsoft Teams.",
        "link_button": "Koppelcode aanvragen",
        "link_instruction": "Stuur „link {code}” naar de bot in Slack of Teams. "
        "Deze code is 10 minuten geldig en werkt maar één keer.",
        "link_failed": "Er kon nu geen code aangemaakt worden. Probeer opnieuw.",
    },
    Language.en: {
        "title": "Business Mobile Portal",
        "login_title": "Log in",
        "login_intro": "Log in with your GSM number and your password.",
        "gsm": "GSM number",
        "password": "Password",
        "login": "Log in",
        "login_failed": "Wrong GSM number or password.",
        "language": "Language",
        "hello": "Hello {name}",
        "logout": "Log out",
        "chat_title": "Your assistant",
        "link_title": "Link Slack / Teams",
        "link_intro": "Use the assistant in Slack or Microsoft Teams too.",
        "link_button": "Get a link code",
        "link_instruction": "Send “link {code}” to the bot in Slack or Teams. "
        "This code is valid for 10 minutes and works once.",
        "link_failed": "No code could be made right now. Please try again.",
    },
}


def negotiate_language(accept_language: str | None, default: Language = Language.fr) -> Language:
    """The first of fr/nl/en in an Accept-Language header, by preference weight."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, Language]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in Language._value2member_map_ and weight > 0:
            ranked.append((-weight, position, Language(primary)))
    return min(ranked)[2] if ranked else default
