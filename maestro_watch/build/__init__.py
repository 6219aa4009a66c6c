"""Deterministic deployment packages for functions."""
