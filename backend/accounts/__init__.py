"""Portal accounts: login, registration, roles and the caller's own profile."""
