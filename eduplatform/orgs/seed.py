"""Demo org tree: 示范市教育局, two district bureaus, their departments and six schools."""

from eduplatform.orgs.models import OrgType, Stage
from eduplatform.orgs.services import create_org_unit, find_org

#: (code, name, type, parent code, stages)
DEMO_ORGS = [
    ("3399000000", "示范市教育局", OrgType.CITY_BUREAU, None, []),
    ("3399000001", "市教育局办公室", OrgType.DEPARTMENT, "3399000000", []),
    ("3399000002", "市教育局基础教育处", OrgType.DEPARTMENT, "3399000000", []),
    ("3399000003", "市电化教育馆", OrgType.DEPARTMENT, "3399000000", []),
    ("3399000004", "市教育局政策法规处", OrgType.DEPARTMENT, "3399000000", []),
    ("3399000005", "市教育局财务处", OrgType.DEPARTMENT, "3399000000", []),
    ("3399010000", "东湖区教育局", OrgType.DISTRICT_BUREAU, "3399000000", []),
    ("3399010001", "东湖区教育局基础教育科", OrgType.DEPARTMENT, "3399010000", []),
    ("3399020000", "西山区教育局", OrgType.DISTRICT_BUREAU, "3399000000", []),
    ("3399020001", "西山区教育局基础教育科", OrgType.DEPARTMENT, "3399020000", []),
    ("2133990101", "东湖区实验小学", OrgType.SCHOOL, "3399010000", [Stage.PRIMARY]),
    ("2133990102", "东湖区第一初级中学", OrgType.SCHOOL, "3399010000", [Stage.JUNIOR]),
    ("2133990103", "东湖区高级中学", OrgType.SCHOOL, "3399010000", [Stage.SENIOR]),
    ("2133990201", "西山区育才小学", OrgType.SCHOOL, "3399020000", [Stage.PRIMARY]),
    ("2133990202", "西山区九年一贯制学校", OrgType.SCHOOL, "3399020000", [Stage.PRIMARY, Stage.JUNIOR]),
    ("2133990203", "西山区职业技术学校", OrgType.SCHOOL, "3399020000", [Stage.VOCATIONAL]),
]


def seed_demo(log):
    created = 0
    for code, name, org_type, parent_code, stages in DEMO_ORGS:
        if find_org(code) is not None:
            continue
        create_org_unit(None, code=code, name=name, type=org_type, parent=find_org(parent_code), stages=stages)
        created += 1
    log(f"组织机构：新建 {created} 个，已有 {len(DEMO_ORGS) - created} 个")
    return []
