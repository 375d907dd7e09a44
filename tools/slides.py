"""Write a reveal.js slide deck for each chapter notebook, with no network.

Usage (from the repository root)::

    python tools/slides.py                      # every chapter into _build/slides/
    python tools/slides.py --out DIR a.ipynb ...

The slides are selected from the chapter's own cells by a rule, so a change
to a chapter changes its slides at the next build:

- the title, with the first paragraph of the title cell, and the learning
  goals;
- every section heading (``##`` starts a slide, ``###`` a sub-slide), with
  the first paragraph under it when that is short (its first sentence
  otherwise);
- every definition, theorem, proposition, lemma, corollary, algorithm and
  exercise statement, each on a sub-slide titled by its kind and name (MyST
  colon-fence or backtick directives become plain Markdown: a heading, the
  body; roles such as ``{prf:ref}`` become text);
- every figure that the chapter marks as one (a code cell with
  ``mystnb.image.alt`` or ``mystnb.figure`` metadata), without its code, and
  the whole "Summary" section.

Proofs, code, printed numbers and the exercises' solution and check cells are
left out. The deck is nbconvert's reveal.js export
(``tools/slides_template/fairtutor_slides.html.j2``) with reveal.js loaded
from ``book/_vendor/reveal.js`` and MathJax 3 from the copy that
``sphinx-mathjax-offline`` ships; both are copied into the output folder, so
the folder works from a USB stick. ``make book`` writes the same decks into
``_build/html/_static/slides/`` (``book/_ext/fairtutor_course.py``).
"""

from __future__ import annotations

import argparse
import copy
import importlib.metadata
import re
import shutil
import sys
import time
from html import escape
from pathlib import Path

import notebook_io

ROOT = notebook_io.ROOT
REVEAL = ROOT / "book" / "_vendor" / "reveal.js"
TEMPLATE_DIR = Path(__file__).resolve().parent / "slides_template"
TEMPLATE = "fairtutor_slides.html.j2"

KINDS = {
    "prf:definition": "Definition",
    "prf:theorem": "Theorem",
    "prf:proposition": "Proposition",
    "prf:lemma": "Lemma",
    "prf:corollary": "Corollary",
    "prf:algorithm": "Algorithm",
    "prf:assumption": "Assumption",
    "exercise": "Exercise",
    "admonition": None,  # titled by its argument (the learning goals)
}
CODE_ROLES = {"func", "class", "meth", "mod", "attr", "data", "obj", "py:func", "py:class"}
_OPEN = re.compile(r"^(?P<fence>:{3,}|`{3,})\{(?P<kind>[^}\s]+)\}\s*(?P<title>.*?)\s*$")
_CODE_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})")
_ROLE = re.compile(r"\{(?P<role>[a-z:]+)\}`(?P<text>[^`]+)`")
_LOCAL_LINK = re.compile(r"\[([^\]]+)\]\((?!https?:|#)[^)]*\)")
_OPTION = re.compile(r"^:[\w-]+:(\s.*)?$")
_TARGET = re.compile(r"^\([\w:.-]+\)=\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")
SHORT_PARAGRAPH = 400  # characters; a longer lead paragraph is cut to its first sentence


# --------------------------------------------------------------------------
# MyST to plain Markdown
# --------------------------------------------------------------------------


def _role(match):
    role, text = match.group("role"), match.group("text")
    if role in CODE_ROLES:
        name = text.lstrip("~")
        return f"`{name.rsplit('.', 1)[-1] if text.startswith('~') else name}`"
    if role == "math":
        return f"${text}$"
    if role.startswith("cite"):
        return f"[{text}]"
    explicit = re.match(r"^(.*?)\s*<([^>]+)>$", text)
    return explicit.group(1) if explicit else text


def plain_roles(text):
    """MyST roles and links to other files of the book as plain text.

    ``{prf:ref}`thm-x``` becomes ``thm-x``, ``{cite}`k``` becomes ``[k]``, and a
    link to another file becomes its text (the slides stand alone).
    """
    return _LOCAL_LINK.sub(r"\1", _ROLE.sub(_role, text))


def split_blocks(text):
    """Top-level blocks of a Markdown cell, in order.

    Each is a dict with a ``type`` (heading, directive, code, paragraph) and its text.
    """
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or _TARGET.match(line.strip()):
            i += 1
            continue
        opening = _OPEN.match(line.strip()) or _CODE_OPEN.match(line.strip())
        if opening:
            fence = opening.group("fence")
            body, i = [], i + 1
            while i < len(lines):
                stripped = lines[i].strip()
                if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                    break
                body.append(lines[i])
                i += 1
            i += 1
            if "kind" in opening.groupdict():
                blocks.append(
                    {
                        "type": "directive",
                        "kind": opening.group("kind"),
                        "title": opening.group("title"),
                        "body": "\n".join(body),
                    }
                )
            else:
                blocks.append({"type": "code", "text": "\n".join([line, *body, fence])})
            continue
        heading = _HEADING.match(line)
        if heading:
            blocks.append(
                {
                    "type": "heading",
                    "level": len(heading.group(1)),
                    "text": heading.group(2).strip(),
                }
            )
            i += 1
            continue
        paragraph = []
        while (
            i < len(lines)
            and lines[i].strip()
            and not _HEADING.match(lines[i])
            and not (_OPEN.match(lines[i].strip()) or _CODE_OPEN.match(lines[i].strip()))
        ):
            paragraph.append(lines[i])
            i += 1
        blocks.append({"type": "paragraph", "text": "\n".join(paragraph)})
    return blocks


def directive_markdown(block):
    """A kept directive as Markdown: a titled heading and its body.

    Options are dropped; nested directives are converted the same way.
    """
    kind = KINDS.get(block["kind"], block["kind"].split(":")[-1].capitalize())
    title = plain_roles(block["title"])
    heading = (f"{kind}: {title}" if kind and title else kind or title).rstrip(".")
    body_lines = block["body"].splitlines()
    while body_lines and (_OPTION.match(body_lines[0].strip()) or not body_lines[0].strip()):
        body_lines.pop(0)
    parts = []
    for inner in split_blocks("\n".join(body_lines)):
        if inner["type"] == "directive":
            if inner["kind"] == "math":
                parts.append(f"$$\n{inner['body'].strip()}\n$$")
            elif inner["kind"] != "prf:proof":
                parts.append(directive_markdown(inner))
        elif inner["type"] == "heading":
            parts.append(f"**{plain_roles(inner['text'])}**")
        else:
            parts.append(plain_roles(inner["text"]))
    return f'<h4 class="fairtutor-block">{heading}</h4>\n\n' + "\n\n".join(parts)


def lead(paragraph):
    """A section's lead paragraph, or its first sentence when it is long."""
    text = plain_roles(paragraph)
    if len(text) <= SHORT_PARAGRAPH:
        return text
    sentence = re.match(r"^(.+?[.?!])\s+(?=[A-Z])", text.replace("\n", " "), flags=re.S)
    return sentence.group(1) if sentence else text[:SHORT_PARAGRAPH].rsplit(" ", 1)[0] + " …"


# --------------------------------------------------------------------------
# the rule: which cells become slides
# --------------------------------------------------------------------------


def _markdown_cell(text, slide_type):
    return {
        "cell_type": "markdown",
        "metadata": {"slideshow": {"slide_type": slide_type}},
        "source": text,
    }


def _is_figure(cell):
    mystnb = cell.get("metadata", {}).get("mystnb", {})
    has_image = any(
        k.startswith("image/") for o in cell.get("outputs", []) for k in o.get("data", {})
    )
    return cell["cell_type"] == "code" and has_image and ("image" in mystnb or "figure" in mystnb)


def _figure_cell(cell):
    figure = copy.deepcopy(cell)
    figure["outputs"] = [
        o for o in figure["outputs"] if any(k.startswith("image/") for k in o.get("data", {}))
    ]
    mystnb = cell["metadata"].get("mystnb", {})
    alt = mystnb.get("image", {}).get("alt") or mystnb.get("figure", {}).get("caption", "")
    for output in figure["outputs"]:
        output["data"] = {k: v for k, v in output["data"].items() if k.startswith("image/")}
        output["metadata"] = dict(output.get("metadata", {}), fairtutor_alt=plain_roles(alt))
    figure["metadata"] = {"slideshow": {"slide_type": "subslide"}, "tags": ["slides-remove-input"]}
    caption = cell["metadata"].get("mystnb", {}).get("figure", {}).get("caption")
    cells = [figure]
    if caption:
        cells.append(_markdown_cell(f"*{plain_roles(caption)}*", "-"))
    return cells


def slide_cells(notebook):
    """The cells of the deck (a new list; the notebook is not changed)."""
    out, in_summary = [], False
    for cell in notebook["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "remove-cell" in tags or cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"):
            continue
        if cell["cell_type"] == "code":
            if _is_figure(cell):
                out += _figure_cell(cell)
            continue
        if cell["cell_type"] != "markdown":
            continue
        blocks = split_blocks(notebook_io.source(cell))
        for index, block in enumerate(blocks):
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if block["type"] == "heading":
                level = block["level"]
                in_summary = (
                    level == 2 and block["text"].strip() == "Summary" or (in_summary and level > 2)
                )
                slide_type = "slide" if level <= 2 else "subslide"
                text = f"{'#' * level} {plain_roles(block['text'])}"
                if following is not None and following["type"] == "paragraph" and not in_summary:
                    text += "\n\n" + lead(following["text"])
                out.append(_markdown_cell(text, slide_type))
            elif block["type"] == "directive" and block["kind"] in KINDS:
                if block["kind"] == "admonition" and "goal" not in block["title"].lower():
                    continue
                out.append(_markdown_cell(directive_markdown(block), "subslide"))
            elif in_summary and block["type"] == "paragraph":
                out.append(_markdown_cell(plain_roles(block["text"]), "-"))
    return out


def slide_notebook(notebook):
    deck = copy.deepcopy(notebook)
    deck["cells"] = slide_cells(notebook)
    for index, cell in enumerate(deck["cells"]):
        cell["id"] = f"slide-{index}"
        cell.setdefault("metadata", {})
    return deck


# --------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------


def mathjax_folder():
    """MathJax 3 as shipped by sphinx-mathjax-offline (a dependency of the book)."""
    distribution = importlib.metadata.distribution("sphinx-mathjax-offline")
    for entry in distribution.files or []:
        if entry.name == "tex-chtml.js":
            return Path(distribution.locate_file(entry)).parent
    raise FileNotFoundError(
        "sphinx-mathjax-offline ships no tex-chtml.js; "
        "install the book extra (pip install -e '.[book]')"
    )


def _exporter():
    import nbformat  # noqa: F401 - nbconvert needs it; fail here with a clear name
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.reveal_url_prefix = "reveal.js"
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.reveal_transition = "none"
    config.SlidesExporter.extra_template_paths = [str(TEMPLATE_DIR)]
    config.SlidesExporter.template_file = TEMPLATE
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {"slides-remove-input"}
    return SlidesExporter(config=config)


def build_slides(paths, out_dir):
    """Write ``<stem>.slides.html`` for each notebook into ``out_dir``.

    reveal.js and MathJax are copied next to them; return the written paths.
    """
    import nbformat

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, source in (("reveal.js", REVEAL), ("mathjax", mathjax_folder())):
        shutil.rmtree(out_dir / name, ignore_errors=True)
        shutil.copytree(source, out_dir / name)
    exporter = _exporter()
    written, titles = [], []
    for path in paths:
        path = Path(path)
        deck = nbformat.reads(
            notebook_io.dumps(slide_notebook(notebook_io.read(path))), as_version=4
        )
        resources = {
            "metadata": {"name": path.stem},
            "fairtutor_mathjax_url": "mathjax/tex-chtml.js",
        }
        html, _ = exporter.from_notebook_node(deck, resources=resources)
        target = out_dir / f"{path.stem}.slides.html"
        target.write_text(html, encoding="utf-8")
        written.append(target)
        titles.append((target.name, _title(notebook_io.read(path))))
    links = "".join(f'<li><a href="{name}">{escape(title)}</a></li>' for name, title in titles)
    (out_dir / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>fairtutor slides</title></head>\n<body><h1>fairtutor: slides of each chapter</h1>"
        f"<ol>{links}</ol><p>Arrow keys move between slides, S opens the speaker view, "
        "Esc shows an overview.</p></body></html>\n",
        encoding="utf-8",
    )
    return written


def _title(notebook):
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for block in split_blocks(notebook_io.source(cell)):
            if block["type"] == "heading" and block["level"] == 1:
                return plain_roles(block["text"])
    return "untitled"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument("--out", default=str(ROOT / "_build" / "slides"))
    args = parser.parse_args(argv)
    start = time.perf_counter()
    for path in build_slides(notebook_io.chapter_paths(args.notebooks), args.out):
        print(f"wrote {path}")
    print(
        f"slides written in {time.perf_counter() - start:.1f} s; open "
        f"{Path(args.out) / 'index.html'} or any <chapter>.slides.html there"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
