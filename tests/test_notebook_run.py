"""The sample notebook runs top to bottom in a real kernel, and every result shows as HTML."""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat

NOTEBOOK = Path(__file__).parents[1] / "samples" / "notebooks" / "tour.ipynb"


def test_sample_notebook_runs_and_shows_html():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 7
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
        html = [o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
        assert html, f"no HTML for: {cell.source}"
        assert "object at 0x" not in html[0]
    top, flame, diff = code[1], code[4], code[5]
    assert "<table>" in top.outputs[0]["data"]["text/html"]
    assert flame.outputs[0]["data"]["text/html"].startswith("<svg")
    assert "Regressions" in diff.outputs[0]["data"]["text/html"]
