"""The package as people install it: extras, version, wheel, notebook setup.

Issue 18: every chapter runs after the install the book documents (laptop,
Colab, Binder, JupyterHub, nbgrader grader), the core install needs no
PyTorch, and ``python -m build`` makes a wheel that works away from the
repository.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import pkgutil
import re
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from fairtutor import classroom

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]

#: The modules that need PyTorch (the `torch` extra). Every other module of
#: the package must import with the core install alone.
TORCH_MODULES = {"fairtutor._optional", "fairtutor.divergences", "fairtutor.representation"}


def read_notebook(path):
    return json.loads(path.read_text(encoding="utf-8"))


def package_modules():
    """Every module of the fairtutor source tree, by dotted name."""
    names = ["fairtutor"]
    for info in pkgutil.walk_packages([str(ROOT / "fairtutor")], prefix="fairtutor."):
        names.append(info.name)
    return sorted(names)


def notebook_imports(notebook):
    """Top-level names of the modules a notebook's code cells import."""
    found = set()
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        # IPython magics and shell escapes are not Python.
        source = "\n".join(
            line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def extra_requirements(extra):
    """The requirements of ``fairtutor[extra]`` read from pyproject.toml, with
    the core dependencies and the self-references (``fairtutor[torch]``)
    expanded."""
    requirements, pending, seen = list(PROJECT["dependencies"]), [extra], set()
    requirements = [Requirement(r) for r in requirements]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in PROJECT["optional-dependencies"][name]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == "fairtutor":
                pending.extend(requirement.extras)
            else:
                requirements.append(requirement)
    return requirements


def installed_closure(requirements):
    """Canonical names of the distributions these requirements bring in,
    following the installed distributions' own requirements."""
    closure, pending = set(), [(r, "") for r in requirements]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        if name in closure:
            continue
        closure.add(name)
        try:
            dist = importlib.metadata.distribution(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for text in dist.requires or []:
            for wanted in requirement.extras or {""}:
                pending.append((Requirement(text), wanted))
    return closure


# --------------------------------------------------------------------------
# Extras


def test_core_needs_no_torch_nor_notebook_packages():
    core = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    for heavy in ("torch", "pot", "fairlearn", "geomloss"):
        assert heavy not in core, f"{heavy} is in the core install; it belongs to an extra"
    torch_extra = {
        canonicalize_name(Requirement(r).name) for r in PROJECT["optional-dependencies"]["torch"]
    }
    assert "torch" in torch_extra


@pytest.mark.parametrize("extra", ["book", "test", "classroom"])
def test_environments_that_run_the_chapters_include_the_notebooks_extra(extra):
    # make book and make test execute every chapter; nbgrader's autograde too.
    names = {str(r) for r in extra_requirements(extra)}
    notebooks = {str(r) for r in extra_requirements("notebooks")}
    assert notebooks <= names, f"fairtutor[{extra}] lacks {sorted(notebooks - names)}"


def test_core_modules_import_without_torch_and_torch_modules_name_the_extra():
    # A child interpreter in which torch, POT, fairlearn and geomloss cannot
    # be imported, as after `pip install fairtutor` alone.
    script = textwrap.dedent(f"""
        import importlib, importlib.abc, sys

        class Uninstalled(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("torch", "ot", "fairlearn", "geomloss"):
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

        sys.meta_path.insert(0, Uninstalled())
        for name in {sorted(set(package_modules()) - TORCH_MODULES)!r}:
            importlib.import_module(name)
        for name in {sorted(TORCH_MODULES)!r}:
            try:
                importlib.import_module(name)
            except ImportError as error:
                message = str(error)
                assert 'pip install "fairtutor[torch]"' in message, message
                assert error.name == "torch", error.name
            else:
                raise AssertionError(name + " imported without torch")
        print("ok")
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_every_notebook_import_is_provided_by_the_notebooks_extra():
    provided = installed_closure(extra_requirements("notebooks")) | {"fairtutor"}
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for path in NOTEBOOKS:
        for module in sorted(notebook_imports(read_notebook(path))):
            if module in sys.stdlib_module_names or module == "fairtutor":
                continue
            owners = {canonicalize_name(d) for d in distributions.get(module, [])}
            assert owners, f"{path.name} imports {module}, which no installed package provides"
            if not owners & provided:
                missing.setdefault(module, []).append(path.stem)
    assert not missing, f"not in fairtutor[notebooks]: {missing}"


def test_notebooks_extra_holds_only_what_the_chapters_use():
    # The inverse: nothing in the extra that no chapter imports, except the
    # kernel that runs them.
    imported = set().union(*(notebook_imports(read_notebook(p)) for p in NOTEBOOKS))
    distributions = importlib.metadata.packages_distributions()
    imported_dists = {canonicalize_name(d) for m in imported for d in distributions.get(m, [])}
    for text in PROJECT["optional-dependencies"]["notebooks"]:
        name = canonicalize_name(Requirement(text).name)
        if name in ("fairtutor", "ipykernel"):
            continue
        assert name in imported_dists, (
            f"fairtutor[notebooks] lists {name}, which no chapter imports"
        )


# --------------------------------------------------------------------------
# One version number


def literal_version():
    tree = ast.parse((ROOT / "fairtutor" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and getattr(node.targets[0], "id", None) == "__version__"
        ):
            assert isinstance(node.value, ast.Constant) and isinstance(node.value.value, str), (
                "__version__ must be a string literal: setuptools reads it without importing"
            )
            return node.value.value
    raise AssertionError("fairtutor/__init__.py defines no __version__")


def test_one_version_number():
    assert "version" not in PROJECT, "pyproject.toml must not repeat the version"
    assert "version" in PROJECT["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "fairtutor.__version__"
    }
    version = literal_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", version), version


def test_changelog_describes_the_current_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[?([^\]\s]+)\]?", changelog, flags=re.MULTILINE)
    assert headings, "CHANGELOG.md has no '## <version>' section"
    released = [h for h in headings if h.lower() != "unreleased"]
    assert released and released[0] == literal_version(), (
        f"the newest release in CHANGELOG.md is {released[:1]}, fairtutor is {literal_version()}"
    )


# --------------------------------------------------------------------------
# The sdist and the wheel, installed away from the repository


def scratch_python(env_dir):
    """A virtual environment whose own site-packages come first and that sees
    the running environment's packages after them (numpy, torch...), so the
    install test needs no download; returns its interpreter."""
    venv.EnvBuilder(with_pip=False, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # A plain path (not a site dir): the running environment's .pth files,
    # e.g. an editable install of fairtutor, stay inactive.
    (Path(site) / "zz_shared_site.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return python, Path(site)


@pytest.mark.slow
def test_built_wheel_works_outside_the_repository(tmp_path):
    dist = tmp_path / "dist"
    # No build isolation: setuptools comes from the test environment, so the
    # build needs no network. `python -m build` builds the sdist first and
    # the wheel from the unpacked sdist, so the wheel also proves the sdist
    # is complete.
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    version = literal_version()
    wheel = dist / f"fairtutor-{version}-py3-none-any.whl"
    sdist = dist / f"fairtutor-{version}.tar.gz"
    assert wheel.is_file() and sdist.is_file(), sorted(p.name for p in dist.iterdir())

    shipped = set(zipfile.ZipFile(wheel).namelist())
    data_files = {f"fairtutor/data/{p.name}" for p in (ROOT / "fairtutor" / "data").iterdir()}
    assert data_files <= shipped, f"the wheel lacks {sorted(data_files - shipped)}"
    assert "fairtutor/py.typed" in shipped

    python, site = scratch_python(tmp_path / "venv")
    # Unzip the wheel as pip would (the scratch env has no pip of its own).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    modules = package_modules()
    script = textwrap.dedent(f"""
        import importlib, importlib.metadata
        from pathlib import Path
        import fairtutor
        assert Path(fairtutor.__file__).is_relative_to({str(site)!r}), fairtutor.__file__
        assert importlib.metadata.version("fairtutor") == fairtutor.__version__ == {version!r}
        for name in {modules!r}:
            importlib.import_module(name)
        from fairtutor import datasets
        from fairtutor.datasets._base import BUNDLED_SHA256, read_bundled
        for name in BUNDLED_SHA256:
            read_bundled(name)  # checks each file's SHA-256
        sizes = {{}}
        for loader in [n for n in datasets.__all__ if n.startswith("load_")]:
            sizes[loader] = len(getattr(datasets, loader)().target)
        sizes["load_adult(all)"] = len(datasets.load_adult(split="all").target)
        sizes["load_student(mat)"] = len(datasets.load_student(course="mat").target)
        assert all(sizes.values()), sizes
        print(len({modules!r}), "modules;", sizes)
    """)
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # -I: no PYTHONPATH, no user site, no current directory on the path.
    result = subprocess.run(
        [python, "-I", "-c", script], cwd=tmp_path, capture_output=True, text=True, env=environment
    )
    assert result.returncode == 0, result.stderr
    assert "load_drug" in result.stdout


# --------------------------------------------------------------------------
# Notebooks that run and read well outside Jupyter Book (tools/*.py write
# them; the tests below check the chapters, and the scripts on copies).

sys.path.insert(0, str(ROOT / "tools"))
import colab_setup_cell  # noqa: E402
import colon_fences  # noqa: E402
import notebook_io  # noqa: E402


@pytest.fixture
def notebook_copies(tmp_path):
    copies = []
    for path in NOTEBOOKS:
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    return copies


def check_setup_cell(notebook, name):
    cells = colab_setup_cell.setup_cells(notebook)
    assert len(cells) == 1, (
        f"{name}: {len(cells)} Colab setup cells (run tools/colab_setup_cell.py)"
    )
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code[0] is cells[0], f"{name}: the Colab setup cell is not the first code cell"
    assert notebook_io.source(cells[0]) == colab_setup_cell.setup_source(), (
        f"{name}: the setup cell does not match _config.yml (run tools/colab_setup_cell.py)"
    )
    tags = cells[0]["metadata"]["tags"]
    assert "nbval-ignore-output" in tags or "nbval-skip" in tags
    assert cells[0]["outputs"] == [], f"{name}: the setup cell printed something"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_chapter_starts_with_the_colab_setup_cell(path):
    check_setup_cell(read_notebook(path), path.name)


def run_setup_cell(prelude):
    """Run the setup cell's code after ``prelude`` in a fresh interpreter."""
    script = prelude + "\n" + colab_setup_cell.setup_source()
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )


def test_the_setup_cell_does_nothing_outside_colab():
    result = run_setup_cell(
        "import subprocess\n"
        "def refuse(*a, **k): raise AssertionError('ran ' + repr(a))\n"
        "subprocess.run = refuse"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


def test_in_colab_the_setup_cell_installs_the_notebooks_extra_from_the_repository():
    result = run_setup_cell(
        textwrap.dedent("""
        import subprocess, sys, types
        sys.modules["google.colab"] = types.ModuleType("google.colab")
        def record(command, **kwargs):
            print(repr(command)); print(kwargs)
        subprocess.run = record
    """)
    )
    assert result.returncode == 0, result.stderr
    command = ast.literal_eval(result.stdout.splitlines()[0])
    url, branch = colab_setup_cell.repository()
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert command[-1] == f"fairtutor[notebooks] @ git+{url}@{branch}"
    assert "'check': True" in result.stdout
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert url.removeprefix("https://") in config


def test_colab_script_on_copies_is_idempotent_and_keeps_notebooks_in_order(notebook_copies):
    assert colab_setup_cell.main([str(p) for p in notebook_copies]) == 0
    first = [p.read_bytes() for p in notebook_copies]
    assert colab_setup_cell.main(["--check", *map(str, notebook_copies)]) == 0
    assert colab_setup_cell.main([str(p) for p in notebook_copies]) == 0
    assert [p.read_bytes() for p in notebook_copies] == first, "a second run changed a notebook"
    for path, original in zip(notebook_copies, NOTEBOOKS, strict=True):
        notebook = notebook_io.read(path)
        check_setup_cell(notebook, path.name)
        nbformat.validate(nbformat.from_dict(notebook))
        counts = [c["execution_count"] for c in notebook["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), f"{path.name}: {counts}"
        # Every other cell is unchanged but for its execution count.
        before = [
            c for c in read_notebook(original)["cells"] if c.get("id") != colab_setup_cell.CELL_ID
        ]
        after = [c for c in notebook["cells"] if c["id"] != colab_setup_cell.CELL_ID]
        assert [notebook_io.source(c) for c in after] == [notebook_io.source(c) for c in before]
        # The student edition keeps it: it is no exercise cell.
        student = classroom.make_student_notebook(notebook)
        kept = colab_setup_cell.setup_cells(student)
        assert len(kept) == 1 and notebook_io.source(kept[0]) == colab_setup_cell.setup_source()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_directive_is_written_with_backticks(path):
    # Colon fences read as text (with rendered math) in Jupyter and Colab.
    left = [
        info
        for cell in read_notebook(path)["cells"]
        if cell["cell_type"] == "markdown"
        for info in colon_fences.backtick_directives(notebook_io.source(cell))
    ]
    assert not left, (
        f"{path.name}: {len(left)} directives in backtick fences, e.g. {left[0]}; "
        "run tools/colon_fences.py"
    )


def test_colon_fences_converts_directives_only():
    text = textwrap.dedent("""\
        ```{prf:theorem} Title with {cite}`key`
        :label: thm-a

        Body with $x$.
        ```

        ````{exercise}
        :label: ex-a

        Code to read:

        ```python
        print("```{note}")
        ```

        ```{note}
        A nested note.
        ```
        ````

        ```{code-cell} ipython3
        1 + 1
        ```

        ```python
        ```{prf:proof}
        ```
        """)
    converted = colon_fences.convert_markdown(text)
    assert converted == textwrap.dedent("""\
        :::{prf:theorem} Title with {cite}`key`
        :label: thm-a

        Body with $x$.
        :::

        ::::{exercise}
        :label: ex-a

        Code to read:

        ```python
        print("```{note}")
        ```

        :::{note}
        A nested note.
        :::
        ::::

        ```{code-cell} ipython3
        1 + 1
        ```

        ```python
        ```{prf:proof}
        ```
        """)
    assert colon_fences.convert_markdown(converted) == converted
    assert colon_fences.backtick_directives(text) == [
        "{prf:theorem} Title with {cite}`key`",
        "{exercise}",
        "{note}",
    ]
    assert colon_fences.backtick_directives(converted) == []


def test_colon_fences_on_copies_changes_only_fence_lines(notebook_copies):
    assert colon_fences.main([str(p) for p in notebook_copies]) == 0
    converted = [p.read_bytes() for p in notebook_copies]
    assert colon_fences.main(["--check", *map(str, notebook_copies)]) == 0
    assert colon_fences.main([str(p) for p in notebook_copies]) == 0
    assert [p.read_bytes() for p in notebook_copies] == converted, "a second run changed a file"
    for path, original in zip(notebook_copies, NOTEBOOKS, strict=True):
        before, after = read_notebook(original), notebook_io.read(path)
        assert len(before["cells"]) == len(after["cells"])
        for old, new in zip(before["cells"], after["cells"], strict=True):
            assert {k: v for k, v in old.items() if k != "source"} == {
                k: v for k, v in new.items() if k != "source"
            }
            old_lines = notebook_io.source(old).split("\n")
            new_lines = notebook_io.source(new).split("\n")
            assert len(old_lines) == len(new_lines)
            for a, b in zip(old_lines, new_lines, strict=True):
                if a != b:
                    assert a.startswith("```") and b.startswith(":::"), (a, b)
                    assert a.lstrip("`") == b.lstrip(":"), (a, b)


# --------------------------------------------------------------------------
# Binder: a pinned, CPU-only environment with every chapter import


def binder_pins():
    pins, options = {}, []
    for line in (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"not pinned: {line}"
        pins[canonicalize_name(requirement.name)] = specifiers[0].version
    return pins, options


def test_binder_pins_every_chapter_import_with_the_cpu_build_of_torch():
    pins, options = binder_pins()
    assert options == ["--extra-index-url https://download.pytorch.org/whl/cpu"], options
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    torch_pin = re.search(r"^TORCH_PIN := torch==(\S+)$", makefile, flags=re.MULTILINE).group(1)
    assert pins["torch"] == f"{torch_pin}+cpu", "Binder must get the torch the book runs with"
    distributions = importlib.metadata.packages_distributions()
    for path in NOTEBOOKS:
        for module in notebook_imports(read_notebook(path)):
            if module in sys.stdlib_module_names or module == "fairtutor":
                continue
            owners = {canonicalize_name(d) for d in distributions.get(module, [])}
            assert owners & set(pins), f"{path.name} imports {module}; binder/ does not pin it"
    # fairtutor's own requirements too, so that postBuild's --no-deps is safe.
    for requirement in extra_requirements("notebooks"):
        name = canonicalize_name(requirement.name)
        if name != "ipykernel":  # Binder's image brings its kernel
            assert name in pins, f"binder/requirements.txt lacks {name}"
            assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])


def test_binder_installs_fairtutor_without_changing_the_pins():
    post_build = (ROOT / "binder" / "postBuild").read_text(encoding="utf-8")
    assert "pip install --no-cache-dir --no-deps -e ." in post_build
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK)
    runtime = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    header = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8")
    python = re.search(r"\(Python (\d+\.\d+)\)", header).group(1)
    assert runtime == f"python-{python}", "runtime.txt must name the Python the pins were made for"


# --------------------------------------------------------------------------
# One set of install instructions: README, introduction, instructor guide


def test_readme_introduction_and_guide_give_the_same_install_instructions():
    install = (ROOT / "book" / "_install.md").read_text(encoding="utf-8")
    assert install in (ROOT / "README.md").read_text(encoding="utf-8"), (
        "README.md's install section differs from book/_install.md; copy it over"
    )
    for page in ("intro.md", "instructor_guide.md"):
        text = (ROOT / "book" / page).read_text(encoding="utf-8")
        assert "```{include} _install.md\n```" in text, f"book/{page} does not include it"
    for setting in (
        "### On a laptop",
        "### On Google Colab",
        "### On Binder",
        "### On JupyterHub",
        "### For an nbgrader grader",
        "### pip install fairtutor",
    ):
        assert setting in install


def test_install_instructions_name_real_extras_and_the_configured_repository():
    install = (ROOT / "book" / "_install.md").read_text(encoding="utf-8")
    extras = set(PROJECT["optional-dependencies"])
    named = set(re.findall(r"fairtutor\[(\w+)\]", install)) | set(
        re.findall(r"\.\[(\w+)\]", install)
    )
    assert named and named <= extras, named - extras
    url, _ = colab_setup_cell.repository()
    addresses = set(re.findall(r"git\+(\S+?)[\"`]", install))
    assert addresses == {url}, addresses
