"""Fleet errors."""

from __future__ import annotations

from backend.core.errors import AppError


class LineNotFound(AppError):
    status_code = 404
    code = "line_not_found"
    message = "No such line."


class ConsumptionNotFound(AppError):
    status_code = 404
    code = "consumption_not_found"
    message = "No consumption recorded for this line and month."


class InvalidMsisdn(AppError):
    status_code = 422
    code = "invalid_msisdn"
    message = "Not a valid Belgian mobile number."


class PortingRequestNotFound(AppError):
    status_code = 404
    code = "porting_request_not_found"
    message = "No such porting request."
