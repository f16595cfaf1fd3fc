"""UI strings of the portal pages in the three languages (bot texts live in domain.yml)."""

from __future__ import annotations

from backend.core.models import Language

# The chat page's own texts, switched in the browser when the conversation changes language.
CHAT_PAGE_KEYS = (
    "title",
    "chat_title",
    "logout",
    "link_title",
    "link_intro",
    "link_button",
    "link_failed",
)

PAGE_STRINGS: dict[Language, dict[str, str]] = {
    Language.fr: {
        "title": "Portail Business Mobile",
        "login_title": "Connexion",
        "login_intro": "Connectez-vous avec votre numéro de GSM et votre mot de passe.",
        "gsm": "Numéro de GSM",
        "password": "Mot de passe",
        "login": "Se connecter",
        "login_failed": "Numéro de GSM ou mot de passe incorrect.",
        "login_throttled": "Trop de tentatives de connexion pour ce numéro ou depuis cet appareil. "
        "Réessayez dans {wait}, ou choisissez un nouveau mot de passe (« Mot de passe oublié ? »).",
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
        "forgot_password": "Mot de passe oublié ?",
        "reset_request_title": "Mot de passe oublié",
        "reset_request_intro": "Indiquez votre numéro de GSM (votre login). Nous envoyons un lien "
        "à usage unique, valable {minutes} minutes, à l'adresse e-mail de votre compte.",
        "reset_request_button": "Envoyer le lien",
        "reset_requested": "Si ce numéro est le login d'un compte actif, un lien pour choisir un "
        "nouveau mot de passe vient d'être envoyé à l'adresse e-mail du compte. Il est valable "
        "{minutes} minutes et ne sert qu'une fois.",
        "reset_title": "Nouveau mot de passe",
        "reset_intro": "Choisissez un nouveau mot de passe pour le login {gsm}.",
        "new_password": "Nouveau mot de passe (au moins {length} caractères)",
        "new_password_again": "Confirmez le nouveau mot de passe",
        "reset_button": "Enregistrer",
        "reset_done": "C'est fait ! Connectez-vous avec votre numéro de GSM et votre nouveau mot "
        "de passe.",
        "reset_invalid": "Ce lien n'est plus valable (déjà utilisé, expiré ou remplacé par un lien "
        "plus récent). Demandez-en un nouveau.",
        "reset_too_short": "Le mot de passe doit compter au moins {length} caractères.",
        "reset_mismatch": "Les deux mots de passe ne sont pas identiques.",
        "back_to_login": "Retour à la connexion",
    },
    Language.nl: {
        "title": "Business Mobile Portaal",
        "login_title": "Aanmelden",
        "login_intro": "Meld u aan met uw gsm-nummer en uw wachtwoord.",
        "gsm": "Gsm-nummer",
        "password": "Wachtwoord",
        "login": "Aanmelden",
        "login_failed": "Verkeerd gsm-nummer of wachtwoord.",
        "login_throttled": "Te veel aanmeldpogingen voor dit nummer of vanaf dit toestel. "
        "Probeer opnieuw over {wait}, of kies een nieuw wachtwoord („Wachtwoord vergeten?”).",
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
        "forgot_password": "Wachtwoord vergeten?",
        "reset_request_title": "Wachtwoord vergeten",
        "reset_request_intro": "Geef uw gsm-nummer (uw login). We sturen een link die één keer "
        "werkt en {minutes} minuten geldig is naar het e-mailadres van uw account.",
        "reset_request_button": "Link versturen",
        "reset_requested": "Als dit nummer de login van een actief account is, werd zopas een link "
        "om een nieuw wachtwoord te kiezen naar het e-mailadres van het account gestuurd. Hij is "
        "{minutes} minuten geldig en werkt maar één keer.",
        "reset_title": "Nieuw wachtwoord",
        "reset_intro": "Kies een nieuw wachtwoord voor de login {gsm}.",
        "new_password": "Nieuw wachtwoord (minstens {length} tekens)",
        "new_password_again": "Bevestig het nieuwe wachtwoord",
        "reset_button": "Opslaan",
        "reset_done": "Klaar! Meld u aan met uw gsm-nummer en uw nieuwe wachtwoord.",
        "reset_invalid": "Deze link is niet meer geldig (al gebruikt, vervallen of vervangen door "
        "een nieuwere link). Vraag een nieuwe aan.",
        "reset_too_short": "Het wachtwoord moet minstens {length} tekens lang zijn.",
        "reset_mismatch": "De twee wachtwoorden zijn niet gelijk.",
        "back_to_login": "Terug naar aanmelden",
    },
    Language.en: {
        "title": "Business Mobile Portal",
        "login_title": "Log in",
        "login_intro": "Log in with your GSM number and your password.",
        "gsm": "GSM number",
        "password": "Password",
        "login": "Log in",
        "login_failed": "Wrong GSM number or password.",
        "login_throttled": "Too many login attempts for this number or from this device. "
        "Try again in {wait}, or choose a new password (“Forgot your password?”).",
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
        "forgot_password": "Forgot your password?",
        "reset_request_title": "Forgot your password",
        "reset_request_intro": "Enter your GSM number (your login). We send a single-use link, "
        "valid for {minutes} minutes, to your account's e-mail address.",
        "reset_request_button": "Send the link",
        "reset_requested": "If this number is the login of an active account, a link to choose a "
        "new password has just been sent to the account's e-mail address. It is valid for "
        "{minutes} minutes and works once.",
        "reset_title": "New password",
        "reset_intro": "Choose a new password for the login {gsm}.",
        "new_password": "New password (at least {length} characters)",
        "new_password_again": "Confirm the new password",
        "reset_button": "Save",
        "reset_done": "Done! Log in with your GSM number and your new password.",
        "reset_invalid": "This link is no longer valid (already used, expired or replaced by a "
        "newer link). Ask for a new one.",
        "reset_too_short": "The password must have at least {length} characters.",
        "reset_mismatch": "The two passwords are not the same.",
        "back_to_login": "Back to log in",
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
