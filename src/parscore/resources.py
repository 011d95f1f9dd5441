"""Where methodologies are found: the user's own directories first, then the bundled ones.

- `PARSCORE_METHODOLOGIES`: directories (separated by the OS path separator, `:` on
  Linux) holding `<id>.yaml` methodology files, each naming its rules directory relative
  to itself. A province keeps its own or corrected tables there without touching parscore.
- `PARSCORE_HOME` (older, still honoured): a directory with a `criteria/` folder.
- The bundled tables: inside an installed wheel they are `parscore/data/criteria` and
  `parscore/data/rules` (and the examples `parscore/data/fixtures`) (copied there at build time, read through importlib.resources);
  in a source checkout or an editable install they are the repository's own `criteria/`
  and `rules/`.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def data_root() -> Path:
    """The directory holding the bundled `criteria/`, `rules/` and `fixtures/` (examples)."""
    packaged = resources.files("parscore") / "data"
    if (packaged / "criteria").is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2]


def bundled_criteria() -> Path:
    """The directory of the methodologies shipped with parscore."""
    return data_root() / "criteria"


def methodology_dirs() -> list[Path]:
    """Directories searched for `<id>.yaml`, in order."""
    dirs = [Path(d) for d in os.environ.get("PARSCORE_METHODOLOGIES", "").split(os.pathsep) if d]
    if os.environ.get("PARSCORE_HOME"):
        dirs.append(Path(os.environ["PARSCORE_HOME"]) / "criteria")
    dirs.append(bundled_criteria())
    return dirs


def find_methodology(ref: str) -> Path | None:
    """The file of methodology `ref`, or None."""
    for d in methodology_dirs():
        candidate = d / f"{ref}.yaml"
        if candidate.is_file():
            return candidate
    return None


def known_methodologies() -> list[str]:
    """Every methodology id that `find_methodology` can resolve."""
    return sorted({p.stem for d in methodology_dirs() if d.is_dir() for p in d.glob("*.yaml")})
