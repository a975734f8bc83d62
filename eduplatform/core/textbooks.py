"""The 教材目录: ``resource_specs/textbooks/*.yaml``, one file per 册 (版本 → 册 → 单元/章 → 课/节).

Every domain that attaches things to a lesson of a textbook (the library's resources, a course's
lessons) reads the same catalogue here. A node's id is ``<volume code>:<node code>``; a volume's own
id is its code. The catalogue is also offered as the vocabulary ``textbook_node`` (see
:func:`as_vocabulary`), so the resource types can name it as an element's vocabulary.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from eduplatform.core.vocabularies import Term, Vocabulary, VocabularyError, read_yaml, specs_directory

TERMS = {"上册", "下册", "全一册"}


@dataclass
class Node:
    id: str
    code: str
    label: str
    volume: Volume
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    @property
    def path(self) -> list[Node]:
        """From the top 单元/章 down to this node."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    @property
    def full_label(self) -> str:
        """人教版 数学 七年级上册 · 第三章 一元一次方程 · 3.2 …"""
        return " · ".join([self.volume.full_label, *(n.label for n in self.path)])

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Volume:
    code: str
    label: str
    edition: str
    edition_label: str
    subject: str
    stage: str
    grade: str
    term: str
    published: int | None
    nodes: list[Node] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.code

    @property
    def full_label(self) -> str:
        return f"{self.edition_label} {self.label}"

    def walk(self):
        for node in self.nodes:
            yield from node.walk()


@dataclass
class Catalogue:
    volumes: dict[str, Volume]

    def __post_init__(self):
        self.nodes: dict[str, Node] = {n.id: n for v in self.volumes.values() for n in v.walk()}

    def volume(self, code: str) -> Volume | None:
        return self.volumes.get(code)

    def node(self, node_id: str) -> Node | None:
        return self.nodes.get(node_id)

    def find(self, *, stage: str | None = None, subject: str | None = None, grade: str | None = None,
             edition: str | None = None) -> list[Volume]:
        """The volumes matching every given code, in grade then 上册/下册 order."""
        found = [v for v in self.volumes.values()
                 if (not stage or v.stage == stage) and (not subject or v.subject == subject)
                 and (not grade or v.grade == grade) and (not edition or v.edition == edition)]
        return sorted(found, key=lambda v: (v.stage, _grade_order(v.grade), v.term != "上册", v.edition, v.code))

    def lineage(self, ids) -> list[str]:
        """The ids and every id above them (their 章 and 册): what a filter by any of those finds."""
        out: dict[str, None] = {}
        for node_id in ids or ():
            node = self.nodes.get(node_id)
            if node is None:
                continue
            out[node.volume.code] = None
            for above in node.path:
                out[above.id] = None
        return list(out)


def _grade_order(grade: str) -> tuple[int, str]:
    digits = "".join(ch for ch in grade if ch.isdigit())
    return (int(digits) if digits else 0, grade)


def read_volume(path: Path, vocabularies: dict[str, Vocabulary]) -> Volume:
    data = read_yaml(path)
    where = path.name
    for key in ("code", "label", "edition", "subject", "stage", "grade", "term", "nodes"):
        if not data.get(key):
            raise VocabularyError(f"textbooks/{where}: {key} is missing")
    for key, vocab in (("edition", "textbook_edition"), ("subject", "subject"), ("stage", "stage"),
                       ("grade", "grade")):
        if vocab in vocabularies and str(data[key]) not in vocabularies[vocab].by_code:
            raise VocabularyError(f"textbooks/{where}: {key} {data[key]!r} is not in vocabularies/{vocab}.yaml")
    if data["term"] not in TERMS:
        raise VocabularyError(f"textbooks/{where}: term must be one of {'、'.join(sorted(TERMS))}")
    edition_label = (vocabularies["textbook_edition"].label_of(str(data["edition"]))
                     if "textbook_edition" in vocabularies else str(data["edition"]))
    volume = Volume(code=str(data["code"]), label=str(data["label"]), edition=str(data["edition"]),
                    edition_label=edition_label, subject=str(data["subject"]), stage=str(data["stage"]),
                    grade=str(data["grade"]), term=str(data["term"]),
                    published=int(data["published"]) if data.get("published") else None)
    seen: set[str] = set()

    def build(raw, parent: Node | None) -> Node:
        if not isinstance(raw, dict) or not raw.get("code") or not raw.get("label"):
            raise VocabularyError(f"textbooks/{where}: every node needs a code and a label ({raw!r})")
        code = str(raw["code"])
        if code in seen or ":" in code:
            raise VocabularyError(f"textbooks/{where}: node code {code!r} is repeated or contains ':'")
        seen.add(code)
        node = Node(id=f"{volume.code}:{code}", code=code, label=str(raw["label"]), volume=volume, parent=parent)
        node.children = [build(child, node) for child in raw.get("children") or []]
        return node

    volume.nodes = [build(raw, None) for raw in data["nodes"]]
    return volume


def load_catalogue(directory: Path | str, vocabularies: dict[str, Vocabulary]) -> Catalogue:
    """Every volume of a textbooks directory (none when it does not exist)."""
    directory = Path(directory)
    volumes: dict[str, Volume] = {}
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        volume = read_volume(path, vocabularies)
        if volume.code in volumes:
            raise VocabularyError(f"textbooks/{path.name}: volume code {volume.code!r} is used twice")
        volumes[volume.code] = volume
    return Catalogue(volumes)


def as_vocabulary(catalogue: Catalogue) -> Vocabulary:
    """Volumes and nodes as the terms of ``textbook_node`` (a node's label names its volume)."""
    terms = []
    for volume in catalogue.volumes.values():
        terms.append(Term(volume.code, volume.full_label, attrs={"subject": volume.subject, "stage": volume.stage,
                                                                  "grade": volume.grade}))
        for node in volume.walk():
            terms.append(Term(node.id, node.full_label,
                              attrs={"parent": node.parent.id if node.parent else volume.code,
                                     "subject": volume.subject, "stage": volume.stage, "grade": volume.grade}))
    return Vocabulary(code="textbook_node", label="教材章节", terms=terms)


@functools.cache
def shared() -> Catalogue:
    """The platform's catalogue, read once per process."""
    from eduplatform.core.vocabularies import shared as vocabularies

    return load_catalogue(specs_directory() / "textbooks", vocabularies())


def catalogue() -> Catalogue:
    return shared()


__all__ = ["Catalogue", "Node", "Volume", "as_vocabulary", "catalogue", "load_catalogue", "read_volume"]
