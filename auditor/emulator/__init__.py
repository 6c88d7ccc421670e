"""HTTPS Azure Resource Manager emulator serving a snapshot (docs/emulator.md).

Public API: :func:`running_emulator` (tests, benches), :class:`EmulatorOptions`,
:class:`SnapshotStore` (the snapshot's indexes, also used by the Resource Graph handler).
See docs/emulator.md.
"""

from auditor.emulator.runner import RunningEmulator, running_emulator, serve_forever
from auditor.emulator.server import ArmEmulator, EmulatorOptions
from auditor.emulator.store import SnapshotStore

__all__ = ["ArmEmulator", "EmulatorOptions", "RunningEmulator", "SnapshotStore", "running_emulator", "serve_forever"]
