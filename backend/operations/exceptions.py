"""Operation errors."""

from __future__ import annotations

from backend.core.errors import AppError


class OperationNotFound(AppError):
    status_code = 404
    code = "operation_not_found"
    message = "No such operation."


class OperationExpired(AppError):
    status_code = 409
    code = "operation_expired"
    message = "This operation expired before it was confirmed; prepare it again."


class OperationCancelled(AppError):
    status_code = 409
    code = "operation_cancelled"
    message = "This operation was cancelled."


class OperationAlreadyDone(AppError):
    status_code = 409
    code = "operation_already_done"
    message = "This operation was already executed."


class FleetManagerRequired(AppError):
    status_code = 403
    code = "fleet_manager_required"
    message = "Only a fleet manager can do this."


class LineRequired(AppError):
    status_code = 422
    code = "line_id_required"
    message = "This operation needs a line_id."


class LineStateConflict(AppError):
    status_code = 409
    code = "line_state_conflict"
    message = "The line is not in a state that allows this operation."
