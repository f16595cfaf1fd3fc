"""Web chat gateway: the portal session's server-side conversation with Rasa, and its transcript."""
