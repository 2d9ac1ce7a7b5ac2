"""Many inputs: quoted globs, folders, @lists expand to paths for every command."""

from __future__ import annotations

import json
import shutil

import pytest

from flamekit.errors import InputError
from flamekit.inputs import expand_inputs

from .conftest import run_cli, sample


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "deep").mkdir()
    for rel in ("a/2.folded", "a/1.folded", "a/deep/3.folded", "a/.hidden.folded", "b.folded"):
        (tmp_path / rel).write_text("main;work 1\n")
    return tmp_path


def test_folders_are_walked_sorted_without_hidden_files(tree):
    got = expand_inputs([str(tree / "a")])
    assert got == [str(tree / "a" / n) for n in ("1.folded", "2.folded", "deep/3.folded")]


def test_globs_and_recursive_globs_expand_sorted(tree):
    assert expand_inputs([str(tree / "a" / "*.folded")]) == [
        str(tree / "a" / "1.folded"),
        str(tree / "a" / "2.folded"),
    ]
    deep = expand_inputs([str(tree / "**" / "*.folded")])
    assert str(tree / "a" / "deep" / "3.folded") in deep and str(tree / "b.folded") in deep
    assert len(deep) == 4


def test_lists_name_paths_and_patterns_and_nest(tree):
    inner = tree / "inner.txt"
    inner.write_text(f"{tree / 'b.folded'}\n")
    outer = tree / "list.txt"
    outer.write_text(f"# runs\n\n{tree / 'a' / '*.folded'}\n@{inner}\n")
    assert expand_inputs([f"@{outer}", "-"]) == [
        str(tree / "a" / "1.folded"),
        str(tree / "a" / "2.folded"),
        str(tree / "b.folded"),
        "-",
    ]


@pytest.mark.parametrize(
    ("arg", "message"),
    [("nothing/*.folded", "matches no file"), ("@missing.txt", "cannot read the list")],
)
def test_bad_patterns_and_lists_are_input_errors(tmp_path, monkeypatch, arg, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=message):
        expand_inputs([arg])


def test_a_plain_missing_file_is_left_for_the_reader(tmp_path):
    assert expand_inputs([str(tmp_path / "gone.folded")]) == [str(tmp_path / "gone.folded")]


def test_commands_read_a_folder_like_the_files_in_it(tmp_path):
    folder = tmp_path / "runs"
    shutil.copytree(sample("cpuprofile", "workers"), folder)
    files = sorted(str(p) for p in folder.iterdir())
    by_folder = run_cli("top", folder, "--format", "json")
    by_files = run_cli("top", *files, "--format", "json")
    assert by_folder.returncode == 0, by_folder.stderr
    assert json.loads(by_folder.stdout) == json.loads(by_files.stdout)
    listing = tmp_path / "runs.txt"
    listing.write_text("\n".join(files) + "\n")
    by_list = run_cli("top", f"@{listing}", "--format", "json")
    assert json.loads(by_list.stdout) == json.loads(by_files.stdout)


def test_a_pattern_that_matches_nothing_is_one_line_and_exit_2(tmp_path):
    result = run_cli("info", str(tmp_path / "*.cpuprofile"))
    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        f"flamekit: error: {tmp_path}/*.cpuprofile: matches no file "
        "(check the pattern, or quote it)"
    )
