"""Health check route."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backend.core.db import SessionDep
from backend.core.errors import error_body

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/health", response_model=None)
def health(session: SessionDep) -> dict[str, str] | JSONResponse:
    """``{"status": "ok"}`` once the database answers."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        logger.exception("Database ping failed")
        return JSONResponse(
            error_body("database_unavailable", "The database does not answer."), status_code=503
        )
    return {"status": "ok"}
