"""件号 under concurrency: many archivists at once get consecutive 件号 (PostgreSQL's row lock)."""

from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.documents.models import ArchiveCounter
from eduplatform.documents.services.archive import _next_number

CLERKS = 30


@pytest.mark.skipif(not (os.environ.get("EDU_TEST_DATABASE_URL") or "").startswith("postgresql"),
                    reason="the row lock is PostgreSQL's; run with .ci/with-postgres.sh")
def test_thirty_archivists_at_once_get_thirty_consecutive_item_numbers(separate_app):
    from eduplatform.orgs.models import OrgType
    from eduplatform.orgs.services import create_org_unit

    app = separate_app
    with app.app_context():
        city = create_org_unit(None, code="C1", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        db.session.commit()
        city_id = city.id
        db.session.remove()
    barrier = threading.Barrier(CLERKS, timeout=30)
    errors: list[BaseException] = []
    numbers: list[int] = []

    def take() -> None:
        try:
            with app.app_context():
                barrier.wait()
                numbers.append(_next_number(city_id, 2026, "定期30年", "BGS"))
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(CLERKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(numbers) == list(range(1, CLERKS + 1))
    with app.app_context():
        assert db.session.scalar(sa.select(ArchiveCounter.last)) == CLERKS
        db.session.remove()
