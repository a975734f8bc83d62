"""Indexing follows commits: committed changes are searchable, rolled-back ones never are."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.core.search import registry
from eduplatform.core.search.base import SearchDocument, SearchQuery
from eduplatform.core.search.registry import index_after_commit
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.orgs.services import create_org_unit
from tests.search.conftest import POSTGRES


@pytest.fixture(params=["whoosh", POSTGRES])
def search(request, app):
    """The app's backend for the test: the per-test Whoosh index, or the PostgreSQL tables."""
    if request.param == "whoosh":
        return app.extensions["edu_search"]
    backend = request.getfixturevalue("pg_search")
    app.extensions["edu_search"] = backend  # the autouse fixture puts the app's own back afterwards
    return backend


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


# --- writes that pass the ORM by: index_after_commit --------------------------------------------

def rename_in_bulk(org, name: str) -> None:
    """A Core UPDATE: the session's unit of work never sees it, so the ORM hooks don't either."""
    db.session.execute(sa.update(OrgUnit).where(OrgUnit.id == org.id).values(name=name),
                       execution_options={"synchronize_session": False})


def test_bulk_writes_are_not_indexed_unless_named(app, search, tree):
    rename_in_bulk(tree.school_b1, "西山区启明小学")
    db.session.commit()
    assert titles(search, "启明") == []  # the pipeline cannot know about it


def test_named_bulk_writes_are_indexed_after_the_commit(app, search, tree):
    rename_in_bulk(tree.school_b1, "西山区启明小学")
    index_after_commit("org", [tree.school_b1.id])
    db.session.flush()
    assert titles(search, "启明") == []  # not before the commit
    db.session.commit()
    assert titles(search, "启明") == ["西山区启明小学"]
    assert titles(search, "育才") == []  # the old document was replaced


def test_named_bulk_writes_that_roll_back_are_never_indexed(app, search, tree):
    rename_in_bulk(tree.school_b1, "西山区启明小学")
    index_after_commit("org", [tree.school_b1.id])
    db.session.rollback()
    db.session.commit()
    assert titles(search, "启明") == []


def test_named_objects_without_a_document_leave_the_index(app, search, tree):
    db.session.execute(sa.update(OrgUnit).where(OrgUnit.id == tree.school_b1.id).values(is_active=False),
                       execution_options={"synchronize_session": False})
    index_after_commit("org", [tree.school_b1.id, 987654])  # an id without a row is ignored too
    db.session.commit()
    assert titles(search, "育才") == []


def test_an_unregistered_kind_is_refused(app):
    with pytest.raises(KeyError):
        index_after_commit("no-such-kind", [1])


def test_a_large_bulk_write_is_indexed_by_the_background_indexer(separate_app, monkeypatch):
    """Past SEARCH_INLINE_MAX the commit returns at once; one thread of the process indexes later."""
    threads_used = []
    documents_of = registry._documents_of

    def spy(session, spec, ids):
        threads_used.append(threading.current_thread().name)
        return documents_of(session, spec, ids)

    monkeypatch.setattr(registry, "_documents_of", spy)
    separate_app.config["SEARCH_INLINE_MAX"] = 1
    with separate_app.app_context():
        city = create_org_unit(None, code="BG1", name="示例市教育局", type=OrgType.CITY_BUREAU, parent=None)
        district = create_org_unit(None, code="BG2", name="示例区教育局", type=OrgType.DISTRICT_BUREAU,
                                   parent=city)
        db.session.commit()
        ids = [city.id, district.id]
        db.session.execute(sa.update(OrgUnit).where(OrgUnit.id.in_(ids))
                           .values(name=sa.func.replace(OrgUnit.name, "示例", "晨光")),
                           execution_options={"synchronize_session": False})
        index_after_commit("org", ids)
        db.session.commit()
        assert registry.wait_for_indexing(timeout=60)
        search = registry.get_search()
        hits = search.search(SearchQuery(text="晨光", kinds=["org"])).hits
        assert sorted(hit.title for hit in hits) == ["晨光区教育局", "晨光市教育局"]
        assert threads_used == ["search-index"]
        db.session.remove()


def test_flask_reindex_rebuilds_the_index_from_the_database(app, search, tree):
    search.index([SearchDocument(kind="org", object_id=999_999, title="早已撤销的学校")])  # a stale document
    db.session.commit()
    tree.school_b1.name = "西山区晨曦小学"
    rename_in_bulk(tree.school_b1, "西山区晨曦小学")  # not named: only a reindex finds it
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    expected = registry.expected_uids()
    assert f"已索引 {sum(map(len, expected.values()))} 条文档" in result.output
    assert search.uids() == set().union(*expected.values())
    assert titles(search, "撤销") == []
    assert titles(search, "晨曦") == ["西山区晨曦小学"]
