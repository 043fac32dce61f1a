"""Where raw funding files come from: upstream exports (live) or the demo generator."""
