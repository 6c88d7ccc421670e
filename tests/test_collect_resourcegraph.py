"""The emulator's Resource Graph handler and the row <-> document mapping the round trip rests on."""

from __future__ import annotations

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions
from collect_support import tenant

from auditor.azure import arm
from auditor.collect import argshape
from auditor.emulator.resourcegraph import UnsupportedQuery, handle_query, parse_query
from auditor.emulator.runner import running_emulator
from auditor.emulator.store import SnapshotStore


@pytest.fixture(scope="module")
def store() -> SnapshotStore:
    return SnapshotStore.from_source(tenant(30))


def _all(store: SnapshotStore, query: str, **scope: object) -> list[dict]:
    rows: list[dict] = []
    token = None
    while True:
        body = {"query": query, "options": {"$top": 5, "resultFormat": "objectArray"}, **scope}
        if token:
            body["options"]["$skipToken"] = token  # type: ignore[index]
        page = handle_query(store, body)
        assert page["count"] == len(page["data"]) <= 5
        rows += page["data"]
        token = page.get("$skipToken")
        if not token:
            return rows


def test_rows_map_back_to_the_rest_documents(store: SnapshotStore) -> None:
    rows = _all(store, argshape.documents_in_subscriptions_query(argshape.ALERT_KINDS),
                managementGroups=[store.tenant_id])
    assert rows and all(r["type"] == r["type"].lower() for r in rows)  # Resource Graph lower-cases type
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    docs = [argshape.document_from_row(r) for r in rows]
    for doc in docs:
        assert doc == store.get(doc["id"])  # exactly the snapshot's document, casing and all


def test_hidden_subscriptions_and_scope(store: SnapshotStore) -> None:
    covered = {r["subscriptionId"] for r in _all(store, argshape.subscriptions_query(),
                                                 managementGroups=[store.tenant_id])}
    forbidden = {arm.subscription_id_of(e.scope) for e in store.errors
                 if e.scope.startswith("/subscriptions/") and e.operation != "diagnosticSettings"}
    diag_only = {arm.subscription_id_of(e.scope) for e in store.errors if e.operation == "diagnosticSettings"}
    # Left out: subscriptions with a recorded failure of a bulk read; kept: those whose only
    # failure is a per-subscription REST read (diagnostic settings).
    assert covered and forbidden and not covered & forbidden and diag_only <= covered
    groups_below = store.below(arm.norm_id(arm.management_group_id("corp")))[1]
    rows = _all(store, argshape.documents_in_subscriptions_query(argshape.ALERT_KINDS), managementGroups=["corp"])
    assert rows and {arm.subscription_scope(arm.subscription_id_of(r["id"]) or "") for r in rows} <= set(groups_below)


def test_filters_by_id_and_property(store: SnapshotStore) -> None:
    principal = next(arm.props(d)["principalId"] for d in store.by_kind[arm.ROLE_ASSIGNMENT]
                     if d["id"].startswith("/subscriptions/"))
    rows = _all(store, argshape.role_assignments_query([principal.upper()]))
    assert rows and all(arm.props(r)["principalId"] == principal for r in rows)
    assert all("location" not in argshape.document_from_row(r) for r in rows)
    ws = next(d["id"] for d in store.by_kind[arm.WORKSPACE])
    rows = _all(store, argshape.documents_by_id_query([arm.WORKSPACE], [ws.lower(), "/subscriptions/x/nothing"]))
    assert [r["id"] for r in rows] == [ws]


@pytest.mark.parametrize("query", [
    "resources | where name contains 'x' | project id",
    "resources | where type =~ 'microsoft.insights/actiongroups'",
    "resources | where type =~ 'microsoft.insights/actiongroups' | project id, secrets",
    "resources | where type =~ 'microsoft.insights/actiongroups' | project id | order by name asc",
    "securityresources | project id | order by type asc",
    "resources | project id | summarize count()",
])
def test_other_queries_are_refused(query: str) -> None:
    with pytest.raises(UnsupportedQuery):
        parse_query(query)


def test_table_format_and_bad_tokens_are_refused(store: SnapshotStore) -> None:
    q = argshape.subscriptions_query()
    with pytest.raises(UnsupportedQuery):
        handle_query(store, {"query": q, "options": {"resultFormat": "table"}})
    with pytest.raises(UnsupportedQuery):
        handle_query(store, {"query": q, "options": {"$skipToken": "not-a-token"}})
    with pytest.raises(UnsupportedQuery):
        handle_query(store, {"query": q, "options": {"$top": 5000}})


class _Placeholder:
    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        return AccessToken("placeholder", 2**31 - 1)


def test_sdk_client_gets_400_for_an_unsupported_query_and_rows_for_a_supported_one() -> None:
    with running_emulator(tenant(8)) as emu:
        client = ResourceGraphClient(_Placeholder(), base_url=emu.endpoint, connection_verify=emu.ca_cert,
                                     credential_scopes=[emu.endpoint + "/.default"])
        with pytest.raises(HttpResponseError) as info:
            client.resources(QueryRequest(query="resources | take 5"))
        assert info.value.status_code == 400 and "unsupported" in str(info.value.message).lower()
        answer = client.resources(QueryRequest(query=argshape.subscriptions_query(),
                                               options=QueryRequestOptions(result_format="objectArray", top=3)))
        assert answer.count == 3 and answer.skip_token and answer.total_records >= 7
        client.close()


def test_type_casing_round_trip() -> None:
    rest = {"id": "/subscriptions/s/resourceGroups/r/providers/microsoft.insights/activityLogAlerts/a",
            "type": "Microsoft.Insights/ActivityLogAlerts", "name": "a", "location": "Global",
            "properties": {"enabled": True}}
    row = argshape.row_from_document(rest, argshape.DOC_COLUMNS)
    assert row["type"] == "microsoft.insights/activitylogalerts" and row["tags"] is None
    assert argshape.document_from_row(row) == rest
    odd = {**rest, "type": "Microsoft.Insights/activityLogAlerts"}  # not the REST casing
    assert argshape.document_from_row(argshape.row_from_document(odd, argshape.DOC_COLUMNS)) == odd
    unknown = {"id": "/subscriptions/s/providers/Contoso.Widgets/widgets/w", "type": "contoso.widgets/widgets"}
    assert argshape.document_from_row(argshape.row_from_document(unknown, argshape.DOC_COLUMNS)) == unknown


def test_query_text_escapes_quotes() -> None:
    q = argshape.documents_by_id_query([arm.WORKSPACE], ["/subscriptions/s/x/o'brien"])
    parsed = parse_query(q)
    assert parsed.filters == [(None, {"/subscriptions/s/x/o'brien"})]
