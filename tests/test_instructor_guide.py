"""book/instructor_guide.md stays true: its code runs, its chapter list matches
the notebooks, and the commands and extras it names exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "book" / "instructor_guide.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)


def blocks(language):
    text = GUIDE.read_text(encoding="utf-8")
    return [body for lang, body in FENCE.findall(text) if lang == language]


def test_homework_code_runs(capsys):
    code = blocks("python")
    assert len(code) >= 2, "the homework ideas lost their starter code"
    namespace = {"__name__": "instructor_guide"}
    for body in code:  # in order, in one namespace, as a student pastes them
        exec(compile(body, str(GUIDE), "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    # idea 1 prints one line per label_bias, idea 2 one per sample size
    assert len(printed) == 6, printed
    gaps = namespace["audit"](2.0, 1.0)
    assert set(gaps) == {"DP", "DEO", "EOdds"} and all(0 <= g <= 1 for g in gaps.values())
    assert namespace["deo_spread"](250, repeats=5) > namespace["deo_spread"](4000, repeats=5)


def test_every_chapter_is_in_the_course_plans():
    text = GUIDE.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
        title = "".join(first["source"]).splitlines()[0].lstrip("# ").strip()
        number = int(path.name[:2])
        chapter_item = f"{number}. [{title}](../notebooks/{path.name})"
        # a later page of a chapter (a section in _toc.yml) is a sub-item of that chapter
        section_item = re.compile(
            rf"^{number}\. \[.*\n(   - .*\n)*"
            rf"   - \[{re.escape(title)}\]\(\.\./notebooks/{path.name}\)",
            re.M,
        )
        assert chapter_item in text or section_item.search(text), (
            f"{path.name}: chapter {number}, {title!r}, is missing from the list in "
            "'Course plans' of book/instructor_guide.md (as a link to its notebook)"
        )


def test_commands_and_extras_named_in_the_guide_exist():
    text = GUIDE.read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"`make (\w[\w-]*)`", text) + ["student"]:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"make {target}"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    for extra in re.findall(r"\.\[(\w+)\]", text):
        assert extra in extras, f"the guide names an extra that does not exist: {extra}"
    assert any(r.startswith("nbgrader") for r in extras["classroom"])
    assert (ROOT / "binder" / "postBuild").is_file()
    assert "instructor_guide" in (ROOT / "_toc.yml").read_text(encoding="utf-8")
