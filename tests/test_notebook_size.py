"""Chapter notebooks stay small enough to review: compact figures, a size bound.

Stored figures used to be 74 % of the notebooks' JSON (PNG at matplotlib's
100 dpi, base64-encoded), so a small library change re-rendered into diffs of
hundreds of kilobytes. ``notebooks/matplotlibrc`` sets 72 dpi for every chapter
with no per-notebook setting: matplotlib reads ``./matplotlibrc`` first, and
Jupyter, nbval, nbconvert and Jupyter Book run a chapter from ``notebooks/``.

The tests check the mechanism (a kernel started in ``notebooks/`` draws at
72 dpi), the resolution of every stored PNG (read from its ``pHYs`` chunk,
which matplotlib writes), and each notebook's size. The last two pass once the
chapters are re-executed (``make notebooks``) after a change of the settings.
"""

from __future__ import annotations

import base64
import io
import json
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]

#: The resolution notebooks/matplotlibrc sets for stored figures.
FIGURE_DPI = 72
#: Re-executed at 72 dpi, chapter 1 went from 94 to 81 kB and chapter 7 from
#: 184 to 137 kB (their PNGs shrank by 35-40 %). Scaling the others' PNGs the
#: same way, the largest, chapter 6 (470 kB at 100 dpi, 402 kB of it PNG),
#: comes to about 310 kB and chapter 2 (408 kB) to about 300 kB. The bound
#: leaves room for a few more figures, not for a return to 100 dpi.
MAX_NOTEBOOK_BYTES = 400_000
#: The image formats a chapter may store: compact PNG, or vector SVG.
ALLOWED_IMAGE_MIME = {"image/png", "image/svg+xml"}
METRES_PER_INCH = 0.0254


def png_dpi(png: bytes) -> float | None:
    """The horizontal resolution a PNG declares (its ``pHYs`` chunk), or None."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    offset = 8
    while offset + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        if kind == b"pHYs":
            per_unit_x, _, unit = struct.unpack(">IIB", png[offset + 8 : offset + 17])
            return per_unit_x * METRES_PER_INCH if unit == 1 else None
        if kind == b"IDAT":  # pHYs must come before the image data
            return None
        offset += 12 + length
    return None


def stored_images(path):
    """(cell index, mime type, data) of every image stored in a notebook."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            for mime, data in output.get("data", {}).items():
                if mime.startswith("image/"):
                    yield index, mime, "".join(data) if isinstance(data, list) else data


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_stays_under_the_size_bound(path):
    size = path.stat().st_size
    assert size <= MAX_NOTEBOOK_BYTES, (
        f"{path.name} is {size / 1000:.0f} kB, over {MAX_NOTEBOOK_BYTES / 1000:.0f} kB: "
        "re-run it from notebooks/ (make notebooks) so its figures use notebooks/matplotlibrc, "
        "or split the chapter"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_figures_are_compact(path):
    problems = []
    for index, mime, data in stored_images(path):
        if mime not in ALLOWED_IMAGE_MIME:
            problems.append(f"cell {index}: {mime} (store PNG or SVG)")
        elif mime == "image/png":
            dpi = png_dpi(base64.b64decode(data))
            if dpi is None or dpi > FIGURE_DPI + 0.5:
                problems.append(f"cell {index}: PNG at {dpi and round(dpi)} dpi")
    assert not problems, (
        f"{path.name}: figures not at {FIGURE_DPI} dpi; re-run the chapter from notebooks/ "
        "(make notebooks), which reads notebooks/matplotlibrc:\n" + "\n".join(problems)
    )


def test_the_chapters_store_figures():
    # Guard against test_stored_figures_are_compact passing on no figure at all.
    assert any(mime == "image/png" for p in NOTEBOOKS for _, mime, _ in stored_images(p))


def test_png_dpi_reads_what_matplotlib_writes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(2, 1), dpi=100)
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    finally:
        plt.close(figure)
    assert png_dpi(buffer.getvalue()) == pytest.approx(100, abs=0.01)
    with pytest.raises(ValueError):
        png_dpi(b"GIF89a")


def test_a_kernel_started_in_notebooks_draws_compact_figures():
    """The mechanism itself: the inline backend of a kernel whose working
    directory is notebooks/ (as under Jupyter, nbval, nbconvert and Jupyter
    Book) stores PNG at FIGURE_DPI, with no setting in the notebook."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0], 'o-')\nplt.show()"
        )
    )
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    ).execute()
    pngs = [
        base64.b64decode(output["data"]["image/png"])
        for output in notebook.cells[0].outputs
        if "image/png" in output.get("data", {})
    ]
    assert len(pngs) == 1, notebook.cells[0].outputs
    assert png_dpi(pngs[0]) == pytest.approx(FIGURE_DPI, abs=0.5)
