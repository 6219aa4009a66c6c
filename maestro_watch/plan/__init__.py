"""Compare what the project wants with what the state records, offline, into a plan."""
