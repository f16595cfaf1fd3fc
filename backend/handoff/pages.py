"""The agent console page (``/agent``): the portal cookie login, then the queue and the chat.

The page itself only carries the UI strings and the CSRF token; its script reads and changes the
handoffs through ``/api/v1/agent/handoffs`` with the ``bm_portal`` cookie.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend.accounts.models import Role
from backend.core.db import SessionDep, SettingsDep
from backend.core.models import Language
from backend.mail.templates import get_environment
from backend.portal.auth import csrf_token, current_portal_session

pages_router = APIRouter(include_in_schema=False)

AGENT_PATH = "/agent"

STRINGS: dict[Language, dict[str, str]] = {
    Language.fr: {
        "title": "Console helpdesk",
        "queue": "File d'attente",
        "empty_queue": "Aucune conversation en attente.",
        "choose": "Choisissez une conversation dans la file.",
        "waiting": "en attente",
        "active": "avec un agent",
        "returned": "rendue à l'assistant",
        "closed": "clôturée",
        "web": "Web",
        "slack": "Slack",
        "teams": "Teams",
        "user": "Utilisateur",
        "company": "Entreprise",
        "role": "Rôle",
        "language": "Langue",
        "reason": "Motif",
        "user_request": "demande d'un agent",
        "fallback": "l'assistant n'a pas compris",
        "support_flow": "procédure via le support",
        "end_user": "utilisateur",
        "fleet_manager": "fleet manager",
        "transcript": "Conversation avec l'assistant",
        "collected": "Données recueillies",
        "nothing_collected": "Rien de recueilli.",
        "messages": "Conversation avec l'agent",
        "take": "Prendre la conversation",
        "send": "Envoyer",
        "message_label": "Votre message",
        "hand_back": "Rendre à l'assistant",
        "close": "Clôturer",
        "not_delivered": "non remis",
        "from_user": "Utilisateur",
        "from_bot": "Assistant",
        "from_agent": "Agent",
        "error": "L'action a échoué. Réessayez.",
        "logout": "Se déconnecter",
        "forbidden": "Cette page est réservée aux agents du helpdesk.",
    },
    Language.nl: {
        "title": "Helpdeskconsole",
        "queue": "Wachtrij",
        "empty_queue": "Geen wachtende gesprekken.",
        "choose": "Kies een gesprek uit de wachtrij.",
        "waiting": "wachtend",
        "active": "bij een medewerker",
        "returned": "terug naar de assistent",
        "closed": "afgesloten",
        "web": "Web",
        "slack": "Slack",
        "teams": "Teams",
        "user": "Gebruiker",
        "company": "Bedrijf",
        "role": "Rol",
        "language": "Taal",
        "reason": "Reden",
        "user_request": "vroeg naar een medewerker",
        "fallback": "de assistent begreep het niet",
        "support_flow": "procedure via support",
        "end_user": "gebruiker",
        "fleet_manager": "fleetmanager",
        "transcript": "Gesprek met de assistent",
        "collected": "Verzamelde gegevens",
        "nothing_collected": "Niets verzameld.",
        "messages": "Gesprek met de medewerker",
        "take": "Gesprek overnemen",
        "send": "Versturen",
        "message_label": "Je bericht",
        "hand_back": "Teruggeven aan de assistent",
        "close": "Afsluiten",
        "not_delivered": "niet afgeleverd",
        "from_user": "Gebruiker",
        "from_bot": "Assistent",
        "from_agent": "Medewerker",
        "error": "Dat is mislukt. Probeer opnieuw.",
        "logout": "Afmelden",
        "forbidden": "Deze pagina is alleen voor helpdeskmedewerkers.",
    },
    Language.en: {
        "title": "Helpdesk console",
        "queue": "Queue",
        "empty_queue": "No conversations waiting.",
        "choose": "Choose a conversation from the queue.",
        "waiting": "waiting",
        "active": "with an agent",
        "returned": "back with the assistant",
        "closed": "closed",
        "web": "Web",
        "slack": "Slack",
        "teams": "Teams",
        "user": "User",
        "company": "Company",
        "role": "Role",
        "language": "Language",
        "reason": "Reason",
        "user_request": "asked for an agent",
        "fallback": "the assistant did not understand",
        "support_flow": "procedure via support",
        "end_user": "end user",
        "fleet_manager": "fleet manager",
        "transcript": "Conversation with the assistant",
        "collected": "Collected data",
        "nothing_collected": "Nothing collected.",
        "messages": "Conversation with the agent",
        "take": "Take conversation",
        "send": "Send",
        "message_label": "Your message",
        "hand_back": "Hand back to the assistant",
        "close": "Close",
        "not_delivered": "not delivered",
        "from_user": "User",
        "from_bot": "Assistant",
        "from_agent": "Agent",
        "error": "That failed. Please try again.",
        "logout": "Log out",
        "forbidden": "This page is for helpdesk agents only.",
    },
}


@pages_router.get(AGENT_PATH, response_model=None)
def agent_console(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The console for a logged-in agent; the portal login first (it comes back here)."""
    portal_session = current_portal_session(request, session)
    if portal_session is None:
        return RedirectResponse(f"/portal?next={AGENT_PATH}", status_code=status.HTTP_303_SEE_OTHER)
    account = portal_session.account
    strings = STRINGS[account.language]
    headers = {"Cache-Control": "no-store"}
    if account.role != Role.helpdesk_agent:
        return HTMLResponse(strings["forbidden"], status_code=403, headers=headers)
    html = (
        get_environment()
        .get_template("agent/console.html")
        .render(
            language=account.language.value,
            t=strings,
            agent_name=f"{account.first_name} {account.last_name}".strip(),
            csrf_token=csrf_token(settings=settings, portal_session_id=portal_session.id),
        )
    )
    return HTMLResponse(html, headers=headers)
