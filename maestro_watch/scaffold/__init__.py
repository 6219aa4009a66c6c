"""Create projects from templates: the official ones shipped with maestro, or any git repository."""

from maestro_watch.scaffold.copy import CopyLimits
from maestro_watch.scaffold.create import CreatedProject, NewProjectRequest, create_project
from maestro_watch.scaffold.discover import RUNTIMES, TemplateInfo, TemplateLayout, find_templates
from maestro_watch.scaffold.errors import TemplateError
from maestro_watch.scaffold.official import list_official_templates, official_templates_root
from maestro_watch.scaffold.origin import ORIGIN_FILE, Origin, read_origin
from maestro_watch.scaffold.render import PROJECT_NAME_MARKER

__all__ = [
    "CopyLimits",
    "CreatedProject",
    "NewProjectRequest",
    "ORIGIN_FILE",
    "Origin",
    "PROJECT_NAME_MARKER",
    "RUNTIMES",
    "TemplateError",
    "TemplateInfo",
    "TemplateLayout",
    "create_project",
    "find_templates",
    "list_official_templates",
    "official_templates_root",
    "read_origin",
]
