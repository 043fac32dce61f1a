"""CONUS404 hourly -> daily: pure logic (no Dagster). Config, aggregation, rules, summary."""
