"""Privacy: erase-my-data requests and the retention of conversation data the backend holds."""
