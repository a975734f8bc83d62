"""Demo accounts, one or more per role, printed by `make run`."""

from eduplatform.accounts.models import Role
from eduplatform.accounts.services import create_user, find_user
from eduplatform.orgs.services import find_org

DEMO_PASSWORD = "Demo#2026edu"

#: (username, display name, roles, org code, what to try with it)
DEMO_USERS = [
    ("sysadmin", "系统管理员", {Role.SYSADMIN}, "3399000003", "系统管理员：用户与单位管理"),
    ("secadmin", "安全管理员", {Role.SECADMIN}, "3399000003", "安全管理员：解锁账户、重置密码"),
    ("auditor", "审计管理员", {Role.AUDITOR}, "3399000003", "审计管理员：查看、导出审计日志"),
    ("leader", "王局长", {Role.BUREAU_LEADER}, "3399000000", "市局领导"),
    ("city_staff", "李科员", {Role.BUREAU_STAFF}, "3399000002", "市局基础教育处工作人员（公文拟稿）"),
    ("city_head", "陈处长", {Role.BUREAU_STAFF}, "3399000002", "市局基础教育处处长（公文核稿）"),
    ("city_office", "周秘书", {Role.BUREAU_STAFF}, "3399000001", "市局办公室（公文复核、登记、用印、核发，收发员）"),
    ("city_policy", "何科长", {Role.BUREAU_STAFF}, "3399000004", "市局政策法规处（公文会签）"),
    ("city_finance", "钱会计", {Role.BUREAU_STAFF}, "3399000005", "市局财务处（公文会签）"),
    ("dh_staff", "赵科员", {Role.BUREAU_STAFF}, "3399010001", "东湖区教育局工作人员"),
    ("xs_staff", "钱科员", {Role.BUREAU_STAFF}, "3399020001", "西山区教育局工作人员"),
    ("school_admin", "孙主任", {Role.SCHOOL_ADMIN}, "2133990102", "东湖区第一初级中学 学校管理员"),
    ("school_admin3", "吴主任", {Role.SCHOOL_ADMIN}, "2133990101", "东湖区实验小学 学校管理员（收发员）"),
    ("school_admin4", "郑主任", {Role.SCHOOL_ADMIN}, "2133990103", "东湖区高级中学 学校管理员（收发员）"),
    ("school_admin2", "周主任", {Role.SCHOOL_ADMIN}, "2133990202", "西山区九年一贯制学校 学校管理员"),
    ("teacher", "张老师", {Role.TEACHER}, "2133990102", "东湖区第一初级中学 数学教师"),
    ("teacher2", "刘老师", {Role.TEACHER}, "2133990202", "西山区九年一贯制学校 数学教师"),
    ("student", "陈小明", {Role.STUDENT}, "2133990102", "东湖区第一初级中学 学生"),
    ("student2", "吴小红", {Role.STUDENT}, "2133990202", "西山区九年一贯制学校 学生"),
    ("citizen", "公众用户", {Role.PUBLIC}, None, "注册公众用户"),
]


def seed_demo(log):
    created = 0
    for username, name, roles, org_code, _ in DEMO_USERS:
        if find_user(username) is not None:
            continue
        # Demo accounts skip the forced first change so the README's passwords keep working.
        create_user(None, username=username, display_name=name, roles=roles, org=find_org(org_code),
                    password=DEMO_PASSWORD, must_change_password=False)
        created += 1
    log(f"演示账户：新建 {created} 个，已有 {len(DEMO_USERS) - created} 个")
    return [(username, DEMO_PASSWORD, description) for username, _, _, _, description in DEMO_USERS]
