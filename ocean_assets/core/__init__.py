"""Pure, Dagster-free logic: I/O helpers, validation rules, aggregation, scoring."""
