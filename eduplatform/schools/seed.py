"""Demo data for the school portal: profiles, rosters, network, receiving points and ledgers.

Idempotent: a school that already has a profile is left alone.
"""

from __future__ import annotations

import random
from datetime import date

from eduplatform.accounts.services import find_user
from eduplatform.core.extensions import db
from eduplatform.orgs.services import find_org
from eduplatform.schools import connectivity, services
from eduplatform.schools.models import (
    EquipmentCategory,
    EquipmentState,
    Gender,
    ReceivingPointMode,
    ReceivingPointState,
    SchoolProfile,
    SchoolType,
    StudentProfile,
    TeacherProfile,
)
from eduplatform.schools.personal import check_digit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = "子涵欣怡梓萱诗涵一诺依诺雨桐浩宇宇轩子轩浩然博文思远俊杰明轩嘉怡佳琪梦瑶可馨晨曦天佑雅琪若曦志强"

#: code → (type, principal, address, classrooms, (access, Mbps, provider), grades with classes, students/class,
#:         students per student computer, teachers per teacher computer (×10), multimedia rooms)
DEMO = {
    "2133990101": (SchoolType.PRIMARY, "林建华", "东湖区湖滨路 18 号", 24, ("fiber", 500, "中国电信"),
                   [1, 2, 3, 4, 5, 6], 12, 6, 11, 20),
    "2133990102": (SchoolType.JUNIOR, "孙志明", "东湖区学府路 9 号", 18, ("fiber", 1000, "中国电信"), [7, 8, 9], 15,
                   5, 10, 18),
    "2133990103": (SchoolType.SENIOR, "何文远", "东湖区文昌街 1 号", 30, ("leased_line", 1000, "教育城域网"),
                   [10, 11, 12], 15, 4, 10, 30),
    "2133990201": (SchoolType.PRIMARY, "郑秀英", "西山区育才路 66 号", 12, ("dsl", 50, "中国联通"), [1, 2, 3], 10, 14,
                   20, 4),
    "2133990202": (SchoolType.NINE_YEAR, "周国强", "西山区青山镇中心街 3 号", 18, ("fiber", 200, "中国移动"),
                   [1, 4, 7, 8], 12, 9, 15, 10),
    "2133990203": (SchoolType.VOCATIONAL, "许立新", "西山区工业园区 2 号", 20, ("none", 0, None), [10, 11], 10, 3,
                   12, 6),
}


def _id_number(rng: random.Random, birth: date, male: bool) -> str:
    seq = rng.randint(10, 99) * 10 + (rng.choice([1, 3, 5, 7, 9]) if male else rng.choice([0, 2, 4, 6, 8]))
    first17 = f"330102{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def _name(rng: random.Random) -> str:
    given = GIVEN[rng.randrange(0, len(GIVEN) - 1, 2):][:2]
    return rng.choice(SURNAMES) + given


def seed_demo(log):
    created = 0
    for code, spec in DEMO.items():
        school = find_org(code)
        if school is None or SchoolProfile.for_org(school) is not None:
            continue
        _seed_school(school, spec, random.Random(code))
        created += 1
    log(f"学校门户：为 {created} 所学校生成了概况、名册、网络与设备台账")
    return []


def _seed_school(school, spec, rng: random.Random) -> None:
    (school_type, principal, address, classrooms, network, grades, per_class, student_pcs, teacher_pcs,
     multimedia) = spec
    services.update_profile(None, school, {
        "school_type": school_type, "principal": principal, "address": address, "classroom_count": classrooms,
        "locality": "urban" if "东湖" in school.name else "town", "ownership": "public",
        "contact": "教务处", "contact_phone": "0571-8800" + school.code[-4:], "postcode": "310000"})
    services.add_campus(None, school, {"name": "本部", "address": address, "is_main": True})
    access, mbps, provider = network
    connectivity.save_network(None, school, {"access_type": access, "bandwidth_mbps": mbps, "provider": provider,
                                             "has_campus_network": access != "none",
                                             "wifi_coverage": "full" if mbps >= 500 else "partial"})
    services.ensure_current_year(None, school)
    teachers = []
    subjects = ["语文", "数学", "英语", "科学", "信息技术", "体育与健康", "音乐", "美术", "道德与法治"]
    for i in range(max(8, len(grades) * 3)):
        teachers.append(services.create_teacher(None, school, {
            "teacher_no": f"T{i + 1:03d}", "name": _name(rng), "gender": rng.choice(list(Gender)),
            "subjects": [subjects[i % len(subjects)]], "title": rng.choice(["一级教师", "二级教师", "高级教师"])}))
    _link_demo_teacher(school, teachers[1])
    start = services.current_year(school).start_year
    for index, grade in enumerate(grades):
        for number in (1, 2) if grade in grades[:2] else (1,):
            school_class = services.create_class(None, school, grade=grade, number=number,
                                                 head_teacher_id=teachers[(index * 2 + number) % len(teachers)].id)
            services.set_assignments(teachers[1], [{"class_id": c.id, "subject": "数学"} for c in
                                                   [school_class]] + [{"class_id": a.class_id, "subject": a.subject}
                                                                      for a in teachers[1].assignments])
            birth_year = start - grade - 6
            for n in range(per_class):
                male = rng.random() < 0.52
                birth = date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
                db.session.add(StudentProfile(
                    school_id=school.id, student_no=f"{start}{grade:02d}{number:02d}{n + 1:02d}", name=_name(rng),
                    gender=Gender.MALE if male else Gender.FEMALE, id_number=_id_number(rng, birth, male),
                    birth_date=birth, class_id=school_class.id, guardian_name=_name(rng),
                    guardian_phone=f"13{rng.randint(100000000, 999999999)}"))
    db.session.flush()
    _link_demo_student(school)
    enrolled = db.session.query(StudentProfile).filter_by(school_id=school.id).count()
    student_pcs = -(-enrolled // student_pcs)  # the demo's 生机比 comes out near the figure in DEMO
    teacher_pcs = -(-len(teachers) * 10 // teacher_pcs)
    ledger = [
        (EquipmentCategory.STUDENT_COMPUTER, "学生计算机", "联想 启天M430", student_pcs, "计算机教室"),
        (EquipmentCategory.TEACHER_COMPUTER, "教师计算机", "华为 擎云B730", teacher_pcs, "各办公室"),
        (EquipmentCategory.MULTIMEDIA_CLASSROOM, "多媒体教室", "班班通标准配置", multimedia, "教学楼"),
        (EquipmentCategory.INTERACTIVE_WHITEBOARD, "交互式电子白板", "希沃 86英寸", max(1, multimedia // 2), "教学楼"),
        (EquipmentCategory.SERVER, "校园网服务器", "浪潮 NF5280", 2, "网络中心"),
        (EquipmentCategory.NETWORK_DEVICE, "核心交换机", "华三 S7506", 1, "网络中心"),
        (EquipmentCategory.SATELLITE_RECEIVER, "卫星接收设备", "中星9号接收套件", 1, "远程教育室"),
        (EquipmentCategory.STUDENT_COMPUTER, "旧学生计算机", "方正 文祥E520", 10, "仓库"),
    ]
    for n, (category, name, model, quantity, location) in enumerate(ledger, start=1):
        item = connectivity.create_equipment(None, school, {
            "asset_no": f"ZC-{school.code[-4:]}-{n:03d}", "category": category, "name": name, "model": model,
            "quantity": quantity, "purchase_date": date(2019 + n % 5, 9, 1), "funding_source": "财政拨款",
            "location": location, "state": EquipmentState.IN_USE})
        if name.startswith("旧"):
            connectivity.update_equipment(None, item, {"state": EquipmentState.SCRAPPED, "note": "超过使用年限报废"})
    connectivity.create_receiving_point(None, school, {"mode": ReceivingPointMode.SATELLITE, "name": "卫星教学收视点",
                                                       "location": "远程教育室", "state": ReceivingPointState.NORMAL})
    connectivity.create_receiving_point(None, school, {"mode": ReceivingPointMode.COMPUTER_ROOM, "name": "计算机教室（一）",
                                                       "location": "实验楼二楼", "state": ReceivingPointState.NORMAL})
    if school_type in (SchoolType.PRIMARY, SchoolType.NINE_YEAR):
        connectivity.create_receiving_point(None, school, {"mode": ReceivingPointMode.DISC, "name": "光盘播放点",
                                                           "location": "多功能教室", "state": ReceivingPointState.FAULTY})
    db.session.flush()


def _link_demo_teacher(school, teacher: TeacherProfile) -> None:
    """The README's demo teachers (teacher, teacher2) get a roster record at their school."""
    for username in ("teacher", "teacher2"):
        user = find_user(username)
        if user is not None and user.org_id == school.id and TeacherProfile.for_user(user) is None:
            teacher.user_id = user.id
            teacher.name = user.display_name
            teacher.subjects = ["数学"]


def _link_demo_student(school) -> None:
    for username in ("student", "student2"):
        user = find_user(username)
        if user is None or user.org_id != school.id or StudentProfile.for_user(user) is not None:
            continue
        first_class = services.current_classes(school)[0]
        student = db.session.scalars(services.class_students(first_class)).first()
        student.user_id = user.id
        student.name = user.display_name
