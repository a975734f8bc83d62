"""The one search box: every searchable kind answers a query within the searcher's permissions.

A domain registers a :class:`SearchGroup` in its ``init_app``; ``run(user, q, limit)`` calls the
domain's own search service (with its ACL), so the unified page can never show more than the
domain's own search would. The page shows each group's count, its first hits and a link to the
domain's full search (``more_url(q)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class SearchLink:
    title: str
    url: str
    summary: str = ""


@dataclass
class GroupResult:
    total: int
    links: list[SearchLink] = field(default_factory=list)


@dataclass(frozen=True)
class SearchGroup:
    kind: str
    label: str
    #: fn(user) -> bool: whether the searcher may use this kind's search at all
    when: Callable[[object], bool]
    #: fn(user, q, limit) -> GroupResult, within the user's permissions
    run: Callable[[object, str, int], GroupResult]
    #: fn(q) -> the domain's full search for the words
    more_url: Callable[[str], str]
    order: int = 50


_groups: dict[str, SearchGroup] = {}

#: The most words a query may have on the unified page (longer input is cut, not refused).
MAX_QUERY = 100


def register_search_group(group: SearchGroup) -> None:
    _groups[group.kind] = group


def search_groups(user) -> list[SearchGroup]:
    return sorted((g for g in _groups.values() if g.when(user)), key=lambda g: (g.order, g.kind))


def search_all(user, q: str, limit: int = 5) -> list[tuple[SearchGroup, GroupResult]]:
    q = (q or "").strip()[:MAX_QUERY]
    if not q:
        return []
    return [(group, group.run(user, q, limit)) for group in search_groups(user)]
