"""Hardware shop: device catalogue with free-word search, one cart per account, orders."""
