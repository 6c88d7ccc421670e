"""The held-out check (issue 20): real payloads no development test reads (``tests/fixtures/held_out/``).

One test on purpose: it is the measure of whether the readers generalise, not a place to grow
cases while developing. Expectations are in the folder's README.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.azure import delivery_facts as facts
from auditor.azure import destinations as retention

HELD_OUT = Path(__file__).parent / "fixtures" / "held_out"


def load(name: str) -> Any:
    return json.loads((HELD_OUT / name).read_text(encoding="utf-8"))


def test_held_out_real_payloads() -> None:
    # Account-level immutability with protected appends: the export is accepted.
    account = load("StorageAccountCreateWithImmutabilityPolicy.body.json")
    assert retention.append_refusal(None, account) is None
    # A container immutability policy document as the container carries it.
    policy = load("BlobContainersPutImmutabilityPolicy.body.json")
    container = {"id": retention.activity_container_id(account["id"]), "name": retention.ACTIVITY_CONTAINER,
                 "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
                 "properties": {"immutabilityPolicy": {"etag": policy["etag"], "properties": policy["properties"]},
                                "hasImmutabilityPolicy": True}}
    assert retention.append_refusal(container, account) is None
    assert retention.immutability_days(container) == (3.0, "Unlocked")
    # Two tables of another schema (one column is even called Source), no rows: never "silent".
    answer = load("la_query_two_tables.json")["ResponseBody"]
    for table in answer["tables"]:
        with pytest.raises(facts.UnexpectedSchema):
            facts.workspace_facts([c["name"] for c in table["columns"]], table["rows"])
