"""School-administration portal (学校管理门户) and school connectivity (校校通).

Profiles extend school ``OrgUnit`` rows 1:1; rosters (years, classes, teachers, students) with
Excel/CSV import and roll-over; network access, receiving points and the equipment ledger; and
indicators per school, district and city with a registry other domains plug their figures into
(``eduplatform.schools.indicators.register_indicator_provider``).
"""

from flask import Blueprint

from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import WorkbenchPanel

bp = Blueprint("schools", __name__)


def _is_school_member(user):
    from eduplatform.schools.permissions import own_school

    return own_school(user) is not None


def _can_list_schools(user):
    from eduplatform.schools.permissions import can_list_schools

    return can_list_schools(user)


def _can_view_dashboard(user):
    from eduplatform.schools.permissions import can_view_any_indicators

    return can_view_any_indicators(user)


NAV = [
    NavItem("校校通", "学校门户", "schools.my_school", _is_school_member),
    NavItem("校校通", "学校管理", "schools.school_list", _can_list_schools),
    NavItem("校校通", "信息化指标", "schools.indicator_dashboard", _can_view_dashboard),
]


def init_app(app):
    from eduplatform.accounts import sso as accounts_sso
    from eduplatform.schools import indicators, sso

    indicators.register_builtin_providers()
    # 统一身份认证: a 工号 / 学籍号 claim names the account of its roster entry
    accounts_sso.register_account_finder("staff_no", sso.accounts_by_staff_no)
    accounts_sso.register_account_finder("registry_no", sso.accounts_by_registry_no)
    accounts_sso.register_id_number_source(sso.id_numbers_of_accounts)


def _teacher(user):
    from eduplatform.schools.workbench import is_teacher

    return is_teacher(user)


def _leader(user):
    from eduplatform.schools.workbench import is_leader

    return is_leader(user)


def _my_classes(user):
    from eduplatform.schools.workbench import my_classes

    return my_classes(user)


def _headlines(user):
    from eduplatform.schools.workbench import headline_figures

    return headline_figures(user)


WORKBENCH_PANELS = [
    WorkbenchPanel("mine", "schools/_workbench_classes.html", _my_classes, when=_teacher, order=30),
    WorkbenchPanel("mine", "schools/_workbench_headlines.html", _headlines, when=_leader, order=5),
]
