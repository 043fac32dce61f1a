"""raw_zone domain: raw -> validated funding-file migration, one dynamic partition per file."""
