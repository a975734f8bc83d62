"""Demo resources: courseware, lesson plans and images by the demo teachers, most of them published,
some still on their way through the review process (so reviewers find them in their 待办)."""

from __future__ import annotations

import io

import sqlalchemy as sa

from eduplatform.accounts.services import find_user
from eduplatform.core.extensions import db
from eduplatform.resources import review, services
from eduplatform.resources.models import Resource, ReviewState, Visibility
from eduplatform.resources.processing import process_version
from eduplatform.resources.specs import get_specs


class NamedBytes(io.BytesIO):
    """An in-memory file with a name, shaped like an uploaded file part."""

    def __init__(self, data: bytes, filename: str):
        super().__init__(data)
        self.filename = filename
        self.content_type = None


def _pptx(slides: list[str]) -> bytes:
    from pptx import Presentation

    deck = Presentation()
    for text in slides:
        title, _, body = text.partition("|")
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _docx(paragraphs: list[str]) -> bytes:
    from docx import Document

    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (245, 250, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((220, 140, 420, 340), outline=(30, 90, 200), width=6)
    draw.line((320, 140, 320, 340), fill=(200, 60, 60), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


#: (owner, type, metadata, file maker, file name, where its review stands, visibility)
DEMO = [
    ("teacher", "courseware", {"title": "二次函数的图像与性质", "description": "人教版九年级上册第二十二章，"
                               "通过描点法画出抛物线，归纳开口方向、对称轴与顶点坐标。", "stage": "junior",
                               "subject": "math", "grade": "g9", "textbook_edition": "pep",
                               "knowledge_points": ["math.number.quadratic_fn"], "keywords": ["二次函数", "抛物线"],
                               "textbook_nodes": ["pep-math-9a:22.1"]},
     lambda: _pptx(["二次函数的图像与性质|人教版 九年级上册", "描点法画图|列表、描点、连线，观察抛物线的形状",
                    "归纳性质|开口方向、对称轴、顶点坐标与增减性", "课堂练习|求 y=2(x-1)^2+3 的顶点坐标"]),
     "二次函数的图像与性质.pptx", "published", Visibility.PLATFORM),
    ("teacher", "courseware", {"title": "勾股定理的证明", "description": "八年级下册，用赵爽弦图和拼图法证明勾股定理。",
                               "stage": "junior", "subject": "math", "grade": "g8", "textbook_edition": "pep",
                               "knowledge_points": ["math.geometry.pythagoras"], "keywords": ["勾股定理", "弦图"],
                               "textbook_nodes": ["pep-math-8b:17.1"]},
     lambda: _pptx(["勾股定理|八年级下册", "赵爽弦图|四个全等的直角三角形拼成正方形", "应用|求直角三角形斜边长"]),
     "勾股定理.pptx", "published", Visibility.DISTRICT),
    ("teacher2", "case", {"title": "《背影》阅读教学案例", "description": "以父亲的背影为线索，设计情境导入与细节品读。",
                          "stage": "junior", "subject": "chinese", "grade": "g8", "textbook_edition": "tongbian",
                          "keywords": ["背影", "朱自清", "阅读教学"],
                          "textbook_nodes": ["tongbian-chinese-8a:13"]},
     lambda: _docx(["《背影》阅读教学案例", "一、教学目标：体会父爱，品味朴实的语言。",
                    "二、教学过程：情境导入——细节品读——拓展写作。"]),
     "背影教学案例.docx", "published", Visibility.PLATFORM),
    ("teacher2", "media_image", {"title": "圆的认识 示意图", "description": "圆心、半径与直径的示意图。",
                                 "stage": "primary", "subject": "math", "grade": "g6", "keywords": ["圆", "半径"],
                                 "textbook_nodes": ["pep-math-6a:5.1"]},
     _png, "圆的认识.png", "published", Visibility.PUBLIC),
    ("teacher", "courseware", {"title": "一元一次方程的应用（草稿）", "description": "行程问题与工程问题，尚在修改。",
                               "stage": "junior", "subject": "math", "grade": "g7",
                               "keywords": ["一元一次方程", "应用题"], "textbook_nodes": ["pep-math-7a:3.4"]},
     lambda: _pptx(["一元一次方程的应用|行程问题", "工程问题|工作总量=工作效率×工作时间"]),
     "一元一次方程的应用.pptx", "draft", Visibility.PLATFORM),
    ("teacher", "courseware", {"title": "有理数的乘方", "description": "七年级上册，乘方的意义、底数与指数，"
                               "配合折纸实验引入。", "stage": "junior", "subject": "math", "grade": "g7",
                               "textbook_edition": "pep", "keywords": ["乘方", "有理数"],
                               "textbook_nodes": ["pep-math-7a:1.5"]},
     lambda: _pptx(["有理数的乘方|七年级上册", "折纸实验|对折 n 次后有多少层？", "乘方的意义|求 n 个相同因数的积的运算"]),
     "有理数的乘方.pptx", "submitted", Visibility.PLATFORM),
    ("teacher", "courseware", {"title": "勾股定理的逆定理 微课讲义", "description": "八年级下册，"
                               "由三边长判断直角三角形，配 8 分钟微课。", "stage": "junior", "subject": "math",
                               "grade": "g8", "textbook_edition": "pep",
                               "knowledge_points": ["math.geometry.pythagoras"], "keywords": ["勾股定理", "逆定理"],
                               "textbook_nodes": ["pep-math-8b:17.2"]},
     lambda: _pptx(["勾股定理的逆定理|八年级下册", "判定|若 a²+b²=c²，则三角形为直角三角形", "勾股数|3、4、5"]),
     "勾股定理的逆定理.pptx", "district_review", Visibility.PLATFORM),
    ("teacher2", "case", {"title": "《春》朗读指导教学案例", "description": "七年级上册，以朗读为主线体会春景的描写。",
                          "stage": "junior", "subject": "chinese", "grade": "g7", "textbook_edition": "tongbian",
                          "keywords": ["春", "朱自清", "朗读"],
                          "textbook_nodes": ["tongbian-chinese-7a:1"]},
     lambda: _docx(["《春》朗读指导教学案例", "一、教学目标：有感情地朗读，体会比喻、拟人的表达效果。",
                    "二、教学过程：范读——自由读——分组读——配乐朗读。"]),
     "春朗读指导案例.docx", "returned", Visibility.PLATFORM),
]

#: The review steps that bring a draft to each stage: (action, by whom — owner, school or district).
STEPS = {
    "draft": [],
    "submitted": [("submit", "owner")],
    "district_review": [("submit", "owner"), ("approve", "school")],
    "published": [("submit", "owner"), ("approve", "school"), ("approve", "district")],
    "returned": [("submit", "owner"), ("return", "school")],
}
RETURN_REASON = "请补充朗读音频的来源与授权说明，并附课堂实录片段。"


def seed_demo(log):
    specs = get_specs()
    reviewers = {"teacher": ("school_admin", "dh_staff"), "teacher2": ("school_admin2", "xs_staff")}
    created = 0
    for owner_name, type_code, metadata, make, filename, stage, visibility in DEMO:
        owner = find_user(owner_name)
        if owner is None:
            continue
        exists = db.session.scalar(sa.select(Resource.id).where(Resource.title == metadata["title"],
                                                                Resource.owner_id == owner.id))
        if exists:
            continue
        rtype = specs.get(type_code)
        clean = specs.load_metadata(rtype, metadata)
        resource = services.create_resource(owner, rtype=rtype, metadata=clean, visibility=visibility,
                                            file=NamedBytes(make(), filename))
        process_version(resource.version, previews=False)  # pages and posters: `flask resources process`
        people = dict(zip(("school", "district"), (find_user(name) for name in reviewers[owner_name]), strict=True))
        people["owner"] = owner
        for action, who in STEPS[stage]:  # through the review process, as the reviewers would
            if action == "submit":
                review.submit(resource, people[who])
            elif action == "approve":  # 向社会公开 asked for: the district approves it
                review.approve(resource, people[who],
                               **({"public": "public"} if who == "district" and resource.public_pending else {}))
            else:
                review.return_resource(resource, people[who], RETURN_REASON)
        if resource.state == ReviewState.PUBLISHED:
            for reader in filter(None, (find_user(name) for name in reviewers)):
                services.record_download(resource, reader)  # some use, for the schools' indicators
        db.session.commit()
        created += 1
    log(f"教学资源：新建 {created} 个，已有 {len(DEMO) - created} 个")
    return []
