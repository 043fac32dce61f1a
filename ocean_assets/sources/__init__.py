"""External services: per service a Protocol, the live client and the deterministic demo twin."""
