"""References from rules to framework controls: ``ControlRef("cis-azure-3.0.0", "6.1.1")``.

Rules carry these instead of free strings, so every control a rule claims exists in the
catalogue (``auditor/data/frameworks/*.json``, checked by tests/test_frameworks.py) and the
compliance section can count, per control, the scopes that pass and fail.
"""

from __future__ import annotations

from dataclasses import dataclass

CIS2 = "cis-azure-2.0.0"
CIS3 = "cis-azure-3.0.0"
CIS6 = "cis-azure-6.0.0"
MCSB = "mcsb-1.0"
NIST = "nist-sp-800-53-r5"
ISO = "iso-27001-2022"
PCI = "pci-dss-4.0"
SOC2 = "soc2-2017"


@dataclass(frozen=True, order=True)
class ControlRef:
    framework: str  # catalogue id, e.g. "pci-dss-4.0"
    control: str  # the framework's own id, e.g. "10.5.1"


def refs(framework: str, *controls: str) -> tuple[ControlRef, ...]:
    return tuple(ControlRef(framework, c) for c in controls)


MCSB_LT1 = ControlRef(MCSB, "LT-1")
MCSB_LT3 = ControlRef(MCSB, "LT-3")
MCSB_LT5 = ControlRef(MCSB, "LT-5")
MCSB_LT6 = ControlRef(MCSB, "LT-6")
