"""Read a project folder into a model: settings, functions and state machines."""

from maestro_watch.project.loader import load_project
from maestro_watch.project.model import Function, Project, StateMachine

__all__ = ["Function", "Project", "StateMachine", "load_project"]
