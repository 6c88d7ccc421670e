"""The management-group hierarchy: paths from the root, unplaced subscriptions, nested children."""

from __future__ import annotations

from typing import Any

import builders as b

from auditor.azure import arm
from auditor.azure.hierarchy import Hierarchy, Subscription, build_hierarchy
from auditor.azure.snapshot import build_snapshot

A, B, C, D = (b.guid(f"hierarchy-{x}") for x in "abcd")
ORPHAN = b.guid("hierarchy-orphan")


def tree(*extra: dict[str, Any], root: str = "root") -> Hierarchy:
    """root -> {platform -> mgmt [A], landing -> {corp [B, C]}} plus A..C in /subscriptions."""
    docs = [
        b.management_group("root", "Root", parent=b.TENANT_ID, children=[
            b.child_group("platform", "Platform"), b.child_group("landing", "Landing Zones")]),
        b.management_group("platform", "Platform", parent="root", children=[b.child_group("mgmt", "Management")]),
        b.management_group("mgmt", "Management", parent="platform", children=[b.child_subscription(A, "Sub A")]),
        b.management_group("landing", "Landing Zones", parent="root", children=[b.child_group("corp", "Corp")]),
        b.management_group("corp", "Corp", parent="landing",
                           children=[b.child_subscription(B, "Sub B"), b.child_subscription(C, "Sub C")]),
        b.subscription(A, "Sub A"), b.subscription(B, "Sub B"), b.subscription(C, "Sub C"),
        *extra,
    ]
    return build_hierarchy(build_snapshot(b.snapshot(docs, root=root)))


def sub(h: Hierarchy, key: str) -> Subscription:
    found = h.subscription(key)
    assert found is not None, key
    return found


def names(ids: list[str]) -> list[str]:
    return [arm.last_segment(i) for i in ids]


def test_paths_run_from_root_to_parent() -> None:
    h = tree()
    assert names(sub(h, A).path) == ["root", "platform", "mgmt"]
    assert names(sub(h, B).path) == ["root", "landing", "corp"]
    assert sub(h, A).placed


def test_paths_are_arm_ids_in_display_form() -> None:
    path = sub(tree(), B).path
    assert path[0] == "/providers/Microsoft.Management/managementGroups/root"


def test_group_parents_and_children() -> None:
    h = tree()
    corp, landing = h.group(b.mg_id("corp")), h.group(b.mg_id("landing"))
    assert corp is not None and landing is not None and corp.display_name == "Corp"
    assert corp.parent_id is not None and arm.same_id(corp.parent_id, b.mg_id("landing"))
    assert sorted(corp.subscriptions) == sorted([f"/subscriptions/{B}", f"/subscriptions/{C}"])
    assert arm.norm_id(b.mg_id("corp")) in landing.children


def test_subscription_lookup_by_guid_or_id_any_casing() -> None:
    h = tree()
    assert h.subscription(B.upper()) is h.subscription(f"/subscriptions/{B}")
    assert h.subscription(f"subscriptions/{B}") is h.subscription(B)
    assert h.subscription(b.guid("nope")) is None


def test_unplaced_subscription_is_kept() -> None:
    h = tree(b.subscription(ORPHAN, "Orphan"))
    orphan = h.subscription(ORPHAN)
    assert orphan is not None
    assert not orphan.placed and orphan.path == []
    assert orphan.display_name == "Orphan"
    assert len(h.subscriptions) == 4


def test_subscription_only_in_the_tree_is_kept_with_its_tree_name() -> None:
    docs = [b.management_group("root", "Root", children=[b.child_subscription(D, "Only In Tree")])]
    h = build_hierarchy(build_snapshot(b.snapshot(docs, root="root")))
    only = sub(h, D)
    assert only.placed and only.display_name == "Only In Tree" and only.doc is None


def test_subscription_ids_differing_in_case_are_one_subscription() -> None:
    docs = [b.management_group("root", "Root", children=[b.child_subscription(D.upper(), "Upper")]),
            b.subscription(D, "Lower")]
    h = build_hierarchy(build_snapshot(b.snapshot(docs, root="root")))
    assert len(h.subscriptions) == 1
    assert sub(h, D).placed


def test_nested_children_from_recurse() -> None:
    docs = [
        b.management_group("root", "Root", children=[
            b.child_group("a", "A", children=[b.child_group("a1", "A1", children=[b.child_subscription(D, "Deep")])]),
        ]),
        b.subscription(D, "Deep"),
    ]
    h = build_hierarchy(build_snapshot(b.snapshot(docs, root="root")))
    assert names(sub(h, D).path) == ["root", "a", "a1"]


def test_group_known_only_through_its_parent_reference_is_linked() -> None:
    # The parent's document predates the child group: the link comes from details.parent alone.
    h = tree(b.management_group("sandbox", "Sandbox", parent="root", children=[b.child_subscription(D, "Sbx")]),
             b.subscription(D, "Sbx"))
    assert names(sub(h, D).path) == ["root", "sandbox"]


def test_groups_above_the_audited_root_are_left_out() -> None:
    h = tree(root="landing")
    assert h.group(b.mg_id("platform")) is None
    assert names(sub(h, B).path) == ["landing", "corp"]
    assert not sub(h, A).placed


def test_scope_chain_nearest_first() -> None:
    h = tree()
    ws = b.workspace_id(B, "rg", "law")
    chain = h.scope_chain(ws)
    assert chain[0] == arm.norm_id(ws)
    assert chain[1:] == [f"/subscriptions/{B}", arm.norm_id(b.mg_id("corp")), arm.norm_id(b.mg_id("landing")),
                         arm.norm_id(b.mg_id("root"))]
    assert h.scope_chain(b.mg_id("corp")) == [arm.norm_id(b.mg_id(g)) for g in ("corp", "landing", "root")]


def test_descendants_of_a_group() -> None:
    h = tree()
    assert sorted(s.guid for s in h.descendants(b.mg_id("landing"))) == sorted([B, C])
    assert sorted(s.guid for s in h.descendants(b.mg_id("root"))) == sorted([A, B, C])


def test_ordered_groups_are_depth_first_by_display_name() -> None:
    order = [g.name for g in tree().ordered_groups()]
    assert order == ["root", "landing", "corp", "platform", "mgmt"]


def test_parent_cycle_does_not_hang() -> None:
    docs = [
        b.management_group("root", "Root", children=[b.child_group("x", "X")]),
        b.management_group("x", "X", parent="y", children=[b.child_group("y", "Y")]),
        b.management_group("y", "Y", parent="x", children=[b.child_subscription(D, "Loop")]),
        b.subscription(D, "Loop"),
    ]
    h = build_hierarchy(build_snapshot(b.snapshot(docs, root="root")))
    assert h.subscription(D) is not None
    assert len(h.group_ancestors(b.mg_id("y"))) <= 3


def test_demo_tenant_shape() -> None:
    from pathlib import Path

    from auditor.azure.snapshot import load_snapshot

    h = build_hierarchy(load_snapshot(Path(__file__).resolve().parent.parent / "examples" / "demo-tenant.json"))
    assert len(h.subscriptions) == 19
    unplaced = [s.display_name for s in h.subscriptions.values() if not s.placed]
    assert unplaced == ["Fabrikam-Prod"]
    fabrikam = h.group(b.mg_id("fabrikam"))
    assert fabrikam is not None and fabrikam.display_name == "Fabrikam (acquired)"
    legacy = next(s for s in h.subscriptions.values() if s.display_name == "Contoso-Legacy-Classic")
    assert names(legacy.path) == [b.TENANT_ID]


def test_root_with_null_parent_reference() -> None:
    root = b.management_group("root", "Root", children=[b.child_subscription(D, "Top")])
    root["properties"]["details"]["parent"] = {"id": None, "name": None, "displayName": None}
    h = build_hierarchy(build_snapshot(b.snapshot([root, b.subscription(D, "Top")], root="root")))
    assert names(sub(h, D).path) == ["root"]
    top = h.group(b.mg_id("root"))
    assert top is not None and top.parent_id is None
