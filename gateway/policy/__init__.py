"""Per-organisation policy: allowed uses, forbidden decisions, model routing."""
