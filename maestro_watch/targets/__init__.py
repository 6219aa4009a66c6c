"""Deploy targets: an AWS account and region, or the embedded emulator."""

from maestro_watch.targets.target import Target

__all__ = ["Target"]
