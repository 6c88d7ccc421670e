"""One module per command; each owns its options and delegates to a feature package."""

from __future__ import annotations

import click


def register_commands(group: click.Group) -> None:
    from auditor.commands import (
        audit,
        collect,
        diff,
        emulate,
        frameworks,
        policy,
        redact,
        remediate,
        role,
        rules,
        schema,
    )

    for cmd in (collect.collect, audit.audit, remediate.remediate, diff.diff, emulate.emulate,
                policy.policy, redact.redact, role.role, rules.rules, frameworks.frameworks, schema.schema):
        group.add_command(cmd)
