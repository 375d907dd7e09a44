"""The course kit (issue 21), read from its single source ``book/course.yml``.

The data file holds the learning goals and prerequisites of each chapter, the
three timed course plans, their grading weights and the rubric criteria of the
written answers. This module

- loads it and checks it against the chapter notebooks (:func:`problems`:
  every exercise label and section heading it names exists, every goal names
  an exercise, every session adds up to its length, the longest plan covers
  every chapter);
- renders it as MyST Markdown: the "Learning goals" cell of a chapter
  (:func:`goals_cell_markdown`, written into the notebooks by
  ``tools/learning_goals_cell.py``), the goals of all chapters, a plan, the
  one-page syllabus (:func:`goals_markdown`, :func:`plan_markdown`,
  :func:`syllabus_markdown`);
- as a Sphinx extension, renders those at build time through the directives
  ``course-goals``, ``course-plan <id>``, ``course-syllabus``,
  ``course-slides`` and ``course-nbgitpuller`` (so the instructor guide and
  the syllabus page can never disagree with the data file), and writes each
  chapter's slides into
  ``_static/slides/`` of the built book (``tools/slides.py``).

Only the Sphinx part needs Sphinx; the rest needs PyYAML.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COURSE_FILE = ROOT / "book" / "course.yml"
NOTEBOOKS = ROOT / "notebooks"
SLIDES_FOLDER = "slides"  # under _static/ of the built book

_LABEL = re.compile(r"^:label:\s*(ex-\S+)\s*$", re.MULTILINE)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
# nbgrader's markers in written-answer cells look like headings to Markdown.
_NOT_HEADINGS = {"BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"}


# --------------------------------------------------------------------------
# reading the data file and the chapters
# --------------------------------------------------------------------------


def load_course(path=COURSE_FILE):
    """The parsed data file (a dict)."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def markdown_headings(text):
    """``(level, text)`` of the Markdown headings of ``text``, code fences skipped."""
    found, fence = [], None
    for line in text.splitlines():
        opening = _FENCE.match(line)
        if opening:
            marker = opening.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            continue
        if fence is not None:
            continue
        match = _HEADING.match(line)
        if match and match.group(2) not in _NOT_HEADINGS:
            found.append((len(match.group(1)), match.group(2)))
    return found


def chapter_facts(path):
    """Title, section headings and exercise labels (in order) of a chapter notebook."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    headings, labels = [], []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = _source(cell)
        headings += markdown_headings(text)
        labels += _LABEL.findall(text)
    titles = [text for level, text in headings if level == 1]
    return {
        "title": titles[0] if titles else Path(path).stem,
        "sections": [text for level, text in headings if level > 1],
        "exercises": labels,
    }


def chapters_facts(folder=NOTEBOOKS):
    """:func:`chapter_facts` of every ``*.ipynb`` in ``folder``, by stem."""
    return {p.stem: chapter_facts(p) for p in sorted(Path(folder).glob("*.ipynb"))}


def chapter_number(stem):
    return int(stem.split("_", 1)[0])


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------


def _plan_chapters(plan):
    return {block["chapter"] for session in plan["sessions"] for block in session["blocks"]}


def problems(course, facts):
    """Everything in ``course`` that does not match the chapters ``facts``, as sentences.

    ``facts`` comes from :func:`chapters_facts`; the list is empty when all is well.
    """
    found = []
    all_labels = {label for f in facts.values() for label in f["exercises"]}
    chapters = {c["notebook"]: c for c in course["chapters"]}
    for stem in facts:
        if stem not in chapters:
            found.append(f"chapter {stem} has no entry (goals, prerequisites) in course.yml")
    for stem, chapter in chapters.items():
        if stem not in facts:
            found.append(f"course.yml names a chapter that does not exist: {stem}")
            continue
        if not chapter.get("prerequisites"):
            found.append(f"{stem}: no prerequisites")
        if not chapter.get("goals"):
            found.append(f"{stem}: no learning goals")
        for goal in chapter.get("goals", []):
            if not goal.get("exercises"):
                found.append(f"{stem}: the goal {goal['text']!r} names no exercise")
            for label in goal.get("exercises", []):
                if label not in facts[stem]["exercises"]:
                    found.append(
                        f"{stem}: the goal {goal['text'][:40]!r}... names {label}, "
                        "which is not an exercise label of that chapter"
                    )
        assessed = {label for goal in chapter.get("goals", []) for label in goal["exercises"]}
        for label in facts[stem]["exercises"]:
            if label not in assessed:
                found.append(f"{stem}: exercise {label} assesses no learning goal")

    length = course["course"]["session_minutes"]
    plan_ids = [plan["id"] for plan in course["plans"]]
    for plan in course["plans"]:
        where = f"plan {plan['id']}"
        for number, session in enumerate(plan["sessions"], 1):
            minutes = sum(block["minutes"] for block in session["blocks"])
            if minutes != length:
                found.append(
                    f"{where}, session {number}: blocks add up to {minutes} minutes, not {length}"
                )
            for block in session["blocks"]:
                stem = block["chapter"]
                if stem not in facts:
                    found.append(f"{where}, session {number}: no chapter {stem}")
                    continue
                if not block.get("sections"):
                    found.append(f"{where}, session {number}: a block reads no section")
                for section in block.get("sections", []):
                    if section not in facts[stem]["sections"]:
                        found.append(
                            f"{where}, session {number}: {stem} has no section {section!r}"
                        )
                for label in block.get("in_class", []):
                    if label not in facts[stem]["exercises"]:
                        found.append(
                            f"{where}, session {number}: {label} is not an exercise of {stem}"
                        )
            for label in session.get("homework", []):
                if label not in all_labels:
                    found.append(f"{where}, session {number}: homework {label} does not exist")
            if not session.get("graded"):
                found.append(f"{where}, session {number}: says nothing about what is graded")
        weights = sum(item["weight"] for item in plan["grading"])
        if weights != 100:
            found.append(f"{where}: grading weights add up to {weights}, not 100")
    longest = max(course["plans"], key=lambda plan: len(plan["sessions"]))
    missing = sorted(set(facts) - _plan_chapters(longest))
    if missing:
        found.append(f"plan {longest['id']} leaves out the chapters {missing}")
    if course.get("syllabus_plan") not in plan_ids:
        found.append(f"syllabus_plan {course.get('syllabus_plan')!r} is not a plan id")
    return found


# --------------------------------------------------------------------------
# rendering (MyST Markdown)
# --------------------------------------------------------------------------

GOALS_HEADING = "Learning goals"


def _refs(labels):
    return ", ".join(f"{{ref}}`{label}`" for label in labels)


def goals_cell_markdown(chapter):
    """The "Learning goals" cell at the top of a chapter notebook."""
    lines = [
        f":::{{admonition}} {GOALS_HEADING}",
        ":class: tip",
        "",
        "After this chapter you can:",
        "",
    ]
    lines += [
        f"- {goal['text'].rstrip('.')} (assessed by {_refs(goal['exercises'])})."
        for goal in chapter["goals"]
    ]
    lines += ["", "**Before you start:** " + " ".join(chapter["prerequisites"]), ":::"]
    return "\n".join(lines)


def _doc(stem, facts):
    return f"{{doc}}`{chapter_number(stem)}. {facts[stem]['title']} </notebooks/{stem}>`"


def goals_markdown(course, facts):
    """Prerequisites and goals of every chapter (the instructor guide)."""
    lines = ["Students need, before the first chapter:", ""]
    lines += [f"- {item}" for item in course["course"]["prerequisites"]]
    lines.append("")
    for chapter in course["chapters"]:
        stem = chapter["notebook"]
        lines += [
            f"**{_doc(stem, facts)}.** Before: " + " ".join(chapter["prerequisites"]),
            "After it, a student can:",
            "",
        ]
        lines += [
            f"- {goal['text'].rstrip('.')} ({_refs(goal['exercises'])})."
            for goal in chapter["goals"]
        ]
        lines.append("")
    return "\n".join(lines)


def _cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def _block_text(block, facts):
    sections = "; ".join(f"“{s}”" for s in block["sections"])
    text = f"Ch. {chapter_number(block['chapter'])}: {sections}"
    if block.get("activity"):
        text += f". {block['activity']}"
    return _cell(text)


def _session_name(plan, number):
    per_week = plan.get("sessions_per_week")
    if not per_week:
        return f"Session {number}"
    return f"Week {(number - 1) // per_week + 1}, session {(number - 1) % per_week + 1}"


def plan_markdown(plan, facts):
    """One course plan: per session, a table of timed blocks, then homework and grading."""
    lines = [plan["audience"], ""]
    for number, session in enumerate(plan["sessions"], 1):
        lines += [
            f"**{_session_name(plan, number)}: {session['title']}**",
            "",
            "| minutes | read | in class |",
            "|---|---|---|",
        ]
        for block in session["blocks"]:
            lines.append(
                f"| {block['minutes']} | {_block_text(block, facts)} | "
                f"{_refs(block.get('in_class', [])) or '-'} |"
            )
        lines += [
            "",
            f"Homework: {_refs(session['homework']) or 'none'}. Graded: {session['graded']}",
            "",
        ]
    lines += [
        "Grading weights: "
        + "; ".join(f"{item['item']} {item['weight']} %" for item in plan["grading"])
        + ".",
        "",
    ]
    return "\n".join(lines)


def _count(number, noun):
    return "-" if number == 0 else f"{number} {noun}" + ("" if number == 1 else "s")


def plan_by_id(course, plan_id):
    for plan in course["plans"]:
        if plan["id"] == plan_id:
            return plan
    raise KeyError(
        f"no course plan {plan_id!r} in course.yml (there are {[p['id'] for p in course['plans']]})"
    )


def syllabus_markdown(course, facts):
    """The one-page syllabus of the plan named by ``syllabus_plan``.

    It gives the plan's prerequisites, goals, schedule and grading.
    """
    plan = plan_by_id(course, course["syllabus_plan"])
    lines = [
        f"**{plan['title']}.** {plan['audience']}",
        "",
        "**Prerequisites.** " + " ".join(course["course"]["prerequisites"]),
        "",
        "**Learning goals.** After the course, a student can:",
        "",
    ]
    for chapter in course["chapters"]:
        stem = chapter["notebook"]
        goals = " ".join(goal["text"] for goal in chapter["goals"][:2])
        lines.append(f"- *Ch. {chapter_number(stem)}, {facts[stem]['title']}.* {goals}")
    lines += ["", "| # | session | chapter | homework | graded |", "|---|---|---|---|---|"]
    for number, session in enumerate(plan["sessions"], 1):
        stems = []
        for block in session["blocks"]:
            if block["chapter"] not in stems:
                stems.append(block["chapter"])
        title = session["title"]
        lines.append(
            f"| {number} | {_cell(title)} | "
            f"{', '.join(str(chapter_number(s)) for s in stems)} | "
            f"{_count(len(session['homework']), 'exercise')} | "
            f"{_cell(session['graded'])} |"
        )
    lines += [
        "",
        "**Grading.** "
        + "; ".join(f"{item['item']}: {item['weight']} %" for item in plan["grading"])
        + ".",
        "",
    ]
    projects = course.get("projects", [])
    if projects:
        lines.append(
            "**Projects** (pairs, from session 5): "
            + "; ".join(f"{{doc}}`{p['title']} </{p['page']}>`" for p in projects)
            + "."
        )
    return "\n".join(lines)


def nbgitpuller_link(hub, repository, branch, path):
    """The nbgitpuller link that clones ``repository`` and opens ``path`` in JupyterLab.

    The clone goes into the hub user's home; ``path`` is relative to the clone.
    """
    from urllib.parse import quote, urlencode

    name = repository.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1]
    query = urlencode(
        {"repo": repository, "branch": branch, "urlpath": f"lab/tree/{name}/{path}"},
        quote_via=quote,
    )
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def repository_from_config(config_path=ROOT / "_config.yml"):
    config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))
    return config["repository"]["url"], config["repository"].get("branch", "main")


def slides_href(docname, stem):
    """Relative link from page ``docname`` to the slides of chapter ``stem``."""
    depth = docname.count("/")
    return "../" * depth + f"_static/{SLIDES_FOLDER}/{stem}.slides.html"


# --------------------------------------------------------------------------
# Sphinx
# --------------------------------------------------------------------------


def _directives():
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class _CourseDirective(SphinxDirective):
        """Renders ``self.markdown(course, facts)``, defined by each directive below.

        The data file is checked against the chapters first.
        """

        optional_arguments = 1

        def run(self):
            self.env.note_dependency(str(COURSE_FILE))
            for path in sorted(NOTEBOOKS.glob("*.ipynb")):
                self.env.note_dependency(str(path))
            course, facts = load_course(), chapters_facts()
            found = problems(course, facts)
            if found:
                raise self.error(
                    "book/course.yml does not match the chapters:\n" + "\n".join(found)
                )
            container = nodes.container(classes=[f"fairtutor-{self.name}"])
            text = self.markdown(course, facts)
            self.state.nested_parse(
                StringList(text.splitlines(), source=str(COURSE_FILE)),
                self.content_offset,
                container,
            )
            return [container]

    class CourseGoals(_CourseDirective):
        def markdown(self, course, facts):
            return goals_markdown(course, facts)

    class CoursePlan(_CourseDirective):
        required_arguments = 1
        optional_arguments = 0

        def markdown(self, course, facts):
            return plan_markdown(plan_by_id(course, self.arguments[0]), facts)

    class CourseSyllabus(_CourseDirective):
        def markdown(self, course, facts):
            return syllabus_markdown(course, facts)

    class CourseSlides(SphinxDirective):
        """A list of links to each chapter's slides (written at build-finished)."""

        def run(self):
            facts = chapters_facts()
            items = "".join(
                f'<li><a class="reference external" href="{slides_href(self.env.docname, stem)}">'
                f"{chapter_number(stem)}. {facts[stem]['title']}</a></li>"
                for stem in facts
            )
            return [nodes.raw("", f'<ul class="fairtutor-slides">{items}</ul>', format="html")]

    class CourseNbgitpuller(SphinxDirective):
        """The nbgitpuller link of the repository of _config.yml (written once)."""

        def run(self):
            url, branch = repository_from_config()
            link = nbgitpuller_link("https://hub.example.org", url, branch, "student/")
            return [nodes.literal_block(link, link)]

    return {
        "course-nbgitpuller": CourseNbgitpuller,
        "course-goals": CourseGoals,
        "course-plan": CoursePlan,
        "course-syllabus": CourseSyllabus,
        "course-slides": CourseSlides,
    }


def _write_slides(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    sys.path.insert(0, str(ROOT / "tools"))
    import slides  # tools/slides.py

    folder = Path(app.outdir) / "_static" / SLIDES_FOLDER
    slides.build_slides(sorted(NOTEBOOKS.glob("*.ipynb")), folder)


def setup(app):
    for name, directive in _directives().items():
        app.add_directive(name, directive)
    app.connect("build-finished", _write_slides)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
