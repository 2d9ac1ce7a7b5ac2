"""--group-by auto (the blocks command's default): bubbles per entry, unless one entry holds
most of the blocked time, then per hottest function; an explicit choice is kept."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from click.testing import CliRunner

import flamekit
from flamekit.analyze.blocks import DOMINANT_SHARE, find_blocks
from flamekit.cli import cli

SAMPLES = Path(__file__).parents[1] / "samples"
SHARED = SAMPLES / "blocks" / "blocks.cpuprofile"  # no entry holds most of the time
ONE_ENTRY = SAMPLES / "cpuprofile" / "anon-loop.cpuprofile"  # every block enters at tick


def _entry_shares(report) -> list[float]:
    by_entry = Counter()
    for b in report.blocks:
        by_entry[b.entry_function] += b.duration_ns
    blocked = sum(by_entry.values())
    return sorted((v / blocked for v in by_entry.values()), reverse=True)


def _keys(report) -> list[tuple[int, tuple[int, ...]]]:
    return [(g.key, g.blocks) for g in report.groups]


def test_auto_keeps_entries_when_none_dominates():
    profile = flamekit.load(str(SHARED))
    auto = find_blocks(profile, group_by="auto")
    assert _entry_shares(auto)[0] <= DOMINANT_SHARE
    entry = find_blocks(profile, group_by="entry")
    assert auto.group_by == "entry"
    assert _keys(auto) == _keys(entry)
    assert auto.notes == entry.notes


def test_auto_groups_by_hottest_function_when_one_entry_dominates():
    profile = flamekit.load(str(ONE_ENTRY))
    auto = find_blocks(profile, group_by="auto")
    assert _entry_shares(auto)[0] > DOMINANT_SHARE
    hot = find_blocks(profile, group_by="hot")
    assert auto.group_by == "hot"
    assert _keys(auto) == _keys(hot)
    assert len(auto.groups) >= 3  # bubbles that tell sortAll, mapAll ... apart
    entry = find_blocks(profile, group_by="entry")
    assert len(entry.groups) < len(auto.groups)
    assert any("holds" in note and "hottest function" in note for note in auto.notes)


def test_cli_default_is_auto_and_an_explicit_entry_is_kept():
    runner = CliRunner()
    default = runner.invoke(cli, ["blocks", str(ONE_ENTRY)])
    assert default.exit_code == 0, default.output
    assert "the bubbles are by hottest function" in " ".join(default.output.split())
    chosen = runner.invoke(cli, ["blocks", str(ONE_ENTRY), "--group-by", "entry", "-o", "-"])
    assert chosen.exit_code == 0, chosen.output
    assert "bubbles are by hottest function" not in " ".join(chosen.output.split())
    shared = runner.invoke(cli, ["blocks", str(SHARED)])
    assert shared.exit_code == 0
    assert "bubbles are by hottest function" not in " ".join(shared.output.split())
