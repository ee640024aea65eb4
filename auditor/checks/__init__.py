"""Rules: each module turns sources and probe results into findings."""
