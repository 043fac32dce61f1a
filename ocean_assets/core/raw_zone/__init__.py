"""raw_zone: raw -> validated migration of funding files (pure logic, no Dagster)."""
