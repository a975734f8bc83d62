"""Demo question bank: 七年级数学 knowledge points and questions of every type by 张老师, a rule-based
paper and an open exam for 东湖区第一初级中学's students. Idempotent (keyed on the paper's title)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from eduplatform.accounts.services import find_user
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.questions import assembly, exams, knowledge, services
from eduplatform.questions.models import AudienceKind, Paper

PAPER_TITLE = "七年级数学第三章《一元一次方程》单元测验"

#: (knowledge point path, type, difficulty, stem, data, analysis)
QUESTIONS = [
    ("代数/方程/一元一次方程", "single", 1, "方程 $2x+3=7$ 的解是",
     {"options": ["$x=1$", "$x=2$", "$x=3$", "$x=5$"], "answer": 1}, "移项得 $2x=4$，两边除以 2 得 $x=2$。"),
    ("代数/方程/一元一次方程", "single", 2, "若 $x=1$ 是方程 $ax+3=5$ 的解，则 $a$ 的值为",
     {"options": ["1", "2", "3", "-2"], "answer": 1}, "把 $x=1$ 代入得 $a+3=5$，$a=2$。"),
    ("代数/方程/一元一次方程", "single", 3, "解方程 $\\frac{x-1}{2}=\\frac{x+1}{3}$，去分母正确的是",
     {"options": ["$3(x-1)=2(x+1)$", "$3x-1=2x+1$", "$2(x-1)=3(x+1)$", "$3x-3=2x+1$"], "answer": 0},
     "两边同乘 6。"),
    ("代数/方程/一元一次方程", "single", 2, "下列方程中，是一元一次方程的是",
     {"options": ["$x^2-1=0$", "$2x+y=1$", "$3x-5=0$", "$\\frac{1}{x}=2$"], "answer": 2},
     "只含一个未知数且次数为 1 的整式方程。"),
    ("代数/方程/一元一次方程", "single", 4, "某商品按标价的八折出售仍获利 20%，若进价为 200 元，则标价为",
     {"options": ["240 元", "280 元", "300 元", "320 元"], "answer": 2},
     "设标价 $x$ 元，$0.8x=200\\times1.2$，$x=300$。"),
    ("代数/整式", "single", 1, "单项式 $-3x^2y$ 的系数是", {"options": ["3", "-3", "2", "-3x"], "answer": 1}, ""),
    ("代数/整式", "multiple", 3, "下列计算正确的有",
     {"options": ["$3a+2a=5a$", "$a^2\\cdot a^3=a^5$", "$(a^2)^3=a^5$", "$2a-a=1$"], "answer": [0, 1]},
     "同底数幂相乘，底数不变指数相加。"),
    ("代数/方程/一元一次方程", "multiple", 3, "下列变形正确的有",
     {"options": ["由 $x+3=5$ 得 $x=2$", "由 $2x=6$ 得 $x=3$", "由 $-x=4$ 得 $x=4$", "由 $\\frac{x}{2}=1$ 得 $x=2$"],
      "answer": [0, 1, 3]}, ""),
    ("代数/方程/一元一次方程", "true_false", 1, "方程 $x+1=1$ 的解是 $x=0$。", {"answer": True}, ""),
    ("代数/方程/一元一次方程", "true_false", 2, "等式两边同时除以同一个数，等式仍然成立。", {"answer": False},
     "除数不能为 0。"),
    ("代数/整式", "true_false", 1, "$2x$ 与 $3x$ 是同类项。", {"answer": True}, ""),
    ("代数/方程/一元一次方程", "fill_blank", 2, "方程 $3x-6=0$ 的解是 $x=$[[1]]。", {"blanks": [["2"]]}, ""),
    ("代数/方程/一元一次方程", "fill_blank", 3, "若 $2x+1$ 与 $x-4$ 互为相反数，则 $x=$[[1]]，此时 $2x+1=$[[2]]。",
     {"blanks": [["1"], ["3"]]}, "$2x+1+x-4=0$，$x=1$。"),
    ("代数/方程/一元一次方程", "numerical", 3, "甲、乙两地相距 120 千米，汽车以每小时 48 千米的速度行驶，需要多少小时？",
     {"answer": 2.5, "tolerance": 0}, "$120\\div48=2.5$。"),
    ("几何/三角形", "single", 2, "三角形的内角和是", {"options": ["90°", "180°", "270°", "360°"], "answer": 1}, ""),
    ("几何/三角形", "matching", 3, "把三角形与它的特征连起来。",
     {"pairs": [["等边三角形", "三边都相等"], ["等腰三角形", "两边相等"], ["直角三角形", "有一个角是直角"]]}, ""),
    ("代数/方程/一元一次方程", "essay", 4, "请写出解一元一次方程的一般步骤，并用它解方程 $\\frac{2x-1}{3}=x-1$。",
     {"reference": "去分母、去括号、移项、合并同类项、系数化为 1；$x=2$。"}, "注意去分母时每一项都要乘。"),
    ("代数/方程/一元一次方程", "essay", 5,
     "某班学生去植树，若每人植 3 棵则剩 20 棵，若每人植 4 棵则缺 25 棵。请列方程求这个班的人数。",
     {"reference": "设有 $x$ 人，$3x+20=4x-25$，$x=45$。"}, ""),
]


def seed_demo(log):
    teacher = find_user("teacher")
    if teacher is None or teacher.scope_root is None:
        log("题库：未找到演示教师，跳过")
        return []
    if db.session.scalar(sa.select(Paper.id).where(Paper.title == PAPER_TITLE)) is not None:
        log("题库：演示数据已存在")
        return []
    kps = {}
    for path, qtype, difficulty, stem, data, analysis in QUESTIONS:
        if path not in kps:
            kps[path] = knowledge.ensure_path(teacher, "math", path)
        services.create_question(teacher, {
            "type": qtype, "stem": stem, "data": data, "analysis": analysis, "difficulty": difficulty,
            "subject": "math", "stage": "junior", "grade": "g7", "tags": ["单元测验"], "source": "演示题库",
            "sharing": "district"}, knowledge_points=[kps[path]])
    rules = assembly.parse_rules({"subject": "math", "seed": 2026, "sections": [
        {"type": "single", "count": 4, "score": 5}, {"type": "true_false", "count": 2, "score": 5},
        {"type": "fill_blank", "count": 2, "score": 15}, {"type": "essay", "count": 1, "score": 40}],
        "cover_knowledge_points": [kps["代数/方程/一元一次方程"].id]})
    paper = assembly.assemble_paper(teacher, {"title": PAPER_TITLE, "duration_minutes": 45,
                                              "instructions": "本卷满分 100 分，请在规定时间内独立完成。"}, rules)
    now = utcnow()
    exams.create_exam(teacher, paper, title="第三章单元测验（在线）", opens_at=now - timedelta(hours=1),
                      closes_at=now + timedelta(days=14), time_limit_minutes=45,
                      audience=[(AudienceKind.ORG, teacher.scope_root.id)], publish=True)
    log(f"题库：新建 {len(QUESTIONS)} 道试题、1 份试卷、1 场在线考试")
    return []
