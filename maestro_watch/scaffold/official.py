"""The official templates shipped with maestro."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import maestro_watch
from maestro_watch.scaffold.discover import TemplateInfo, find_templates
from maestro_watch.scaffold.errors import TemplateError
from maestro_watch.scaffold.trees import DirectoryTree

__all__ = ["DEFAULT_TEMPLATE", "find_official_template", "list_official_templates", "official_templates_root"]

DEFAULT_TEMPLATE = "hello-world"


def official_templates_root() -> Path:
    """Return the folder of official templates: packaged in the wheel, or the repository's own."""
    package_dir = Path(maestro_watch.__file__).parent
    packaged = package_dir / "_templates"
    if packaged.is_dir():
        return packaged
    # An editable install runs from the source tree, where the templates sit at the repository root.
    return package_dir.parent / "templates"


def official_tree() -> DirectoryTree:
    """Return the official templates as a tree to discover and copy from."""
    root = official_templates_root()
    if not root.is_dir():
        raise TemplateError(
            f"the official templates are missing: {root} does not exist",
            hint="reinstall maestro-watch",
        )
    return DirectoryTree(root)


def list_official_templates() -> list[TemplateInfo]:
    """List the official templates, sorted by name."""
    return sorted(find_templates(official_tree()), key=lambda info: info.name)


def find_official_template(name: str) -> TemplateInfo:
    """Return the official template called ``name``, or raise TemplateError naming the others."""
    for info in list_official_templates():
        if info.path == PurePosixPath(name):
            return info
    available = ", ".join(info.name for info in list_official_templates())
    raise TemplateError(
        f"no official template named {name!r}",
        hint=f"available templates: {available} (run `maestro templates` for descriptions)",
    )
