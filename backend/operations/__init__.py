"""Two-step fleet operations: prepare (validate, price, summarize) → confirm (execute)."""
