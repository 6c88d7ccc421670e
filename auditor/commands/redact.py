"""`auditor redact SNAPSHOT -o SHARED --map MAP`: a snapshot safe to hand to an outside party.

Secrets are removed (as by ``collect``), identities replaced by keyed pseudonyms; the way back
is written to MAP, readable by its owner only. ``auditor audit --unmap MAP`` renders a shared
snapshot's reports with the real names (docs/redaction.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from auditor.commands.common import handle_errors
from auditor.errors import InputError

EPILOG = """\b
The key: --key-file FILE, else $AUDITOR_REDACT_KEY, else the key stored in an existing MAP,
else a new random key stored in MAP. The same key gives the same pseudonyms (snapshots of
several quarters stay comparable); MAP is merged, never shared. Exit 2 on bad input."""


@click.command(short_help="Pseudonymise a snapshot for sharing; the map back stays with you.", epilog=EPILOG)
@click.argument("snapshot", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="SHARED",
              help="Pseudonymised snapshot to write (.gz for gzip): this is the file to share.")
@click.option("--map", "map_path", required=True, type=click.Path(dir_okay=False), metavar="MAP",
              help="Pseudonym map to write (mode 0600; merged when it exists): keep it, never share it.")
@click.option("--key-file", type=click.Path(dir_okay=False), default=None,
              help="Secret key for the pseudonyms (at least 16 bytes); default $AUDITOR_REDACT_KEY, "
                   "else the key in MAP, else a new one stored in MAP.")
@handle_errors
def redact(snapshot: str, output: str, map_path: str, key_file: str | None) -> None:
    """Pseudonymise SNAPSHOT into SHARED for pre-engagement sharing; write the map back to MAP.

    Tenant, subscriptions, management groups, resource names and ids, principals, e-mail
    addresses and display names become consistent keyed pseudonyms (GUIDs stay GUIDs, names stay
    names, ids stay well-formed); the structure, and therefore every verdict, is unchanged.
    """
    from auditor.azure.snapshot import build_snapshot, read_json_file
    from auditor.collect.output import write_snapshot
    from auditor.redact.mapfile import resolve_key, write_map
    from auditor.redact.pseudonyms import Pseudonymiser

    paths = {"SNAPSHOT": Path(snapshot), "-o": Path(output), "--map": Path(map_path)}
    _distinct(paths)
    raw, _ = read_json_file(snapshot, "snapshot")
    build_snapshot(raw, source=snapshot)  # refuse what audit would refuse, before anything is written
    pmap = resolve_key(key_file, Path(map_path))
    p = Pseudonymiser(pmap.key, pmap.entries)
    try:
        shared = p.snapshot(raw)
    except ValueError as e:  # a pseudonym collision: never silently merge two names
        raise InputError(f"cannot pseudonymise {snapshot}: {e}") from None
    pmap.entries = p.back
    write_map(pmap, Path(map_path))  # the way back first: a shared file without its map is useless
    write_snapshot(shared, output)
    click.echo(f"auditor redact: {output} ({len(p.back)} pseudonyms); map {map_path} (owner only, keep it)",
               err=True)


def _distinct(paths: dict[str, Path]) -> None:
    """Three different files, and writable folders for the two written (checked before any work)."""
    from auditor.outputs import check_output_file

    for opt in ("-o", "--map"):
        check_output_file(str(paths[opt]), opt)
    seen: dict[str, str] = {}
    for opt, path in paths.items():
        real = os.path.realpath(path)
        if real in seen:
            raise InputError(f"{opt} and {seen[real]} name the same file ({path})")
        seen[real] = opt
