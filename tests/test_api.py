"""The Python API: flamekit.load, Profile methods, module functions, dicts, notebook HTML."""

from __future__ import annotations

import builtins

import orjson

import flamekit
from flamekit import transforms
from flamekit.builder import ProfileBuilder

from .conftest import ROOT
from .reference import folded

RECURSION = str(ROOT / "tests/data/recursion.folded")


def test_methods_chain_and_match_functions():
    p = flamekit.load(RECURSION)
    chained = p.exclude("^nothing$").focus("^b$").hide("^a$")
    direct = transforms.hide(transforms.focus(p, "^b$"), "^a$")
    assert folded(chained) == folded(direct) == {"main;b": 6}
    assert folded(p.transform(focus="^b$", hide=("^a$",))) == {"main;b": 6}
    assert [s.to_dict() for s in p.top(2)] == [
        {
            "name": "a",
            "file": None,
            "line": None,
            "column": None,
            "label": "a",
            "self": 6,
            "total": 7,
        },
        {
            "name": "b",
            "file": None,
            "line": None,
            "column": None,
            "label": "b",
            "self": 4,
            "total": 6,
        },
    ]
    assert flamekit.top(p, 1) == p.top(1)
    assert p.invert().top(1, by="file")[0].name == "main"


def test_results_convert_to_plain_dicts():
    p = flamekit.load(RECURSION)
    for result in (
        flamekit.hot_paths(p, 3),
        flamekit.critical_path(p),
        flamekit.calls(p, "^a$"),
        p.hot_paths(),
        p.critical_path(0.2),
        p.calls("b"),
    ):
        doc = result.to_dict()
        assert orjson.loads(orjson.dumps(doc)) == doc
    assert flamekit.calls(p, "^a$").to_dict()["total"] == 7
    assert [f["name"] for f in p.critical_path(0.6).to_dict()["frames"]] == ["main", "a"]


def hostile_profile():
    b = ProfileBuilder("test", name="<b>name</b>")
    evil = "<script>alert(1)</script>"
    b.sample(b.stack_path([b.frame("main"), b.frame(evil)]), 3)
    return b.build()


def test_repr_html_escapes_names():
    html = hostile_profile()._repr_html_()
    assert "<script>alert(1)</script>" not in html
    assert "<b>name</b>" not in html


def test_repr_html_falls_back_to_a_summary_table(monkeypatch):
    real_import = builtins.__import__

    def no_flame(name, globals=None, locals=None, fromlist=(), level=0):
        if name.endswith("render.flame") or (level and name == "render.flame"):
            raise ImportError(name)
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_flame)
    html = hostile_profile()._repr_html_()
    assert "<table>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
