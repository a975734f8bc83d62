"""axe-core on every public page of the portal: normal and 适老化 mode, desktop and 390 px wide.

No serious or critical violation of WCAG 2.1 A/AA (axe's wcag2a, wcag2aa, wcag21a, wcag21aa tags)
is allowed; at 390 px nothing may scroll sideways. axe-core is vendored in ``vendor/axe-core``.
"""

from __future__ import annotations

import pytest

from eduplatform.core.extensions import db
from tests.browser.axe import violations


@pytest.fixture(scope="module")
def public_pages(live_app):
    from eduplatform.courses.models import Course
    from eduplatform.courses.seed import TRAINING_COURSE
    from eduplatform.portal import seed
    from eduplatform.portal.models import Article, Letter
    from eduplatform.resources.models import Resource

    with live_app.app_context():
        ids = {title: db.session.scalar(db.select(Article.id).filter_by(title=title))
               for title in (seed.OLD_POLICY, seed.PURCHASE, seed.ARTICLES[0][1])}
        resource = db.session.scalar(db.select(Resource.id).filter_by(title="圆的认识 示意图"))
        course = db.session.get(Course, db.session.scalar(db.select(Course.id).filter_by(title=TRAINING_COURSE)))
        lesson = course.lessons[0].id
        course = course.id
        letter = db.session.scalar(db.select(Letter.id).where(Letter.published_at.is_not(None)).limit(1))
        db.session.remove()
    return {
        "home": "/portal/",
        "column": "/portal/c/news",
        "article": f"/portal/a/{ids[seed.ARTICLES[0][1]]}",
        "tender": f"/portal/a/{ids[seed.PURCHASE]}",
        "amended_policy": f"/portal/a/{ids[seed.OLD_POLICY]}",
        "catalogue": "/portal/catalogue",
        "search": "/portal/search?q=学籍管理",
        # 向社会公开 (the demo's public resource and course)
        "open_resources": "/portal/resources",
        "open_resource": f"/portal/resources/{resource}",
        "open_courses": "/portal/courses",
        "open_course": f"/portal/courses/{course}",
        "open_lesson": f"/portal/lessons/{lesson}",
        "search_open": "/portal/search?q=圆的认识",
        # 依申请公开 and 领导信箱: the guide, the forms and the tracking pages, a published letter
        "disclosure_guide": "/portal/disclosure",
        "disclosure_apply": "/portal/disclosure/apply",
        "disclosure_track": "/portal/disclosure/track",
        "letters": "/portal/letters",
        "letter_write": "/portal/letters/write",
        "letter_track": "/portal/letters/track",
        "letter_published": f"/portal/letters/public/{letter}",
    }


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_public_pages_have_no_serious_axe_violations(browser, live_server, public_pages, care, width):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True,
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server}/portal/care?on={1 if care else 0}&next=/portal/")
        assert ("care-mode" in page.evaluate("document.body.className")) is care
        found = {}
        for name, path in public_pages.items():
            response = page.goto(f"{live_server}{path}")
            assert response.status == 200, (name, response.status)
            assert ("care-mode" in page.evaluate("document.body.className")) is care, name
            bad = violations(page)
            if bad:
                found[name] = bad
            if width == 390:
                overflow = page.evaluate("document.documentElement.scrollWidth")
                assert overflow <= 390, f"{name} scrolls sideways at 390 px ({overflow} px)"
        assert found == {}, found
        page.goto(f"{live_server}{public_pages['amended_policy']}")
        assert "本文件已修改" in page.inner_text("#validity-notice")
        assert "已修改" in page.inner_text("#meta-validity")
    finally:
        context.close()


def test_the_search_page_finds_the_published_policies(browser, live_server, public_pages):
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}{public_pages['search']}")
        results = page.inner_text("#search-results")
        assert "学籍管理实施细则" in results
    finally:
        context.close()
