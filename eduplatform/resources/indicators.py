"""The resource library's figures for the schools' informatization indicators (校校通 platform use).

Per school: resources it uploaded that are published (drafts and returned items are not use of the
library yet), and downloads its users made (tallied per org unit and day when a file is fetched).
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.core.extensions import db


def collect_resource_figures(school_ids: sa.Select) -> dict[int, dict[str, float]]:
    from eduplatform.resources.models import DownloadTally, Resource, ReviewState

    out: dict[int, dict[str, float]] = {}
    for org_id, count in db.session.execute(
            sa.select(Resource.org_id, sa.func.count())
            .where(Resource.org_id.in_(school_ids), Resource.state == ReviewState.PUBLISHED)
            .group_by(Resource.org_id)):
        out.setdefault(org_id, {})["resources_published"] = count
    for org_id, count in db.session.execute(
            sa.select(DownloadTally.org_id, sa.func.sum(DownloadTally.count))
            .where(DownloadTally.org_id.in_(school_ids))
            .group_by(DownloadTally.org_id)):
        out.setdefault(org_id, {})["resource_downloads"] = count or 0
    return out


def register_indicators() -> None:
    from eduplatform.schools.indicators import (
        Figure,
        Indicator,
        IndicatorProvider,
        register_indicator_provider,
    )

    register_indicator_provider(IndicatorProvider(
        name="resources",
        figures=[Figure("resources_published", "上传并已发布的资源"), Figure("resource_downloads", "下载资源次数")],
        indicators=[
            Indicator("resources_per_teacher", "师均发布资源", "per", "resources_published", "teachers",
                      unit="个/人", description="本单位上传且已发布的资源数 ÷ 在职教师数"),
            Indicator("downloads_per_teacher", "师均下载资源", "per", "resource_downloads", "teachers",
                      unit="次/人", description="本单位用户下载资源的次数 ÷ 在职教师数"),
        ],
        collect=collect_resource_figures,
    ))
