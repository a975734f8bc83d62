"""Indexing follows commits: committed changes are searchable, rolled-back ones never are."""

from __future__ import annotations

from eduplatform.core.extensions import db
from eduplatform.core.search.base import SearchQuery
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import create_org_unit


def titles(search, text) -> list[str]:
    return [hit.title for hit in search.search(SearchQuery(text=text, kinds=["org"])).hits]


def test_committed_org_is_searchable(app, search, tree):
    create_org_unit(None, code="IDX1", name="滨江区实验中学", type=OrgType.SCHOOL, parent=tree.district_a)
    assert titles(search, "滨江") == []  # not before the commit
    db.session.commit()
    assert titles(search, "滨江") == ["滨江区实验中学"]


def test_rolled_back_org_is_never_searchable(app, search, tree):
    create_org_unit(None, code="IDX2", name="临江区实验中学", type=OrgType.SCHOOL, parent=tree.district_a)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert titles(search, "临江") == []


def test_update_and_deactivation_follow(app, search, tree):
    tree.school_b1.name = "西山区育英小学"
    db.session.commit()
    assert titles(search, "育英") == ["西山区育英小学"]
    assert titles(search, "育才") == []
    tree.school_b1.is_active = False
    db.session.commit()
    assert titles(search, "育英") == []
