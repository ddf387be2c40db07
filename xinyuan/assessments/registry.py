"""The scales a site offers: the shipped files plus any a site drops into
``XINYUAN_EXTRA_SCALES_DIR``. Loaded once per process; a malformed file is skipped and reported
(``manage.py check`` and ``manage.py check_scales`` name the file and the problem)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from pydantic import ValidationError

from xinyuan.assessments.rules import Compiled
from xinyuan.assessments.schema import ScaleFile

BUILTIN_DIR = Path(__file__).resolve().parent / "scales"


@dataclass(frozen=True)
class ScaleFileError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(file)"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def load_file(path: Path) -> ScaleFile:
    """Parse and validate one file; ValueError names the problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"is not valid JSON (line {exc.lineno}, column {exc.colno})") from exc
    try:
        scale = ScaleFile.model_validate(data)
    except ValidationError as exc:
        raise ValueError(_describe(exc)) from exc
    if path.stem != scale.code:
        raise ValueError(f"the file name must be the scale's code ({scale.code}.json)")
    return scale


def scale_dirs() -> list[Path]:
    dirs = [BUILTIN_DIR]
    extra = getattr(settings, "EXTRA_SCALES_DIR", "")
    if extra:
        dirs.append(Path(extra))
    return dirs


def load_all(dirs: list[Path]) -> tuple[dict[str, Compiled], list[ScaleFileError]]:
    scales: dict[str, Compiled] = {}
    errors: list[ScaleFileError] = []
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.json")):
            try:
                scale = load_file(path)
            except ValueError as exc:
                errors.append(ScaleFileError(str(path), str(exc)))
                continue
            if scale.code in scales:
                errors.append(ScaleFileError(str(path), f"scale {scale.code} is defined twice"))
                continue
            scales[scale.code] = Compiled(scale)
    return scales, errors


@lru_cache(maxsize=1)
def _loaded() -> tuple[dict[str, Compiled], list[ScaleFileError]]:
    return load_all(scale_dirs())


def scales() -> dict[str, Compiled]:
    return _loaded()[0]


def errors() -> list[ScaleFileError]:
    return _loaded()[1]


def get(code: str) -> Compiled | None:
    return scales().get(code)


def reload() -> None:
    _loaded.cache_clear()
