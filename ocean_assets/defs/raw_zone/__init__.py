"""raw_zone: raw -> validated migration of funding files (assets, checks, sensor, job)."""
