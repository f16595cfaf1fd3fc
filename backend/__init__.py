"""Backend of the Business Mobile Assistant: the operator's systems behind one FastAPI app."""
