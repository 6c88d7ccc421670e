"""`auditor role`: the least-privilege custom role for `collect`, as JSON (docs/cli.md)."""

from __future__ import annotations

import json

import click

from auditor.commands.common import handle_errors
from auditor.errors import InputError


@click.command(short_help="Print the custom read-only role holding exactly what collect needs (JSON).")
@click.option("--management-group", "management_group", required=True, metavar="ID",
              help="The management group the role is assignable at (the one collect audits; the tenant root "
                   "group's ID is the tenant ID).")
@click.option("--verify-delivery", is_flag=True, help="Add what 'collect --verify-delivery' reads.")
@handle_errors
def role(management_group: str, verify_delivery: bool) -> None:
    """Print a custom role definition (az role definition create --role-definition FILE) holding
    exactly the actions 'auditor collect' reads with; SECURITY.md lists the same actions."""
    from auditor.collect.permissions import DATA_ACTION_NOTE, role_definition

    name = management_group.strip()
    if not name or "/" in name or any(ord(c) < 32 for c in name):
        raise InputError(f"--management-group: '{management_group}' is not a management group ID "
                         "(the name, not the full /providers/... path)")
    click.echo(json.dumps(role_definition(name, verify_delivery=verify_delivery), indent=2))
    if verify_delivery:
        click.echo(f"auditor: note: {DATA_ACTION_NOTE}", err=True)
