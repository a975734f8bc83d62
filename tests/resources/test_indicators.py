"""The library's figures in the schools' indicators: published uploads and downloads per school."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.resources.models import DownloadTally
from eduplatform.schools import indicators


def _figures(org):
    return indicators.indicator_report(org).total.figures


def test_published_uploads_and_downloads_are_counted_per_school(client, upload, publish, people):
    school_a1, school_b1 = people.teacher_a1.org, people.teacher_b1.org
    published = upload(people.teacher_a1).get_json()["id"]
    publish(published)
    upload(people.teacher_a1, title="还是草稿的课件")  # a draft is not use of the library yet

    reader = upload.headers(people.teacher_b1)
    assert client.get(f"/api/v1/resources/{published}/download", headers=reader).status_code == 200
    assert client.get(f"/api/v1/resources/{published}/download", headers=reader).status_code == 200
    client.get(f"/api/v1/resources/{published}/download", headers={**reader, "Range": "bytes=10-19"})  # a resumed part
    client.get(f"/api/v1/resources/{published}/download?inline=1", headers=reader)  # a preview: not counted
    client.get(f"/api/v1/resources/{published}/download", headers=upload.headers(people.teacher_a1))

    assert _figures(school_a1).get("resources_published") == 1
    assert _figures(school_a1).get("resource_downloads") == 1
    assert _figures(school_b1).get("resource_downloads") == 2
    assert "resources_published" not in _figures(school_b1)
    # one row per unit and day, incremented in place
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DownloadTally)
                             .where(DownloadTally.org_id == school_b1.id)) == 1
    # the district and the city sum their schools
    district_a = db.session.get(type(school_a1), school_a1.parent_id)
    assert _figures(district_a)["resource_downloads"] == 1 + (2 if school_b1.parent_id == district_a.id else 0)
    city = db.session.get(type(school_a1), district_a.parent_id)
    assert _figures(city)["resource_downloads"] == 3 and _figures(city)["resources_published"] == 1


def test_the_indicators_divide_by_the_teachers():
    by_key = {i.key: i for i in indicators.all_indicators()}
    figures = {"resources_published": 30, "resource_downloads": 450, "teachers": 60}
    assert by_key["resources_per_teacher"].compute(figures) == 0.5
    assert by_key["downloads_per_teacher"].compute(figures) == 7.5
    assert by_key["downloads_per_teacher"].compute({"resource_downloads": 3}) is None  # no teachers: no figure
