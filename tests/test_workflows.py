"""The GitHub workflows, .ci/run and the Makefile agree with one another.

No workflow runs here (they need GitHub), so this is what can be checked
offline: each file parses, its jobs are well formed and depend on jobs that
exist, every action is pinned to a version, every ``make X`` names a target
of the Makefile, and each workflow does its one job (publish the book, run
.ci/run, release the wheel). actionlint is not used: its Python package
downloads the binary when it installs, which needs the network.
"""

import os
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
MOVING_REFS = {"main", "master", "HEAD", "latest"}


def load(name):
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def triggers(workflow):
    # YAML 1.1 reads the key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))


def steps(workflow):
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def run_commands(workflow):
    return "\n".join(step.get("run", "") for step in steps(workflow))


def makefile_targets():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z0-9][\w.-]*)\s*:(?!=)", text, flags=re.MULTILINE))


def make_targets_called(script):
    """The targets of every `make X Y` in a shell script."""
    called = []
    for line in script.splitlines():
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]  # a comment, not ${x#y}
        for command in re.split(r"&&|\|\||;", line):
            try:
                words = shlex.split(command)
            except ValueError:  # a quote split by the separators above
                words = command.split()
            if words and words[0] == "make":
                called += [w for w in words[1:] if not w.startswith("-") and "=" not in w]
    return called


def test_the_three_workflows_exist():
    assert {p.name for p in FILES} == {"book.yml", "ci.yml", "release.yml"}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_workflow_is_well_formed(path):
    workflow = load(path.name)
    assert workflow.get("name"), f"{path.name} has no name"
    assert triggers(workflow), f"{path.name} has no trigger (on:)"
    jobs = workflow.get("jobs")
    assert jobs, f"{path.name} has no jobs"
    for job_id, job in jobs.items():
        assert re.fullmatch(r"[A-Za-z_][\w-]*", job_id), job_id
        assert job.get("runs-on"), f"{path.name}: job {job_id} has no runs-on"
        needs = job.get("needs", [])
        for needed in [needs] if isinstance(needs, str) else needs:
            assert needed in jobs, f"{path.name}: job {job_id} needs {needed}, which does not exist"
        assert job.get("steps"), f"{path.name}: job {job_id} has no steps"
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{path.name}: {step} needs uses or run"
            if "uses" in step:
                action, _, ref = step["uses"].partition("@")
                assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?", action), step["uses"]
                assert ref and ref not in MOVING_REFS, (
                    f"{path.name}: {step['uses']} is not pinned to a version"
                )


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_workflows_call_only_existing_make_targets(path):
    called = make_targets_called(run_commands(load(path.name)))
    missing = set(called) - makefile_targets()
    assert not missing, f"{path.name} calls make {sorted(missing)}, not in the Makefile"


def test_ci_script_calls_only_existing_make_targets():
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK), ".ci/run is not executable"
    called = make_targets_called(script.read_text(encoding="utf-8"))
    assert "test" in called
    assert set(called) <= makefile_targets(), set(called) - makefile_targets()


def test_book_workflow_builds_with_make_book_and_deploys_to_pages():
    workflow = load("book.yml")
    assert triggers(workflow)["push"]["branches"] == ["main"]
    assert "make book" in run_commands(workflow)
    uses = {step.get("uses", "").partition("@")[0]: step for step in steps(workflow)}
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == "_build/html"
    assert "actions/deploy-pages" in uses
    deploy = next(
        job
        for job in workflow["jobs"].values()
        if any("deploy-pages" in s.get("uses", "") for s in job["steps"])
    )
    assert deploy.get("needs"), "the deployment must wait for the build"
    assert workflow["permissions"]["pages"] == "write"
    assert workflow["permissions"]["id-token"] == "write"
    # torch==2.13.0 from the default index is the multi-GB CUDA build.
    assert "download.pytorch.org/whl/cpu" in workflow["env"]["PIP_EXTRA_INDEX_URL"]


def test_ci_workflow_runs_the_ci_script():
    workflow = load("ci.yml")
    assert re.search(r"(^|\s)(bash )?\.ci/run\b", run_commands(workflow))
    assert {"push", "pull_request"} <= set(triggers(workflow))
    # .ci/run installs Debian's chromium package for the browser tests.
    (job,) = workflow["jobs"].values()
    assert "bookworm" in job["container"] or "debian" in job["container"]
    assert job["timeout-minutes"] <= 60


def test_release_workflow_builds_and_uploads_the_wheel_on_a_version_tag():
    workflow = load("release.yml")
    assert triggers(workflow)["push"]["tags"] == ["v*"]
    commands = run_commands(workflow)
    assert "python -m build" in commands
    # The tag must name the one version number.
    assert "fairtutor/__init__.py" in commands and "GITHUB_REF_NAME" in commands
    uses = [step.get("uses", "") for step in steps(workflow)]
    assert any(u.startswith("pypa/gh-action-pypi-publish@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)


def test_makefile_test_target_says_when_the_browser_tests_are_skipped():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^test:.*?\n((?:\t.*\n)+)", text, flags=re.MULTILINE).group(1)
    assert "chromium" in recipe and "SKIPPED" in recipe and "apt-get install chromium" in recipe
    # The status of pytest is kept, so a failure still fails make test.
    assert "exit $$status" in recipe


def test_light_targets_do_not_build_the_book_environment():
    # Building .venv installs PyTorch, Jupyter Book and Playwright: minutes.
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("help", "clean", "test-notebooks-extra"):
        prerequisites = re.search(rf"^{target}:(.*)$", text, flags=re.MULTILINE).group(1)
        assert "STAMP" not in prerequisites and "env" not in prerequisites.split(), (
            f"make {target} depends on the book's environment"
        )
