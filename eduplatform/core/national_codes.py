"""National code lists as data (``resource_specs/national/*.yaml``) and the map from the platform's
vocabularies onto them: 办学类型, 中小学课程 (学科), 学段, 年级.

Each file names its standard and says where the list came from (``source``: primary, secondary or
unconfirmed), lists the codes (``terms``) and maps platform codes to them (``maps``: one platform
vocabulary → code, ``by_stage`` overriding per 学段; ``unmapped`` names the platform codes that have
no national code on purpose). Exports and the OAI-PMH/LOM records ask :func:`national_code`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from eduplatform.core.vocabularies import read_yaml, specs_directory

SOURCES = ("primary", "secondary", "unconfirmed")


class CodeListError(Exception):
    """A file of resource_specs/national/ is malformed (raised at start-up or in tests)."""


@dataclass
class CodeList:
    code: str
    label: str
    standard: str
    source: str
    terms: dict[str, str]
    #: platform vocabulary → {platform code: national code}
    maps: dict[str, dict[str, str]] = field(default_factory=dict)
    #: 学段 → {platform code: national code or None}
    by_stage: dict[str, dict[str, str | None]] = field(default_factory=dict)
    unmapped: tuple[str, ...] = ()

    def label_of(self, code: str | None) -> str:
        return self.terms.get(code or "", "")


def read_code_list(path: Path) -> CodeList:
    data = read_yaml(path)
    try:
        terms = {str(t["code"]): str(t["label"]) for t in data["terms"]}
        maps = dict(data.get("maps") or {})
        by_stage = maps.pop("by_stage", None) or {}
        code_list = CodeList(code=data["code"], label=data["label"], standard=data["standard"],
                             source=data["source"], terms=terms,
                             maps={k: {str(a): str(b) for a, b in v.items()} for k, v in maps.items()},
                             by_stage={s: {str(a): (str(b) if b is not None else None) for a, b in v.items()}
                                       for s, v in by_stage.items()},
                             unmapped=tuple(data.get("unmapped") or ()))
    except (KeyError, TypeError, AttributeError) as exc:
        raise CodeListError(f"{path.name}: {exc}") from exc
    if code_list.source not in SOURCES:
        raise CodeListError(f"{path.name}: source must be one of {SOURCES}")
    for mapping in [*code_list.maps.values(), *code_list.by_stage.values()]:
        for platform, national in mapping.items():
            if national is not None and national not in terms:
                raise CodeListError(f"{path.name}: {platform} → {national}, which the list does not have")
    return code_list


def load_code_lists(directory: Path | str) -> dict[str, CodeList]:
    return {p.stem: read_code_list(p) for p in sorted(Path(directory).glob("*.yaml"))}


@functools.cache
def shared() -> dict[str, CodeList]:
    return load_code_lists(specs_directory() / "national")


def national_code(vocabulary: str, code: str | None, *, stage: str | None = None) -> tuple[str, str] | None:
    """(national code, its label) for a platform code of ``vocabulary`` (``subject``, ``stage``,
    ``grade``, ``school_type``); None when it has none."""
    if not code:
        return None
    for code_list in shared().values():
        if vocabulary not in code_list.maps:
            continue
        override = code_list.by_stage.get(stage or "", {})
        national = override[code] if code in override else code_list.maps[vocabulary].get(code)
        return (national, code_list.label_of(national)) if national else None
    return None


def code_list_for(vocabulary: str) -> CodeList | None:
    return next((c for c in shared().values() if vocabulary in c.maps), None)
