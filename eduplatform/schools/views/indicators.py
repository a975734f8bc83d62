"""The indicator dashboard: city → district → school drill-down, ECharts charts, Excel export."""

from __future__ import annotations

import json
from itertools import takewhile

from flask import abort, render_template, request
from flask_login import current_user, login_required

from eduplatform.core.permissions import org_scope, require
from eduplatform.core.text.excel import xlsx_download
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import find_org
from eduplatform.schools import bp, indicators, permissions


def dashboard_org():
    """The org named by ?org=, or the user's own bureau or school."""
    code = request.args.get("org")
    if code:
        org = find_org(code)
        if org is None or org.type not in (OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU, OrgType.SCHOOL):
            abort(404)
        return org
    return org_scope(current_user)


@bp.get("/indicators")
@login_required
def indicator_dashboard():
    org = dashboard_org()
    if org is None:
        abort(404)
    require(permissions.can_view_indicators(current_user, org), action="indicators.view", obj=org)
    report = indicators.indicator_report(org)
    payload = report.as_dict()
    # The breadcrumb: the unit, then each unit above it the user may still see, top first.
    trail = list(takewhile(lambda unit: permissions.can_view_indicators(current_user, unit),
                           [org, *org.ancestors()]))[::-1]
    return render_template("schools/indicators.html", report=report, payload=json.dumps(payload, ensure_ascii=False).replace("<", "\\u003c"),
                           definitions=indicators.all_indicators(), figures=indicators.all_figures(), trail=trail)


@bp.get("/indicators/export.xlsx")
@login_required
def indicator_export():
    org = dashboard_org()
    if org is None:
        abort(404)
    require(permissions.can_view_indicators(current_user, org), action="indicators.export", obj=org)
    report = indicators.indicator_report(org)
    definitions = indicators.all_indicators()
    figures = indicators.all_figures()
    headers = ["代码", "名称"] + [d.label for d in definitions] + [f.label for f in figures]

    def line(row):
        values = row.values()
        return [row.code, row.name] + [None if values[d.key] is None else round(values[d.key], 2)
                                       for d in definitions] + [row.figures.get(f.key, 0) for f in figures]
    rows = [line(r) for r in report.rows] + [line(report.total)]
    return xlsx_download(f"信息化指标-{org.name}.xlsx", [("信息化指标", headers, rows)])

