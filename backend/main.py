"""App factory: ``uvicorn backend.main:create_app --factory``."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from backend.accounts.router import pages_router as account_pages
from backend.accounts.router import router as accounts_router
from backend.billing.router import pages_router as billing_pages
from backend.billing.router import router as billing_router
from backend.chat.router import router as chat_router
from backend.core.errors import register_error_handlers
from backend.core.headers import add_security_headers
from backend.core.health import router as health_router
from backend.core.request_limits import add_request_limits
from backend.core.settings import Settings, get_settings
from backend.dev.router import router as dev_router
from backend.esim.router import pages_router as esim_pages
from backend.fleet.router import router as fleet_router
from backend.handoff.pages import pages_router as handoff_pages
from backend.handoff.router import router as handoff_router
from backend.operations.router import router as operations_router
from backend.portal.router import pages_router as portal_pages
from backend.portal.router import router as portal_router
from backend.privacy.router import router as privacy_router
from backend.repairs.agent_router import router as repairs_agent_router
from backend.repairs.router import router as repairs_router
from backend.shop.agent_router import router as shop_agent_router
from backend.shop.router import router as shop_router
from backend.tickets.agent_router import router as tickets_agent_router
from backend.tickets.router import router as tickets_router
from backend.webchat.router import router as webchat_router

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI app for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()
    # The interactive docs and the schema map every route for whoever asks: local mode only.
    local = settings.environment == "local"
    app = FastAPI(
        title="Business Mobile backend",
        version="0.1.0",
        description="Accounts, fleet, chat identities and outbox of the Portail Business Mobile.",
        docs_url="/docs" if local else None,
        redoc_url="/redoc" if local else None,
        openapi_url="/openapi.json" if local else None,
    )
    app.state.settings = settings
    register_error_handlers(app)
    add_security_headers(app)
    add_request_limits(app)
    app.include_router(health_router)
    app.include_router(account_pages)
    app.include_router(accounts_router, prefix=API_PREFIX)
    app.include_router(chat_router, prefix=API_PREFIX)
    app.include_router(billing_pages)
    app.include_router(billing_router, prefix=API_PREFIX)
    app.include_router(esim_pages)
    app.include_router(fleet_router, prefix=API_PREFIX)
    app.include_router(operations_router, prefix=API_PREFIX)
    app.include_router(tickets_router, prefix=API_PREFIX)
    app.include_router(repairs_router, prefix=API_PREFIX)
    app.include_router(shop_router, prefix=API_PREFIX)
    # The operator's helpdesk agents: every company's tickets, orders and repairs (issue #4).
    app.include_router(tickets_agent_router, prefix=API_PREFIX)
    app.include_router(shop_agent_router, prefix=API_PREFIX)
    app.include_router(repairs_agent_router, prefix=API_PREFIX)
    app.include_router(privacy_router, prefix=API_PREFIX)
    app.include_router(handoff_router, prefix=API_PREFIX)
    app.include_router(handoff_pages)
    # Portal pages and the web chat gateway use the bm_portal cookie, not the /api/v1 Bearer token.
    app.include_router(portal_pages)
    app.include_router(portal_router)
    app.include_router(webchat_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # The outbox may hold registration links and eSIM codes: it only exists in local mode (the
    # settings refuse it elsewhere), and shows an e-mail only to an agent or its addressee.
    if settings.mail_backend == "outbox":
        app.include_router(dev_router, prefix=API_PREFIX)
    logger.info("Backend app created (environment=%s)", settings.environment)
    return app
