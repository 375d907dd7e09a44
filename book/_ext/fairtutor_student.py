"""Publish the student edition of each chapter next to its page (issue 16, item 7).

Loaded from ``_config.yml`` (``sphinx.local_extensions``). For every chapter
(a notebook page with nbgrader exercise cells) the HTML build

- writes the chapter's student edition (``fairtutor.classroom``: solutions
  and model answers replaced by stubs, hidden tests removed, outputs
  cleared) to ``_static/student/<chapter>.ipynb``;
- puts a line under the chapter's title that links to it;
- points the Binder, JupyterHub and Colab launch buttons at the committed
  student edition, ``student/<chapter>.ipynb`` in the repository (written by
  ``make student``, kept up to date by tests/test_classroom.py), instead of
  the instructor notebook with its solutions; while that file is missing the
  buttons keep opening the chapter itself;
- warns (``fairtutor.convention``, an error under ``-W``) when a chapter
  breaks the exercise convention, since its student edition could then give
  an answer away.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the book documents this checkout's fairtutor
    sys.path.insert(0, str(ROOT))

from fairtutor import classroom  # noqa: E402

LOGGER = logging.getLogger(__name__)
STATIC_FOLDER = "student"
LINK_CLASS = "fairtutor-student-edition"


def _chapter_notebook(app, docname):
    """The notebook of ``docname`` if it is a chapter with exercises, else None."""
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb" or not path.is_file():
        return None
    notebook = json.loads(path.read_text(encoding="utf-8"))
    if not classroom.find_exercises(notebook):
        return None
    return notebook


def student_edition_href(docname):
    """Relative URL of a page's student edition, from the page itself."""
    depth = docname.count("/")
    return "../" * depth + f"_static/{STATIC_FOLDER}/{Path(docname).name}.ipynb"


def student_edition_note(docname, launch=True):
    """The paragraph under a chapter's title that links to its student edition.

    ``launch`` says whether the launch buttons open the same copy (they do
    when ``student/<chapter>.ipynb`` is in the repository).
    """
    name = f"{Path(docname).name}.ipynb"
    paragraph = nodes.paragraph(classes=[LINK_CLASS])
    paragraph += nodes.strong(text="Exercises only: ")
    paragraph += nodes.Text("download the student edition of this chapter, ")
    paragraph += nodes.reference(
        name, name, refuri=student_edition_href(docname), internal=False, classes=["download"]
    )
    paragraph += nodes.Text(" (solutions removed, checks kept).")
    if launch:
        paragraph += nodes.Text(" The Binder and Colab launch buttons open the same copy.")
    return paragraph


def _committed_student_edition(docname):
    path = ROOT / "student" / f"{Path(docname).name}.ipynb"
    return path if path.is_file() else None


def _add_note(app, doctree, docname):
    notebook = _chapter_notebook(app, docname)
    if notebook is None:
        return
    for problem in classroom.check_convention(notebook, f"{Path(docname).name}.ipynb"):
        LOGGER.warning(
            f"exercise convention: {problem}",
            type="fairtutor",
            subtype="convention",
            location=docname,
        )
    title = next(iter(doctree.findall(nodes.title)), None)
    if title is None:
        return
    note = student_edition_note(docname, _committed_student_edition(docname) is not None)
    title.parent.insert(title.parent.index(title) + 1, note)


def rewrite_launch_urls(buttons, chapter_path, student_path):
    """Point launch-button URLs at ``student_path`` instead of ``chapter_path``.

    ``buttons`` is the theme's ``header_buttons`` structure (nested lists and
    dicts); each ``url`` that opens ``chapter_path`` in Binder, JupyterHub or
    Colab is rewritten in place. Returns the number of URLs changed.

    Examples
    --------
    >>> buttons = [{"items": [{"text": "Colab", "url":
    ...     "https://colab.research.google.com/github/o/r/blob/main/notebooks/01_a.ipynb"}]}]
    >>> rewrite_launch_urls(buttons, "notebooks/01_a.ipynb", "student/01_a.ipynb")
    1
    >>> buttons[0]["items"][0]["url"]
    'https://colab.research.google.com/github/o/r/blob/main/student/01_a.ipynb'
    """
    changed = 0
    pattern = re.compile(r"(?<=[/=])" + re.escape(chapter_path) + r"(?=$|[?&#])")
    if isinstance(buttons, dict):
        url = buttons.get("url")
        launch = str(buttons.get("text", "")).lower() in {"binder", "colab", "jupyterhub"}
        if isinstance(url, str) and launch and pattern.search(url):
            buttons["url"] = pattern.sub(student_path, url)
            changed += 1
        for value in buttons.values():
            if isinstance(value, (list, dict)):
                changed += rewrite_launch_urls(value, chapter_path, student_path)
    elif isinstance(buttons, list):
        for item in buttons:
            changed += rewrite_launch_urls(item, chapter_path, student_path)
    return changed


def _launch_student_edition(app, pagename, templatename, context, doctree):
    if "header_buttons" not in context or _chapter_notebook(app, pagename) is None:
        return
    student = _committed_student_edition(pagename)
    if student is None:
        return
    chapter = Path(app.env.doc2path(pagename)).resolve().relative_to(ROOT).as_posix()
    rewrite_launch_urls(context["header_buttons"], chapter, student.relative_to(ROOT).as_posix())


def _write_student_editions(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / "_static" / STATIC_FOLDER
    for docname in sorted(app.env.found_docs):
        notebook = _chapter_notebook(app, docname)
        if notebook is None:
            continue
        name = f"{Path(docname).name}.ipynb"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(
            json.dumps(classroom.make_student_notebook(notebook), indent=1, ensure_ascii=False)
            + "\n",
            encoding="utf-8",
        )


def setup(app):
    app.connect("doctree-resolved", _add_note)
    # after sphinx_book_theme builds the launch buttons (priority 501)
    app.connect("html-page-context", _launch_student_edition, priority=800)
    app.connect("build-finished", _write_student_editions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
