"""Fleet dependencies: load-or-404 for lines in the caller's scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.core.db import SessionDep
from backend.fleet import service
from backend.fleet.models import Line
from backend.principal import CompanyPrincipalDep


def get_visible_line(line_id: int, principal: CompanyPrincipalDep, session: SessionDep) -> Line:
    """The path's line if the caller may see it, else 404 line_not_found."""
    return service.get_line(session, principal=principal, line_id=line_id)


VisibleLineDep = Annotated[Line, Depends(get_visible_line)]
