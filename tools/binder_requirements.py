"""Print binder/requirements.txt, the pinned environment Binder builds.

The pinned, CPU-only environment that Binder (repo2docker) builds for the
chapters.

It pins every distribution that ``fairtutor[notebooks]`` brings in, at the
version installed in the environment that runs this script, which is the one
the book is built and tested with (``make binder-requirements`` runs it with
``.venv``). PyTorch comes from the CPU wheel index: the default index serves a
Linux build that pulls in several GB of CUDA libraries. Left out is the
Jupyter kernel and what only it needs: Binder brings its own Jupyter server
and kernel, and pinning them against its image's versions can break the
build. ``binder/postBuild`` then installs fairtutor itself with ``--no-deps``.

Usage::

    .venv/bin/python tools/binder_requirements.py > binder/requirements.txt
"""

import importlib.metadata
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
#: Binder's image provides the Jupyter server and kernel.
PROVIDED_BY_BINDER = {"ipykernel"}


def notebook_requirements(project):
    """Requirements of ``fairtutor[notebooks]``, core included.

    Self-references are expanded; what Binder provides is left out.
    """
    found, pending, seen = [Requirement(r) for r in project["dependencies"]], ["notebooks"], set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in project["optional-dependencies"][extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == "fairtutor":
                pending.extend(requirement.extras)
            elif canonicalize_name(requirement.name) not in PROVIDED_BY_BINDER:
                found.append(requirement)
    return found


def pinned_closure(requirements):
    """Map each distribution name to its installed version.

    Covers the requirements and, recursively, what they require on this
    platform.
    """
    pins, pending = {}, [(r, "") for r in requirements]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        dist = importlib.metadata.distribution(requirement.name)
        name = dist.metadata["Name"]
        if name in pins:
            continue
        pins[name] = dist.version
        for text in dist.requires or []:
            for wanted in requirement.extras or {""}:
                pending.append((Requirement(text), wanted))
    return pins


def main():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = pinned_closure(notebook_requirements(project))
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    print("# Written by tools/binder_requirements.py (make binder-requirements): every")
    print("# package fairtutor[notebooks] brings in, at the versions the book was built")
    print(f"# with (Python {python}); PyTorch is the CPU build from PyTorch's CPU index.")
    print(f"--extra-index-url {CPU_INDEX}")
    for name in sorted(pins, key=str.lower):
        version = pins[name]
        if canonicalize_name(name) == "torch" and "+" not in version:
            version += "+cpu"
        print(f"{name}=={version}")


if __name__ == "__main__":
    main()
