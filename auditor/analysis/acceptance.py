"""Does an export destination accept what Azure Monitor writes? Judged from its configuration.

A storage account can refuse the export although the diagnostic setting is perfect: an
immutability policy without protected append writes refuses the appends to each hour's
``PT1H.json`` append blob, and a firewall that denies by default without the trusted-services
exception refuses Azure Monitor's connection (readers: :func:`auditor.destinations.append_refusal`,
:func:`auditor.azure.defender.firewall_refusal`). Shared by ALA-DLV-003/004 and the delivery
evidence. A container whose read failed (operation ``retention``) leaves immutability unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from auditor import operations
from auditor.azure import destinations
from auditor.azure.defender import firewall_refusal

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext

_RETENTION = frozenset({operations.RETENTION})


@dataclass(frozen=True)
class Refusals:
    immutability: dict[str, Any] | None
    firewall: dict[str, Any] | None
    immutability_unknown: bool = False

    def evidence(self) -> list[dict[str, Any]]:
        out = []
        if self.immutability:
            out.append({"by": "immutability", **self.immutability})
        if self.firewall:
            out.append({"by": "firewall", **self.firewall})
        return out


def storage_refusals(ctx: AuditContext, storage_id: str, account: dict[str, Any] | None) -> Refusals:
    firewall = firewall_refusal(account)
    if ctx.unreadable(storage_id, _RETENTION):
        return Refusals(None, firewall, immutability_unknown=True)
    container = ctx.snapshot.get(destinations.activity_container_id(storage_id))
    return Refusals(destinations.append_refusal(container, account), firewall)
