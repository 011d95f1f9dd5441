"""Build hook: ship the top-level `criteria/` and `rules/` inside the wheel.

The design keeps methodologies and rules at the top of the repository, where provinces
edit them as data. A wheel must carry them (and the bundled examples in `fixtures/`, which
`parscore serve` offers), so `build_py` copies the trees into
`parscore/data/` of the build; the package then finds them through importlib.resources
(`parscore.resources`). An editable install reads them from the checkout itself.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "parscore" / "data"
        for tree in ("criteria", "rules", "fixtures"):
            dest = target / tree
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(ROOT / tree, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithData})
