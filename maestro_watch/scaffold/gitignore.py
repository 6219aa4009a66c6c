"""Write a new project's ``.gitignore``: the lines already there, plus those maestro needs."""

from __future__ import annotations

from pathlib import Path

from maestro_watch.scaffold.errors import TemplateError

__all__ = ["GITIGNORE_LINES", "merge_gitignore", "write_gitignore"]

GITIGNORE_LINES = (".maestro/", "__pycache__/", "node_modules/")

_FILE_NAME = ".gitignore"
# Surrogate escapes carry bytes that are not UTF-8 through unchanged, so no line is lost or altered.
_ENCODING = "utf-8"
_ERRORS = "surrogateescape"


def merge_gitignore(existing: str, template: str = "") -> str:
    """Return ``existing`` followed by the lines of ``template`` and GITIGNORE_LINES that it lacks.

    Lines are compared with surrounding whitespace removed, and blank lines of ``template`` are
    dropped. A maestro line also counts as present without its slashes, because ``.maestro``
    ignores the folder ``.maestro/`` too.
    """
    present = {line.strip() for line in existing.splitlines() if line.strip()}
    additions: list[str] = []
    for line in template.splitlines():
        pattern = line.strip()
        if pattern and pattern not in present:
            additions.append(line)
            present.add(pattern)

    without_slashes = {pattern.strip("/") for pattern in present}
    additions.extend(line for line in GITIGNORE_LINES if line.strip("/") not in without_slashes)
    if not additions:
        return existing
    separator = "" if not existing or existing.endswith("\n") else "\n"
    return existing + separator + "\n".join(additions) + "\n"


def write_gitignore(project_root: Path, destination_gitignore: Path | None = None) -> None:
    """Add maestro's lines to ``project_root/.gitignore``, the template's copy if it has one.

    ``destination_gitignore`` is the ``.gitignore`` of the folder that ``--force`` merges the
    project into. When it is a file, the result starts with its lines and adds the template's
    and maestro's lines that it lacks. The file is left alone when it would not change.
    """
    path = project_root / _FILE_NAME
    template_text = _read_template_gitignore(path)
    destination_text = None
    if destination_gitignore is not None and destination_gitignore.is_file():
        destination_text = destination_gitignore.read_text(_ENCODING, _ERRORS)

    if destination_text is None:
        unchanged = template_text
        merged = merge_gitignore(template_text or "")
    else:
        # Without a .gitignore in the template, the merged project keeps the destination's file.
        unchanged = template_text if template_text is not None else destination_text
        merged = merge_gitignore(destination_text, template_text or "")
    if merged == unchanged:
        return

    # Replace a symlink instead of writing through it, which would change the file it points to.
    if path.is_symlink():
        path.unlink()
    path.write_text(merged, _ENCODING, _ERRORS)


def _read_template_gitignore(path: Path) -> str | None:
    if path.is_file():
        return path.read_text(_ENCODING, _ERRORS)
    if path.is_symlink() or path.exists():
        raise TemplateError(
            "the template's .gitignore is not a file, so maestro cannot add its lines to it",
            hint="make .gitignore a regular file in the template",
        )
    return None
