"""Errors raised while finding, fetching or copying a template."""

from __future__ import annotations

from maestro_watch.errors import UserError

__all__ = ["TemplateError"]


class TemplateError(UserError):
    """A template cannot be found, fetched or copied; nothing was created."""
