"""--source-maps on real profiles of a TypeScript program (tsc, esbuild bundles)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

import flamekit
from flamekit.cli import cli
from flamekit.model import FrameKind
from tests.conftest import run_cli, sample
from tests.node_tools import node_modules, reference
from tests.v8_reference import sample_durations_us

HERE = sample("sourcemaps")
APP = HERE / "workloads" / "tsapp"
RECORDED = "file:///srv/app/tsapp/"  # where the samples were recorded
BUILDS = {"tsc": "dist", "bundle": "bundle", "inline": "inline"}
ESBUILD = ["--bundle", "--minify", "--platform=node", "--target=node20"]
BROWSER = ["--bundle", "--minify", "--platform=browser", "--target=es2022"]
ORIGINAL_NAMES = {"sortHeavy", "compareRows", "parseRecords", "makeText", "runRound", "checksum"}


def run(*args: str | Path):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result


def top_json(*args: str | Path) -> dict:
    return json.loads(run("top", "--format", "json", "-n", "0", *args).stdout)


def by_file_line(doc: dict) -> dict[tuple, int]:
    out: dict[tuple, int] = defaultdict(int)
    for row in doc["functions"]:
        out[(row["file"], row["line"])] += row["self"]
    return out


def moved(tmp_path: Path, profile: str, to: str) -> Path:
    """The sample profile with its script URLs moved from where it was recorded to ``to``."""
    text = (HERE / f"{profile}.cpuprofile").read_text()
    assert RECORDED in text
    out = tmp_path / f"{profile}.cpuprofile"
    out.write_text(text.replace(RECORDED, to))
    return out


def reference_self(profile: Path, *dirs: Path) -> tuple[dict[tuple, float], float]:
    """Self time (ns) per original (file, line): every callFrame mapped by trace-mapping, the
    times from the plain-Python V8 reference."""
    mapped = reference("frames", profile, *dirs)
    doc = json.loads(profile.read_text())
    frame_of = {n["id"]: n["callFrame"] for n in doc["nodes"]}
    out: dict[tuple, float] = defaultdict(float)
    total = 0.0
    for node, _start, duration in sample_durations_us(doc):
        where = mapped[str(node)]
        frame = frame_of[node]
        if where is not None:
            key = (where["source"], where["line"])
        else:  # unmapped: as generated (no file for scriptless frames, no line when V8 has none)
            line = frame["lineNumber"] + 1 if frame["lineNumber"] >= 0 else None
            key = (frame["url"] or None, line)
        out[key] += duration * 1000
        total += duration * 1000
    return out, total


def assert_matches_reference(ours: dict[tuple, int], ref: dict[tuple, float], total: float):
    assert total > 0
    for key in set(ours) | set(ref):
        assert abs(ours.get(key, 0) - ref.get(key, 0)) <= 0.001 * total, key
    assert any(str(file).endswith(".ts") for file, _ in ref)


@pytest.mark.parametrize("profile", sorted(BUILDS))
def test_top_matches_trace_mapping_with_map_dir(profile):
    folder = APP / BUILDS[profile]
    ours = top_json(HERE / f"{profile}.cpuprofile", "--source-map-dir", folder)
    ref, total = reference_self(HERE / f"{profile}.cpuprofile", folder)
    assert ours["total"] == pytest.approx(total, rel=1e-9)
    assert_matches_reference(by_file_line(ours), ref, total)


@pytest.mark.parametrize("profile", sorted(BUILDS))
def test_top_matches_trace_mapping_as_the_runtime_finds_maps(tmp_path, profile):
    """Scripts that exist where the profile says: their sourceMappingURL comments are followed."""
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    path = moved(tmp_path, profile, app.as_uri() + "/")
    ours = top_json(path, "--source-maps")
    ref, total = reference_self(path)
    assert_matches_reference(by_file_line(ours), ref, total)
    files = {row["file"] for row in ours["functions"]}
    assert (app / "src" / "sort.ts").as_uri() in files


def test_scripts_named_by_paths_map_to_paths(tmp_path):
    """Profiles of old Node name scripts by path: the original files are paths too."""
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    path = moved(tmp_path, "tsc", str(app) + "/")
    rows = {r["name"]: r for r in top_json(path, "--source-maps")["functions"]}
    assert rows["sortHeavy"]["file"] == str(app / "src" / "sort.ts")
    assert rows["checksum"]["file"] == str(app / "node_modules" / "tiny-checksum" / "index.js")


def test_a_map_on_a_web_server_is_named_in_a_warning(tmp_path):
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    script = app / "dist" / "sort.js"
    script.write_text(
        script.read_text().replace(
            "sourceMappingURL=sort.js.map", "sourceMappingURL=https://cdn.example/sort.js.map"
        )
    )
    path = moved(tmp_path, "tsc", app.as_uri() + "/")
    result = run("top", path, "--source-maps", "--format", "json", "-n", "0")
    assert "source map https://cdn.example/sort.js.map: is not a local file" in result.stderr
    rows = {r["name"]: r for r in json.loads(result.stdout)["functions"]}
    assert rows["sortHeavy"]["file"] == script.as_uri()  # as generated


@pytest.mark.parametrize("profile", ["bundle", "inline"])
def test_minified_profiles_show_original_names(profile):
    plain = {row["name"] for row in top_json(HERE / f"{profile}.cpuprofile")["functions"]}
    assert not ORIGINAL_NAMES & plain  # minified: p, c, b, T, ...
    doc = top_json(HERE / f"{profile}.cpuprofile", "--source-map-dir", APP / BUILDS[profile])
    rows = {row["name"]: row for row in doc["functions"]}
    assert rows.keys() >= ORIGINAL_NAMES
    assert rows["sortHeavy"]["file"] == RECORDED + "src/sort.ts"
    assert rows["sortHeavy"]["line"] == 7
    assert rows["checksum"]["file"] == RECORDED + "node_modules/tiny-checksum/index.js"
    # names at a function's own position are its parameters': never taken
    assert not rows.keys() & {"row", "rows", "count", "text", "round"}


def test_anonymous_functions_stay_anonymous():
    """The arrow function `(row) => row.label` (main.ts:10), where the map names `row`."""
    doc = top_json(HERE / "bundle.cpuprofile", "--source-map-dir", APP / "bundle")
    assert any(
        r["name"] == "(anonymous)" and r["file"] == RECORDED + "src/main.ts" and r["line"] == 10
        for r in doc["functions"]
    )


def test_the_same_function_is_one_function_in_every_build():
    """The tsc and the bundled build map sortHeavy to the same original file and line."""
    where = {}
    for profile, folder in BUILDS.items():
        doc = top_json(HERE / f"{profile}.cpuprofile", "--source-map-dir", APP / folder)
        hot = [r for r in doc["functions"] if r["name"] == "sortHeavy"]
        assert len(hot) == 1  # one function, not one per generated frame
        where[profile] = (hot[0]["file"], hot[0]["line"])
    assert len(set(where.values())) == 1


def test_kinds_follow_the_original_file():
    profile = flamekit.load(
        str(HERE / "bundle.cpuprofile"), source_maps=True, source_map_dir=[str(APP / "bundle")]
    )
    strings = profile.strings
    kinds = {}
    for i in range(len(profile.frames)):
        kinds[strings[profile.frames.name[i]]] = FrameKind(profile.frames.kind[i])
    assert kinds["checksum"] == FrameKind.DEPENDENCY  # bundled from node_modules
    assert kinds["sortHeavy"] == FrameKind.USER
    package = top_json(
        HERE / "bundle.cpuprofile", "--source-map-dir", APP / "bundle", "--by", "package"
    )
    assert any("tiny-checksum" in str(row["name"]) for row in package["functions"])


def test_moved_profile_maps_with_source_map_dir(tmp_path):
    path = moved(tmp_path, "tsc", "file:///nowhere/build/")
    result = run("top", path, "--source-maps", "-n", "3")
    assert "sortHeavy (/nowhere/build/dist/sort.js" in result.stdout
    assert "source maps: 0 of" in result.stderr
    doc = top_json(path, "--source-map-dir", APP / "dist")
    rows = {row["name"]: row for row in doc["functions"]}
    assert rows["sortHeavy"]["file"] == "file:///nowhere/build/src/sort.ts"
    ref, total = reference_self(path, APP / "dist")
    assert_matches_reference(by_file_line(doc), ref, total)


def test_summary_line_counts_frames_and_maps():
    result = run("top", HERE / "tsc.cpuprofile", "--source-map-dir", APP / "dist")
    assert "flamekit: source maps: 8 of 10 script frames mapped from 3 maps" in result.stderr
    assert "warning" not in result.stderr


def test_without_source_maps_nothing_changes():
    for profile in BUILDS:
        plain = run("top", "--format", "json", "-n", "0", HERE / f"{profile}.cpuprofile")
        assert "source maps" not in plain.stderr
        assert all("/src/" not in str(r["file"]) for r in json.loads(plain.stdout)["functions"])
    other = sample("cpuprofile", "cpu.cpuprofile")  # scripts without maps: mapping changes nothing
    assert top_json(other, "--source-maps") == top_json(other)


def test_source_maps_on_other_formats_say_there_is_nothing_to_map():
    folded = sample("folded", "deep.folded")
    result = run("top", "--format", "json", "-n", "0", folded, "--source-maps")
    assert "no script frames to map" in result.stderr
    assert json.loads(result.stdout) == top_json(folded)


BROKEN = {
    "bad-json": ("{not json", "not valid JSON"),
    "bad-vlq": ('{"version":3,"sources":["a.ts"],"names":[],"mappings":"AAAA,!!"}', "base64"),
    "bad-source": (
        '{"version":3,"sources":["a.ts"],"names":[],"mappings":"AAAA;AKAA"}',
        "names source 5",
    ),
}


@pytest.mark.parametrize("case", [*BROKEN, "missing-map"])
def test_broken_maps_warn_once_and_leave_frames_alone(tmp_path, case):
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    if case == "missing-map":
        (app / "dist" / "sort.js.map").unlink()
        why = "missing"
    else:
        text, why = BROKEN[case]
        (app / "dist" / "sort.js.map").write_text(text)
    both = [moved(tmp_path, "tsc", app.as_uri() + "/")]
    both.append(both[0].with_name("again.cpuprofile"))
    shutil.copy(both[0], both[1])
    result = run("top", "--format", "json", "-n", "0", *both, "--source-maps")
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1, result.stderr  # once, though two inputs use the map
    assert "sort.js.map" in warnings[0] and why in warnings[0]
    assert "1 could not be used" in result.stderr
    rows = {r["name"]: r for r in json.loads(result.stdout)["functions"]}
    assert rows["sortHeavy"]["file"] == (app / "dist" / "sort.js").as_uri()  # as generated
    assert (rows["sortHeavy"]["line"], rows["sortHeavy"]["column"]) == (5, 19)
    assert rows["parseRecords"]["file"] == (app / "src" / "parse.ts").as_uri()  # others map


def test_line_ticks_map_to_original_lines():
    doc = json.loads(
        run(
            "top",
            "--by",
            "line",
            "--format",
            "json",
            "-n",
            "0",
            HERE / "tsc.cpuprofile",
            "--source-map-dir",
            APP / "dist",
        ).stdout
    )
    functions = top_json(HERE / "tsc.cpuprofile", "--source-map-dir", APP / "dist")
    sort_self = next(r["self"] for r in functions["functions"] if r["name"] == "sortHeavy")
    rows = [r for r in doc["lines"] if r["name"] == "sortHeavy"]
    assert sum(r["self"] for r in rows) == pytest.approx(sort_self, abs=len(rows))  # rounding
    assert all(r["file"].endswith("src/sort.ts") for r in rows)
    # the insertion sort's inner loop (sort.ts 12-14) and the inlined compareRows (22-25)
    hot = {r["line"] for r in rows if r["self"] > 0.05 * sort_self}
    assert hot and hot <= {12, 13, 14, 22, 23, 24, 25}
    assert rows[0]["function_line"] == 7


COMMANDS = [
    ("hotpaths", "{p}"),
    ("calls", "{p}", "sort|^p$"),
    ("convert", "{p}", "--to", "folded", "-o", "-"),
    ("blocks", "{p}", "--format", "json", "--threshold", "1ms"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_every_command_sees_original_code(command):
    args = [HERE / "bundle.cpuprofile" if a == "{p}" else a for a in command]
    plain = run(*args)
    assert "sortHeavy" not in plain.stdout
    mapped = run(*args, "--source-map-dir", APP / "bundle")
    assert "sortHeavy" in mapped.stdout


def test_flame_and_diff_see_original_code(tmp_path):
    svg = tmp_path / "flame.svg"
    run("flame", HERE / "inline.cpuprofile", "--source-map-dir", APP / "inline", "-o", svg)
    assert "sortHeavy" in svg.read_text()
    # tsc build against the bundle: one function each side once both are mapped
    result = run(
        "diff",
        HERE / "tsc.cpuprofile",
        HERE / "bundle.cpuprofile",
        "--format",
        "json",
        "--source-map-dir",
        APP / "dist",
        "--source-map-dir",
        APP / "bundle",
    )
    names = {(f["name"], f["file"]) for f in json.loads(result.stdout)["functions"]}
    assert ("sortHeavy", "/srv/app/tsapp/src/sort.ts") in names
    assert not any(name == "p" for name, _ in names)


def _generated(folder: str, names: list[str]) -> set[str]:
    """What the compilers write (left out of the copy they rebuild)."""
    if Path(folder) == APP:
        return {"dist", "bundle", "inline"} & set(names)
    return {n for n in names if n.startswith("app.min.js")} if Path(folder).name == "web" else set()


@pytest.mark.parametrize(
    ("build", "command"),
    [
        ("dist", ["typescript", "tsc", "-p", "."]),
        ("bundle", ["esbuild", "esbuild", "src/main.ts", *ESBUILD, "--sourcemap"]),
        ("inline", ["esbuild", "esbuild", "src/main.ts", *ESBUILD, "--sourcemap=inline"]),
        ("web", ["esbuild", "esbuild", "src/browser.ts", *BROWSER, "--sourcemap"]),
    ],
)
def test_committed_builds_are_what_the_compilers_make(tmp_path, build, command):
    """The generated scripts and maps of the samples, rebuilt from the TypeScript sources."""
    package, program, *args = command
    modules = node_modules(package)
    app = tmp_path / "tsapp"
    shutil.copytree(APP, app, ignore=_generated)
    out = ["--outfile=" + f"{build}/app.min.js"] if build != "dist" else []
    done = subprocess.run(
        [str(modules / ".bin" / program), *args, *out],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    made = sorted(p.relative_to(app) for p in (app / build).rglob("*") if p.name != "page.html")
    assert made == sorted(
        p.relative_to(APP) for p in (APP / build).rglob("*") if p.name != "page.html"
    )
    for rel in made:
        assert (app / rel).read_bytes() == (APP / rel).read_bytes(), rel


def reference_from_generated(
    tmp_path: Path, profile: Path, *dirs: Path
) -> tuple[dict[tuple, float], float]:
    """Self time per original (file, line) from flamekit's unmapped functions, each function's
    generated position mapped by trace-mapping (for formats the reference script cannot read)."""
    plain = top_json(profile)
    rows = plain["functions"]
    nodes = [
        {
            "id": k,
            "callFrame": {
                "functionName": row["name"],
                "url": row["file"] or "",
                "lineNumber": (row["line"] or 0) - 1,
                "columnNumber": (row["column"] or 0) - 1,
            },
        }
        for k, row in enumerate(rows)
    ]
    frames = tmp_path / "frames.cpuprofile"
    frames.write_text(json.dumps({"nodes": nodes}))
    mapped = reference("frames", frames, *dirs)
    out: dict[tuple, float] = defaultdict(float)
    for k, row in enumerate(rows):
        where = mapped[str(k)]
        key = (where["source"], where["line"]) if where else (row["file"], row["line"])
        out[key] += row["self"]
    return out, plain["total"]


def test_chrome_trace_of_a_page_maps_http_scripts_with_source_map_dir(tmp_path):
    trace = HERE / "page.trace.json"
    plain = {r["name"] for r in top_json(trace)["functions"]}
    assert not {"sortHeavy", "pageRound"} & plain
    doc = top_json(trace, "--source-map-dir", APP / "web")
    rows = {r["name"]: r for r in doc["functions"]}
    assert rows["pageRound"]["file"] == "http://127.0.0.1:8765/src/browser.ts"
    assert rows["checksum"]["file"] == "http://127.0.0.1:8765/node_modules/tiny-checksum/index.js"
    ref, total = reference_from_generated(tmp_path, trace, APP / "web")
    assert_matches_reference(by_file_line(doc), ref, total)


def test_page_profile_matches_trace_mapping():
    """The page's own Profiler.stop profile from the same run: http scripts, reference direct."""
    profile = HERE / "page.cpuprofile"
    ours = top_json(profile, "--source-map-dir", APP / "web")
    ref, total = reference_self(profile, APP / "web")
    assert_matches_reference(by_file_line(ours), ref, total)
    no_dir = run("top", profile, "--source-maps")  # http scripts: only a directory finds maps
    assert "source maps: 0 of" in no_dir.stderr


def test_trace_sample_positions_map_to_original_lines(tmp_path):
    """A Chrome trace gives each sample's line and column: minified code, one line, still maps
    to the original lines, as trace-mapping maps each sample's position."""
    events = json.loads((HERE / "page.trace.json").read_text())["traceEvents"]
    frames, positions = {}, []
    for event in events:  # the profile flamekit keeps (0x1 overlaps it and is left out)
        if event.get("name") != "ProfileChunk" or event.get("id") != "0x2":
            continue
        data = event["args"]["data"]
        cpu = data.get("cpuProfile", {})
        for node in cpu.get("nodes", []):
            frames[node["id"]] = node["callFrame"]
        lines, columns = data.get("lines"), data.get("columns")
        for k, node in enumerate(cpu.get("samples", []) if lines and columns else []):
            positions.append((node, lines[k], columns[k]))
    script = "http://127.0.0.1:8765/app.min.js"
    ours_fn = {n for n, f in frames.items() if f.get("url") == script}
    queries = [[frames[n]["lineNumber"] + 1, frames[n]["columnNumber"]] for n in sorted(ours_fn)]
    samples = [(n, line, col) for n, line, col in positions if n in ours_fn and line and col]
    queries += [[line, col - 1] for _, line, col in samples]  # columns are 1-based
    query_file = tmp_path / "queries.json"
    query_file.write_text(json.dumps(queries))
    found = reference("lookup", APP / "web" / "app.min.js.map", script + ".map", query_file)
    function_source = dict(zip(sorted(ours_fn), (f and f[0] for f in found), strict=False))
    expected = set()
    for (node, _line, _col), where in zip(samples, found[len(ours_fn) :], strict=True):
        if where and where[0] == function_source[node]:
            expected.add((where[0], where[1]))
    doc = json.loads(
        run(
            "top", "--by", "line", "--format", "json", "-n", "0", HERE / "page.trace.json",
            "--source-map-dir", APP / "web",
        ).stdout
    )  # fmt: skip
    ours = {
        (r["file"], r["line"])
        for r in doc["lines"]
        if r["self"] > 0 and r["line"] and str(r["file"]).startswith("http://127.0.0.1:8765/")
    }
    assert len(expected) > 10
    assert ours == expected


def test_a_missing_source_map_dir_is_a_usage_error(tmp_path):
    """The one-line error of a user's mistake, as the shell shows it."""
    result = run_cli("top", HERE / "tsc.cpuprofile", "--source-map-dir", tmp_path / "no")
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"flamekit: error: --source-map-dir {tmp_path / 'no'}: no such directory "
        "(give a directory holding the scripts or their .map files)"
    ]
    assert not result.stdout


def test_each_map_is_read_and_decoded_once(monkeypatch, tmp_path):
    """Two inputs of one command that use the same maps: each map parsed once."""
    from flamekit.sourcemaps import SourceMaps, apply

    calls: list[str] = []
    real = apply.parse

    def counting(doc, map_url):
        calls.append(map_url)
        return real(doc, map_url)

    monkeypatch.setattr(apply, "parse", counting)
    again = tmp_path / "again.cpuprofile"
    shutil.copy(HERE / "tsc.cpuprofile", again)
    maps = SourceMaps(dirs=(str(APP / "dist"),))
    profile = flamekit.load([str(HERE / "tsc.cpuprofile"), str(again)], source_maps=maps)
    assert sorted(calls) == sorted(RECORDED + f"dist/{n}.js.map" for n in ("main", "parse", "sort"))
    assert maps.summary() == "source maps: 16 of 20 script frames mapped from 3 maps"
    names = {profile.strings[i] for i in profile.frames.name.tolist()}
    assert "sortHeavy" in names
