"""The course kit (issue 21): goals, plans, slides, rubrics, projects, syllabus.

Everything is generated from ``book/course.yml`` and the chapter notebooks;
these tests check that the data file names only exercises and sections that
exist, that what is generated from it is up to date (the "Learning goals"
cell of each chapter), and that each generator can fail: a wrong label, a
missing section or mismatched points are caught.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import fairtutor_course  # noqa: E402
import learning_goals_cell  # noqa: E402
import rubrics  # noqa: E402
import slides  # noqa: E402

import colab_setup_cell  # noqa: E402
import notebook_io  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PROJECTS = sorted((ROOT / "projects").glob("*/reference_solution.ipynb"))
LABEL = re.compile(r"^:label:\s*(ex-\S+)", re.MULTILINE)


@pytest.fixture(scope="module")
def course():
    return fairtutor_course.load_course()


@pytest.fixture(scope="module")
def facts():
    return fairtutor_course.chapters_facts()


def exercise_labels(path):
    """The exercise labels of a notebook, read independently of fairtutor_course."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    return {
        label
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
        for label in LABEL.findall(notebook_io.source(cell))
    }


# --------------------------------------------------------------------------
# 1. learning goals and prerequisites
# --------------------------------------------------------------------------


def test_course_file_matches_the_chapters(course, facts):
    assert not fairtutor_course.problems(course, facts), "\n".join(
        fairtutor_course.problems(course, facts)
    )


def test_every_goal_names_an_existing_exercise_of_its_chapter(course):
    chapters = {c["notebook"]: c for c in course["chapters"]}
    assert sorted(chapters) == [p.stem for p in NOTEBOOKS], "one entry per chapter"
    for path in NOTEBOOKS:
        labels = exercise_labels(path)
        chapter = chapters[path.stem]
        assert chapter["prerequisites"], path.stem
        assert len(chapter["goals"]) >= 3, path.stem
        for goal in chapter["goals"]:
            assert re.match(
                r"^(Compute|Derive|Decide|Explain|Construct|Measure|Train)\b", goal["text"]
            ), f"a goal says what a student can do: {goal['text']}"
            assert goal["exercises"] and set(goal["exercises"]) <= labels, (path.stem, goal)
        assessed = {label for goal in chapter["goals"] for label in goal["exercises"]}
        assert assessed == labels, f"{path.stem}: exercises without a goal: {labels - assessed}"


def test_learning_goals_cells_are_up_to_date():
    """Fails until `python tools/learning_goals_cell.py` has been run on the chapters
    (after every change to book/course.yml)."""
    assert learning_goals_cell.main(["--check"]) == 0, (
        "run python tools/learning_goals_cell.py (the chapters' Learning goals cells are "
        "missing or out of date with book/course.yml)"
    )


def test_goals_cell_comes_after_the_title_and_the_colab_cell_in_any_order(tmp_path):
    """Both scripts are idempotent and give the same notebook whichever runs first."""
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        for path in NOTEBOOKS[:2]:
            notebook = notebook_io.read(path)
            # start from a chapter without either cell
            notebook["cells"] = [
                c
                for c in notebook["cells"]
                if not {learning_goals_cell.TAG, colab_setup_cell.TAG}
                & set(c.get("metadata", {}).get("tags", []))
            ]
            notebook_io.write(folder / path.name, notebook)
    names = [str(p) for p in sorted(first.glob("*.ipynb"))]
    assert colab_setup_cell.main(names) == 0 and learning_goals_cell.main(names) == 0
    names_b = [str(p) for p in sorted(second.glob("*.ipynb"))]
    assert learning_goals_cell.main(names_b) == 0 and colab_setup_cell.main(names_b) == 0
    for path in sorted(first.glob("*.ipynb")):
        assert path.read_bytes() == (second / path.name).read_bytes()
        cells = notebook_io.read(path)["cells"]
        assert notebook_io.source(cells[0]).startswith("# ")
        assert cells[1]["id"] == colab_setup_cell.CELL_ID
        assert cells[2]["id"] == learning_goals_cell.CELL_ID
        assert fairtutor_course.GOALS_HEADING in notebook_io.source(cells[2])
    assert learning_goals_cell.main(["--check", *names]) == 0
    assert colab_setup_cell.main(["--check", *names]) == 0


def test_goals_script_refuses_a_chapter_without_an_entry(tmp_path, capsys):
    stray = tmp_path / "99_new_chapter.ipynb"
    shutil.copy(NOTEBOOKS[0], stray)
    assert learning_goals_cell.main([str(stray)]) == 2
    assert "no entry in book/course.yml" in capsys.readouterr().err
    assert stray.read_bytes() == NOTEBOOKS[0].read_bytes()


def test_goals_cell_lists_each_goal_with_its_exercises(course):
    chapter = course["chapters"][0]
    text = fairtutor_course.goals_cell_markdown(chapter)
    for goal in chapter["goals"]:
        assert goal["text"].rstrip(".") + " (assessed by" in text
        assert all(f"{{ref}}`{label}`" in text for label in goal["exercises"])
    assert all(item in text for item in chapter["prerequisites"])


# --------------------------------------------------------------------------
# 2. course plans, 7. syllabus
# --------------------------------------------------------------------------


def test_the_three_plans_have_the_promised_shape(course, facts):
    plans = {plan["id"]: plan for plan in course["plans"]}
    assert len(plans["one-session"]["sessions"]) == 1
    assert len(plans["one-week"]["sessions"]) == 3
    assert 6 <= len(plans["three-weeks"]["sessions"]) <= 9
    for plan in plans.values():
        for session in plan["sessions"]:
            assert all(block["minutes"] > 0 and block["sections"] for block in session["blocks"])
            assert "homework" in session and session["graded"]
    chapters = {b["chapter"] for s in plans["three-weeks"]["sessions"] for b in s["blocks"]}
    assert chapters == set(facts), "the three-week plan covers every chapter"


def test_plan_sections_and_exercises_exist_in_the_notebooks(course):
    headings = {
        p.stem: {
            text
            for _, text in fairtutor_course.markdown_headings(
                "\n".join(
                    notebook_io.source(c)
                    for c in notebook_io.read(p)["cells"]
                    if c["cell_type"] == "markdown"
                )
            )
        }
        for p in NOTEBOOKS
    }
    labels = set().union(*(exercise_labels(p) for p in NOTEBOOKS))
    for plan in course["plans"]:
        for session in plan["sessions"]:
            for block in session["blocks"]:
                assert set(block["sections"]) <= headings[block["chapter"]], block
                assert set(block.get("in_class", [])) <= labels, block
            assert set(session["homework"]) <= labels, session["title"]


@pytest.mark.parametrize(
    "break_it, expected",
    [
        (
            lambda c: c["chapters"][0]["goals"][0].update(exercises=["ex-no-such-exercise"]),
            "ex-no-such-exercise",
        ),
        (lambda c: c["chapters"][0]["goals"][0].update(exercises=[]), "names no exercise"),
        (
            lambda c: c["plans"][0]["sessions"][0]["blocks"][0].update(
                sections=["No such section"]
            ),
            "No such section",
        ),
        (lambda c: c["plans"][0]["sessions"][0]["blocks"][0].update(minutes=11), "not 90"),
        (lambda c: c["plans"][1]["sessions"][0].update(homework=["ex-typo"]), "ex-typo"),
        (
            lambda c: c["plans"][2].update(sessions=c["plans"][2]["sessions"][:3]),
            "leaves out the chapters",
        ),
        (lambda c: c["plans"][2]["grading"][0].update(weight=1), "not 100"),
        (lambda c: c["chapters"].pop(), "has no entry"),
    ],
)
def test_problems_catch_a_broken_course_file(course, facts, break_it, expected):
    broken = copy.deepcopy(course)
    break_it(broken)
    assert any(expected in problem for problem in fairtutor_course.problems(broken, facts))


def test_plan_and_syllabus_render_every_session_and_weight(course, facts):
    plan = fairtutor_course.plan_by_id(course, "three-weeks")
    text = fairtutor_course.plan_markdown(plan, facts)
    assert text.count("| minutes | read | in class |") == len(plan["sessions"])
    assert "Week 3, session 3" in text
    syllabus = fairtutor_course.syllabus_markdown(course, facts)
    for item in plan["grading"]:
        assert f"{item['item']}: {item['weight']} %" in syllabus
    for prerequisite in course["course"]["prerequisites"]:
        assert prerequisite in syllabus
    for stem, chapter in facts.items():
        assert f"Ch. {fairtutor_course.chapter_number(stem)}, {chapter['title']}" in syllabus
    rows = [line for line in syllabus.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) == len(plan["sessions"])


def test_book_pages_use_the_directives_and_are_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    guide = (ROOT / "book" / "instructor_guide.md").read_text(encoding="utf-8")
    for plan in ("one-session", "one-week", "three-weeks"):
        assert f"```{{course-plan}} {plan}" in guide
    assert "```{course-goals}" in guide and "```{course-slides}" in guide
    assert "```{course-syllabus}" in (ROOT / "book" / "syllabus.md").read_text(encoding="utf-8")
    for page in (
        "book/syllabus",
        "projects/student_performance_audit/brief",
        "projects/drug_representations/brief",
    ):
        assert f"- file: {page}\n" in toc
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["local_extensions"]["fairtutor_course"] == "book/_ext"
    assert "reference_solution" not in toc and config["only_build_toc_files"] is True


def test_nbgitpuller_link_opens_the_student_edition_of_the_repository():
    url, branch = fairtutor_course.repository_from_config()
    link = fairtutor_course.nbgitpuller_link("https://hub.example.org/", url, branch, "student/")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "hub.example.org",
        "/hub/user-redirect/git-pull",
    )
    query = parse_qs(parts.query)
    assert query == {
        "repo": [url],
        "branch": [branch],
        "urlpath": [f"lab/tree/{url.rstrip('/').rsplit('/', 1)[-1]}/student/"],
    }


# --------------------------------------------------------------------------
# 3. slides
# --------------------------------------------------------------------------


def test_directives_become_titled_markdown():
    text = (
        "Intro {prf:ref}`thm-x` and {cite}`key2020`, see [chapter 2](02_x.ipynb).\n\n"
        "::::{prf:theorem} Hoeffding\n:label: thm-h\n\nLet $Z_i$ be {func}`~a.b.c`.\n\n"
        ":::{math}\nx^2\n:::\n::::\n\n"
        "```{exercise}\n:label: ex-y\n\nDo it.\n```\n\n"
        ":::{prf:proof}\nlong\n:::\n"
    )
    blocks = slides.split_blocks(text)
    assert [b["type"] for b in blocks] == ["paragraph", "directive", "directive", "directive"]
    assert slides.plain_roles(blocks[0]["text"]) == "Intro thm-x and [key2020], see chapter 2."
    theorem = slides.directive_markdown(blocks[1])
    assert "Theorem: Hoeffding" in theorem and "`c`" in theorem and "$$\nx^2\n$$" in theorem
    assert ":label:" not in theorem and ":::" not in theorem
    assert "Exercise" in slides.directive_markdown(blocks[2])


def test_slides_follow_the_chapter(tmp_path):
    """A chapter's deck holds its headings, theorems and exercises, renders offline,
    and changes when the chapter changes."""
    path = NOTEBOOKS[0]
    out = tmp_path / "slides"
    start = time.perf_counter()
    [deck] = slides.build_slides([path], out)
    print(f"one deck in {time.perf_counter() - start:.1f} s")
    html = deck.read_text(encoding="utf-8")
    facts = fairtutor_course.chapter_facts(path)
    # every exercise statement is a slide
    assert html.count('class="fairtutor-block">Exercise') == len(facts["exercises"])
    assert "Definition" in html
    for section in facts["sections"]:
        assert section.replace("&", "&amp;") in html, section
    for needle in (":::", "{prf:", "{exercise}", "{cite}", "BEGIN SOLUTION", "HIDDEN TESTS"):
        assert needle not in html, needle
    from fairtutor import classroom  # no solution line reaches the slides

    notebook = notebook_io.read(path)
    for exercise in classroom.find_exercises(notebook):
        code = classroom.solution_code(notebook_io.source(notebook["cells"][exercise.solution]))
        leaked = [
            line for line in code.splitlines() if len(line.strip()) > 12 and line.strip() in html
        ]
        assert not leaked, (exercise.id, leaked)
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    for source in sources:
        assert (out / source).is_file(), source
    assert (out / "reveal.js" / "LICENSE").is_file() and (out / "index.html").is_file()

    changed = notebook_io.read(path)
    for cell in changed["cells"]:
        if cell["cell_type"] == "markdown" and "## Demographic parity" in notebook_io.source(cell):
            notebook_io.set_source(
                cell,
                notebook_io.source(cell).replace(
                    "## Demographic parity", "## Demographic parity, renamed"
                ),
            )
    notebook_io.write(tmp_path / path.name, changed)
    [deck] = slides.build_slides([tmp_path / path.name], tmp_path / "changed")
    assert "Demographic parity, renamed" in deck.read_text(encoding="utf-8")


def test_make_slides_is_documented_with_its_time():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^slides: .*\n\t.*tools/slides.py", makefile, re.M)
    assert re.search(r"^rubrics: ", makefile, re.M)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"`make slides`.*\d+ s", readme), "README: make slides and its time"
    vendored = ROOT / "book" / "_vendor" / "reveal.js"
    assert "MIT" in (vendored / "LICENSE").read_text(encoding="utf-8")
    assert (vendored / "dist" / "reveal.js").is_file()


# --------------------------------------------------------------------------
# 4. rubrics
# --------------------------------------------------------------------------


def test_every_written_answer_has_criteria_that_add_up_to_its_points(course):
    answers = rubrics.written_answers(NOTEBOOKS)
    found = rubrics.problems(answers, course.get("rubrics", {}))
    assert not found, "\n".join(found)


def test_rubric_document_has_points_criteria_and_model_answers(course, tmp_path):
    answers = rubrics.written_answers(NOTEBOOKS)
    criteria = course["rubrics"]
    known = [a for a in answers if a["grade_id"] in criteria]
    assert known, "no written answer in the chapters"
    text = rubrics.rubric_markdown(known, criteria)
    for answer in known:
        assert f"`{answer['grade_id']}` ({answer['points']:g} point" in text
        first_line = answer["answer"].splitlines()[0]
        assert first_line and f"> {first_line}" in text
        for criterion in criteria[answer["grade_id"]]:
            assert criterion["criterion"] in text
    assert "BEGIN SOLUTION" not in text and "{admonition}" not in text
    # mismatched points and missing criteria are refused
    wrong = {k: [dict(c, points=c["points"] * 2) for c in v] for k, v in criteria.items()}
    assert any("add up to" in p for p in rubrics.problems(known, wrong))
    assert any("no grading criteria" in p for p in rubrics.problems(known, {}))
    assert any(
        "which no chapter has" in p
        for p in rubrics.problems(known, dict(criteria, **{"ghost-written": []}))
    )


def test_the_rubrics_stay_out_of_the_published_book():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert "rubric" not in toc.lower() and "answer_key" not in toc
    for page in (ROOT / "book").glob("*.md"):
        assert "BEGIN SOLUTION" not in page.read_text(encoding="utf-8").replace(
            "`### BEGIN SOLUTION`", ""
        ), page


# --------------------------------------------------------------------------
# 5. projects
# --------------------------------------------------------------------------


def test_project_briefs_load_their_data_and_grade_out_of_twenty():
    briefs = sorted((ROOT / "projects").glob("*/brief.md"))
    assert len(briefs) == 2 and len(PROJECTS) == 2
    for brief in briefs:
        text = brief.read_text(encoding="utf-8")
        for heading in ("## Data", "## What to do", "## Deliverables", "## Grading"):
            assert heading in text, (brief, heading)
        code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
        namespace = {}
        exec(compile(code, str(brief), "exec"), namespace)  # the brief's own data code runs
        assert len(namespace["X"]) == len(namespace["y" if "y" in namespace else "Y"]) > 300
        points = [int(p) for p in re.findall(r"^\| (\d+) \|", text, re.M)]
        assert sum(points) == 20, (brief, points)


@pytest.mark.slow
@pytest.mark.parametrize("path", PROJECTS, ids=[p.parent.name for p in PROJECTS])
def test_reference_solution_runs(path, tmp_path):
    """The reference solution runs top to bottom (its asserts state the report's claims)."""
    import nbformat
    from nbclient import NotebookClient

    copy_path = tmp_path / path.name
    shutil.copy(path, copy_path)
    notebook = nbformat.read(copy_path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    print(f"{path.parent.name}: {time.perf_counter() - start:.0f} s")
    assert not any(
        o.get("output_type") == "error" for c in notebook.cells for o in c.get("outputs", [])
    )
