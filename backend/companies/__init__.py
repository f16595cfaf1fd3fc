"""Customer companies (the operator's business customers)."""
