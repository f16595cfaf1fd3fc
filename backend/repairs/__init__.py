"""Device repairs: requested with the IMEI, picked up at work or at another address."""
