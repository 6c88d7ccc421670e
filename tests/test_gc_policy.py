"""The collector policy of a command run (auditor/commands/gc_policy.py): tuned while a command
runs, and put back afterwards, so a program that calls the CLI in-process keeps its settings."""

from __future__ import annotations

import gc
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import main
from auditor.commands.gc_policy import BATCH_THRESHOLDS, batch_run, keep_until_exit


def test_a_command_runs_with_the_batch_thresholds_and_restores_the_callers() -> None:
    before = gc.get_threshold()
    with batch_run():
        assert gc.get_threshold() == BATCH_THRESHOLDS
        kept = [object() for _ in range(10)]
        keep_until_exit()
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_cli_in_process_leaves_the_collector_as_it_found_it(tmp_path: Path) -> None:
    from test_report_fixtures import DEMO  # the demo snapshot

    before = gc.get_threshold()
    result = CliRunner().invoke(main, ["audit", "--snapshot", str(DEMO), "--out", str(tmp_path / "o"),
                                       "--format", "json", "--quiet"])
    assert result.exit_code in (0, 1, 3), result.output
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_the_policy_is_restored_after_a_usage_error() -> None:
    before = gc.get_threshold()
    result = CliRunner().invoke(main, ["audit", "--no-such-option"])
    assert result.exit_code == 2
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def _demo() -> Path:
    from test_report_fixtures import DEMO

    return Path(DEMO)


def test_a_caller_that_froze_objects_keeps_them_frozen(tmp_path: Path) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        args = ["audit", "--snapshot", str(_demo()), "--out", str(tmp_path / "o"), "--format", "json", "--quiet"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (0, 1, 3), result.output
        assert gc.get_freeze_count() == frozen  # nothing of ours frozen, nothing of the caller's unfrozen
    finally:
        gc.unfreeze()


def test_outside_a_command_keep_until_exit_freezes_nothing() -> None:
    keep_until_exit()
    assert gc.get_freeze_count() == 0
