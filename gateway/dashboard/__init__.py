"""The built-in management dashboard (French, offline, k-anonymised)."""
