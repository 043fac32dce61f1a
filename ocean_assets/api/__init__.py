"""Read-only HTTP API over the reef-health database, with Prometheus metrics."""
