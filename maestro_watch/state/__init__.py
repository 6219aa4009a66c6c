"""The record of what maestro deployed, one file per target under .maestro/state/."""

from maestro_watch.state.lock import TargetLock
from maestro_watch.state.store import ResourceRecord, StateStore

__all__ = ["ResourceRecord", "StateStore", "TargetLock"]
