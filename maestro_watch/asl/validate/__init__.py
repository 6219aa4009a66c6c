"""Validate Amazon States Language definitions, with the exact place and fix of each problem.

``validate_text`` checks a definition as written (placeholders included) and returns
``Finding`` values; ``render_findings`` prints them as a compiler would.
"""

from __future__ import annotations

from maestro_watch.asl.validate.findings import Finding, Severity
from maestro_watch.asl.validate.render import render_findings, render_json, summarize
from maestro_watch.asl.validate.validator import has_errors, validate_file, validate_text

__all__ = [
    "Finding",
    "Severity",
    "has_errors",
    "render_findings",
    "render_json",
    "summarize",
    "validate_file",
    "validate_text",
]
