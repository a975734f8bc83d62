"""Events name people by display name; the login name is a tooltip at most."""

from __future__ import annotations

from eduplatform.accounts.people import display_name_of, person


def test_a_person_is_named_with_the_login_as_tooltip(app, people):
    teacher = people.teacher_a1
    teacher.display_name = "王老师"
    with app.test_request_context("/"):
        assert str(person(teacher.id, teacher.username)) == \
            f'<span title="账号：{teacher.username}">{teacher.display_name}</span>'
        assert display_name_of(teacher.id) == teacher.display_name
        assert str(person(None, None)) == "系统"
        # An account since removed: the login stored with the event is all there is.
        assert str(person(10**9, "gone_user")) == "gone_user"
        assert str(person(None, "<b>x</b>")) == "&lt;b&gt;x&lt;/b&gt;"
