"""Billing: invoices, payments (online payment page), direct debit and delivery settings."""
