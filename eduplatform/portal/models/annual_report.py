"""政府信息公开工作年度报告 (《条例》 Art. 49–50): what the office enters by hand for one bureau and year.

The counts of tables 二 and 三 are computed from the portal's articles and the 依申请公开 requests
each time (``services/annual_report.py``); this row keeps only what the platform does not record —
the text sections, 规章, 行政许可 / 处罚 / 强制, 收费, 行政复议 and 诉讼 — and the article the report
was published as.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db


class AnnualReport(db.Model):
    __tablename__ = "disclosure_annual_reports"
    __audit_type__ = "disclosure_annual_report"
    __table_args__ = (sa.UniqueConstraint("org_id", "year", name="uq_disclosure_annual_reports_org_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    year: Mapped[int] = mapped_column()
    #: the hand-entered part: {"overview": str, "problems": str, "other": str,
    #: "proactive": {"rules": [issued, repealed, in_force], "licensing": n, …, "fees": "12.5"},
    #: "review": {"reconsideration": {"upheld": n, …}, "direct_suit": {…}, "suit_after": {…}}}
    entries: Mapped[dict] = mapped_column(default=dict)
    #: the portal article it was published as (drafted and sent to review)
    article_id: Mapped[int | None] = mapped_column(sa.ForeignKey("portal_articles.id"))
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    org = relationship("OrgUnit")
    article = relationship("Article")
    updated_by = relationship("User")

    def __str__(self) -> str:
        return f"{self.year}年政府信息公开工作年度报告"
