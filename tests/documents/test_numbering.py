"""发文字号: 示教发〔2026〕12号, assigned once at 登记, never twice, never a gap — also under 50 clerks at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.documents.models import Document, NumberCounter
from eduplatform.documents.services.numbering import assign_number, format_number
from tests.documents.test_models import make_document
from tests.fixtures.at_once import postgresql_only, run_at_once


def test_the_format_has_six_corner_brackets_no_leading_zeros_and_no_di():
    assert format_number("示教发", 2026, 12) == "示教发〔2026〕12号"
    assert format_number("示教发", 2026, 1) == "示教发〔2026〕1号"


def test_numbers_run_per_agency_code_and_year_without_gaps(tree, people):
    docs = [make_document(tree.city, people.city_staff) for _ in range(3)]
    other = make_document(tree.city, people.city_staff, agency_code="示教函")
    assert [assign_number(d, year=2026) for d in docs] == ["示教发〔2026〕1号", "示教发〔2026〕2号", "示教发〔2026〕3号"]
    assert assign_number(other, year=2026) == "示教函〔2026〕1号"
    next_year = make_document(tree.city, people.city_staff)
    assert assign_number(next_year, year=2027) == "示教发〔2027〕1号"
    assert (docs[2].doc_year, docs[2].doc_seq) == (2026, 3)


def test_registering_again_keeps_the_number(tree, people):
    """A step returned and redone, or the form submitted from two browsers, does not bump it."""
    document = make_document(tree.city, people.city_staff)
    first = assign_number(document, year=2026)
    again = assign_number(document, year=2026)
    assert first == again == "示教发〔2026〕1号"
    counter = db.session.execute(sa.select(NumberCounter).filter_by(agency_code="示教发", year=2026)).scalar_one()
    assert counter.last == 1


def test_a_rolled_back_registration_leaves_no_gap(tree, people):
    document = make_document(tree.city, people.city_staff)
    db.session.commit()
    nested = db.session.begin_nested()
    assign_number(document, year=2026)
    nested.rollback()
    db.session.expire_all()
    assert assign_number(db.session.get(Document, document.id), year=2026) == "示教发〔2026〕1号"


def test_without_an_agency_code_registration_is_refused_in_chinese(tree, people):
    document = make_document(tree.city, people.city_staff, agency_code="")
    with pytest.raises(ValidationFailed, match="机关代字"):
        assign_number(document, year=2026)


def test_registering_is_audited(tree, people):
    from eduplatform.audit.models import AuditEntry

    document = make_document(tree.city, people.city_staff)
    assign_number(document, actor=people.city_staff, year=2026)
    entry = db.session.execute(sa.select(AuditEntry).filter_by(kind="document.numbered")).scalar_one()
    assert entry.actor_id == people.city_staff.id and entry.object_id == str(document.id)
    assert "示教发〔2026〕1号" in entry.summary


CLERKS = 50


@postgresql_only
def test_fifty_clerks_registering_at_once_get_fifty_consecutive_numbers(separate_app):
    """Each thread its own app context, session and connection, all released at one barrier; as many
    race as the connection pool allows, the rest queue for a connection as requests do."""
    from eduplatform.orgs.models import OrgType
    from eduplatform.orgs.services import create_org_unit

    app = separate_app
    with app.app_context():
        city = create_org_unit(None, code="C1", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        ids = []
        for n in range(CLERKS):
            document = Document(org_id=city.id, doctype="notice", title=f"通知{n}", agency_code="示教发")
            db.session.add(document)
            db.session.flush()
            ids.append(document.id)
        db.session.commit()
        db.session.remove()

    def register(document_id: int) -> None:
        assign_number(db.session.get(Document, document_id), year=2026)

    run_at_once(app, register, ids, timeout=60)
    with app.app_context():
        rows = db.session.execute(sa.select(Document.doc_seq, Document.doc_number)).all()
        db.session.remove()
    assert sorted(seq for seq, _ in rows) == list(range(1, CLERKS + 1))
    assert len({number for _, number in rows}) == CLERKS
