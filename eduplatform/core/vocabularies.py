"""The platform's one set of controlled vocabularies: ``resource_specs/vocabularies/*.yaml``.

学段 stage, 学科 subject, 年级 grade, 教材版本, 知识点, 格式 … each file a code, a label and its terms
(code, Chinese label, aliases, further attributes such as a grade's stage). One loader reads them:
the resource library builds its type specs on them (``resources.specs.load_specs``) and the question
bank takes its subjects and grades from them (``questions.vocab``), so a term added to a file reaches
both.

The directory is ``$EDU_RESOURCE_SPECS_DIR/vocabularies`` when set (as the resource library's
``RESOURCE_SPECS_DIR``), else the repository's ``resource_specs/vocabularies``; :func:`shared` reads
it once per process.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

#: The repository's resource_specs/ (this file is eduplatform/core/vocabularies.py).
DEFAULT_SPECS_DIR = Path(__file__).resolve().parents[2] / "resource_specs"


class VocabularyError(Exception):
    """A vocabulary file is malformed (raised at start-up, never at request time)."""


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    aliases: tuple[str, ...] = ()
    attrs: dict = field(default_factory=dict)


@dataclass
class Vocabulary:
    code: str
    label: str
    terms: list[Term]

    def __post_init__(self):
        self.by_code = {t.code: t for t in self.terms}
        self._lookup: dict[str, str] = {}
        for term in self.terms:
            for key in (term.code, term.label, *term.aliases):
                self._lookup.setdefault(str(key).strip().lower(), term.code)

    def resolve(self, value) -> str | None:
        """The code for a code, a Chinese label or an alias; None when unknown."""
        if value is None:
            return None
        return self._lookup.get(str(value).strip().lower())

    def label_of(self, code: str | None) -> str:
        term = self.by_code.get(code or "")
        return term.label if term else (code or "")

    def labels(self) -> dict[str, str]:
        """{code: label} in the file's order (a new dict each time)."""
        return {t.code: t.label for t in self.terms}


def read_yaml(path: Path) -> dict:
    """A YAML file whose top level is a mapping."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path.name}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise VocabularyError(f"{path.name}: expected a mapping at the top level")
    return data


def read_vocabulary(path: Path) -> Vocabulary:
    data = read_yaml(path)
    terms = []
    for raw in data.get("terms") or []:
        if not isinstance(raw, dict) or not raw.get("code") or not raw.get("label"):
            raise VocabularyError(f"{path.name}: every term needs a code and a label ({raw!r})")
        attrs = {k: v for k, v in raw.items() if k not in ("code", "label", "aliases")}
        terms.append(Term(str(raw["code"]), str(raw["label"]), tuple(raw.get("aliases") or ()), attrs))
    codes = [t.code for t in terms]
    if len(set(codes)) != len(codes):
        raise VocabularyError(f"{path.name}: duplicate term codes")
    return Vocabulary(code=str(data.get("code") or path.stem), label=str(data.get("label") or path.stem),
                      terms=terms)


def load_vocabularies(directory: Path | str) -> dict[str, Vocabulary]:
    """Every ``*.yaml`` of ``directory`` (a vocabularies directory), by vocabulary code."""
    vocabularies = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        vocab = read_vocabulary(path)
        vocabularies[vocab.code] = vocab
    return vocabularies


def specs_directory() -> Path:
    """The resource_specs directory in use: ``$EDU_RESOURCE_SPECS_DIR`` or the repository's."""
    return Path(os.environ.get("EDU_RESOURCE_SPECS_DIR") or DEFAULT_SPECS_DIR)


@functools.cache
def shared() -> dict[str, Vocabulary]:
    """The platform's vocabularies, read once per process."""
    return load_vocabularies(specs_directory() / "vocabularies")


def vocabulary(code: str) -> Vocabulary:
    """One shared vocabulary (``"subject"``, ``"grade"``, ``"stage"`` …); KeyError when there is none."""
    return shared()[code]


__all__ = ["DEFAULT_SPECS_DIR", "Term", "Vocabulary", "VocabularyError", "load_vocabularies", "read_vocabulary",
           "read_yaml", "shared", "specs_directory", "vocabulary"]
