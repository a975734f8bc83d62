"""Every domain's rich-text field goes through the one sanitiser with the editor's rules: courses
(description, lesson body), 答疑 (question and reply), assignments (the learner's text) and portal
articles; rows saved as plain text before the editor are shown escaped."""

from __future__ import annotations

import pytest

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses import assignments, catalogue, qa, structure
from eduplatform.courses.models import LessonQuestion

TOKEN = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"
#: What Quill 2 writes for a bold word, a two-item bullet list and a picture of ours.
EDITOR_HTML = ('<p>请看<strong>例题</strong>：</p><ol><li data-list="bullet"><span class="ql-ui" '
               'contenteditable="false"></span>移项</li><li data-list="bullet"><span class="ql-ui" '
               f'contenteditable="false"></span>合并</li></ol><p><img src="/editor/images/{TOKEN}"></p>')
CLEAN = ('<p>请看<strong>例题</strong>：</p><ol><li data-list="bullet"><span class="ql-ui"></span>移项</li>'
         f'<li data-list="bullet"><span class="ql-ui"></span>合并</li></ol><p><img src="/editor/images/{TOKEN}"></p>')
HOSTILE = (EDITOR_HTML + '<p onclick="x()"><img src="https://evil.example/t.png">'
           '<img src="data:image/png;base64,iVBORw0KGgo="><a href="javascript:alert(1)">点</a></p>'
           "<script>alert(1)</script>")
HOSTILE_CLEAN = CLEAN + '<p><a rel="noopener noreferrer">点</a></p>'


def test_course_description_and_lesson_body(make_course, people):
    course = make_course(publish=False)
    catalogue.update_course(people.teacher_a1, course, {"description": HOSTILE})
    lesson = course.lessons[0]
    structure.update_lesson(people.teacher_a1, lesson, {"body": HOSTILE})
    db.session.flush()
    assert course.description == HOSTILE_CLEAN
    assert lesson.body == HOSTILE_CLEAN


def test_questions_and_replies_are_rich_text(enrolled, people):
    course, _row = enrolled
    lesson = course.lessons[0]
    question = qa.ask(people.student_a1, lesson, HOSTILE)
    reply = qa.answer(people.teacher_a1, question, "两边同时加 3，\n得 x=5 & 检验")
    db.session.flush()
    assert question.body == HOSTILE_CLEAN
    assert reply.body == "两边同时加 3，<br>得 x=5 &amp; 检验"  # a plain line is escaped, its break kept


@pytest.mark.parametrize("body", ["<p><br></p>", "<p><script>alert(1)</script></p>",
                                  '<p><img src="https://evil.example/x"></p>'])
def test_a_question_with_nothing_left_to_read_is_refused(enrolled, people, body):
    course, _row = enrolled
    with pytest.raises(ValidationFailed) as refused:
        qa.ask(people.student_a1, course.lessons[0], body)
    assert refused.value.message == "请填写问题内容"


def test_an_old_plain_question_is_shown_escaped(enrolled, people, client, auth):
    course, _row = enrolled
    lesson = course.lessons[0]
    db.session.add(LessonQuestion(course_id=course.id, lesson_id=lesson.id, asker_id=people.student_a1.id,
                                  body="<script>alert('旧数据')</script>为什么\n要变号"))
    db.session.commit()
    auth.login(people.student_a1)
    page = client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert('旧数据')&lt;/script&gt;为什么<br>要变号" in page


def test_an_assignment_text_is_rich_text(make_course, people):
    from eduplatform.courses import enrolment

    course = make_course(lessons=("assignment",))
    row = enrolment.enrol(people.student_a1, course)
    submission = assignments.submit(people.student_a1, course.lessons[0], row, text=HOSTILE)
    assert submission.text == HOSTILE_CLEAN
    with pytest.raises(ValidationFailed):
        assignments.submit(people.student_a1, course.lessons[0], row, text="<p><br></p>")


def test_portal_article_body(make_article, portal):
    from eduplatform.portal.services import content

    article = make_article(body=HOSTILE)
    assert article.body == HOSTILE_CLEAN
    content.update_article(article, portal.city_staff, {"body": EDITOR_HTML + "<h2>二、工作要求</h2>"})
    assert article.body == CLEAN + "<h2>二、工作要求</h2>"
