"""raw_zone logic: funding-file validation, checksummed migration, backups, rollback and archive."""
