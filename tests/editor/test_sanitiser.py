"""The one sanitiser on what the rich-text editor (Quill 2) really writes.

The fixtures are written from Quill 2's documented output (quilljs.com, "Formats" and the
"Upgrading to 2.0" guide): every list is an ``<ol>`` whose items carry ``data-list`` ("bullet",
"ordered", "checked", "unchecked") and start with ``<span class="ql-ui" contenteditable="false">``;
alignment and indent are ``ql-align-*`` / ``ql-indent-N`` classes; a code block is
``<div class="ql-code-block-container" spellcheck="false"><div class="ql-code-block" data-language="plain">``;
links get ``rel="noopener noreferrer" target="_blank"``; an empty line is ``<p><br></p>``.
"""

from __future__ import annotations

import pytest

from eduplatform.core.text.richtext import clean_html, plain_text

TOKEN = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"  # 44 URL-safe characters, like token_urlsafe(32)

KEPT = {
    "paragraphs and inline formats":
        "<p>本课程<strong>共两章</strong>，<em>第一章</em>讲<u>方程</u>，<s>不讲函数</s>。</p><p><br></p>"
        "<p>第二段<code>x+1=2</code></p>",
    "headings":
        "<h2>第一章 方程的概念</h2><h3>1.1 等式</h3><h4>例题</h4>",
    "bullet and ordered lists (one <ol>, the kind on each item)":
        '<ol><li data-list="bullet"><span class="ql-ui" contenteditable="false"></span>列方程</li>'
        '<li data-list="bullet" class="ql-indent-1"><span class="ql-ui" contenteditable="false"></span>设未知数</li>'
        '<li data-list="ordered"><span class="ql-ui" contenteditable="false"></span>解方程</li></ol>',
    "check list":
        '<ol><li data-list="checked"><span class="ql-ui" contenteditable="false"></span>预习</li>'
        '<li data-list="unchecked"><span class="ql-ui" contenteditable="false"></span>作业</li></ol>',
    "alignment and indent":
        '<p class="ql-align-center">居中</p><p class="ql-align-right">右对齐</p>'
        '<p class="ql-align-justify ql-indent-2">两端对齐、缩进两级</p>',
    "a link":
        '<p>参见<a href="https://www.moe.gov.cn/" rel="noopener noreferrer" target="_blank">教育部网站</a>'
        '和<a href="mailto:jyj@example.cn" rel="noopener noreferrer" target="_blank">邮箱</a></p>',
    "blockquote":
        "<blockquote>学而时习之</blockquote>",
    "code block":
        '<div class="ql-code-block-container" spellcheck="false"><div class="ql-code-block" data-language="plain">'
        "if x &lt; 2:</div><div class=\"ql-code-block\" data-language=\"plain\">    print(x)</div></div>",
    "our own picture":
        f'<p><img src="/editor/images/{TOKEN}"></p>',
    "a table (the existing rule)":
        "<table><tbody><tr><td>姓名</td><td>成绩</td></tr></tbody></table>",
    # Quill 2.0.3's table module (quill/modules/table, formats/table.ts): <table><tbody>, each <td> with
    # data-row naming its row ("row-" + 4 base-36 characters); a header row from a paste is <thead><th>.
    "a table from the editor's table button":
        '<table><thead><tr><th data-row="row-h1a2">姓名</th><th data-row="row-h1a2">成绩</th></tr></thead>'
        '<tbody><tr><td data-row="row-3kf9">张三</td><td data-row="row-3kf9">95</td></tr>'
        '<tr><td data-row="row-x0qa"><br></td><td data-row="row-x0qa" colspan="1">88</td></tr></tbody></table>',
}


@pytest.mark.parametrize("name", sorted(KEPT))
def test_what_the_editor_writes_survives(name):
    html = KEPT[name]
    cleaned = clean_html(html, inline_images=False)
    expected_visible = plain_text(html)
    assert plain_text(cleaned) == expected_visible
    for marker in ("<strong>", "<em>", "<u>", "<s>", "<code>", "<h2>", "<h3>", "<h4>", 'data-list="bullet"',
                   'data-list="ordered"', 'data-list="checked"', 'data-list="unchecked"', 'class="ql-indent-1"',
                   'class="ql-align-center"', 'class="ql-align-right"', 'class="ql-align-justify ql-indent-2"',
                   'href="https://www.moe.gov.cn/"', 'href="mailto:jyj@example.cn"', 'target="_blank"',
                   "<blockquote>", 'class="ql-code-block-container"', 'data-language="plain"',
                   f'src="/editor/images/{TOKEN}"', "<td>", '<span class="ql-ui">', "<thead>", "<tbody>",
                   '<th data-row="row-h1a2">', '<td data-row="row-3kf9">', '<td data-row="row-x0qa" colspan="1">'):
        if marker in html or (marker == '<span class="ql-ui">' and "ql-ui" in html):
            assert marker in cleaned, f"{name}: {marker} lost in {cleaned}"
    assert clean_html(cleaned, inline_images=False) == cleaned  # idempotent: editing again changes nothing


def test_links_always_open_safely():
    cleaned = clean_html('<p><a href="https://www.moe.gov.cn/" target="_top">x</a></p>')
    assert cleaned == '<p><a href="https://www.moe.gov.cn/" rel="noopener noreferrer">x</a></p>'


STRIPPED = [
    ("script", '<p>正文</p><script>alert(1)</script>', "<script", "<p>正文</p>"),
    ("style element", "<style>body{display:none}</style><p>正文</p>", "<style", "<p>正文</p>"),
    ("style attribute", '<p style="position:fixed;top:0">正文</p>', "style=", "<p>正文</p>"),
    ("event handler", '<p onclick="steal()">正文</p><img src="/editor/images/' + TOKEN + '" onerror="x()">',
     "on", '<p>正文</p><img src="/editor/images/' + TOKEN + '">'),
    ("javascript: link", '<p><a href="javascript:alert(1)">点我</a></p>', "javascript",
     '<p><a rel="noopener noreferrer">点我</a></p>'),
    ("JaVaScRiPt: with spaces", '<p><a href=" JaVaScRiPt:alert(1)">点我</a></p>', "alert",
     '<p><a rel="noopener noreferrer">点我</a></p>'),
    ("data: link", '<p><a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">点我</a></p>', "data:",
     '<p><a rel="noopener noreferrer">点我</a></p>'),
    ("protocol-relative link", '<p><a href="//evil.example/x">点我</a></p>', "evil",
     '<p><a rel="noopener noreferrer">点我</a></p>'),
    ("foreign image", '<p>图<img src="https://evil.example/track.png"></p>', "evil", "<p>图</p>"),
    ("own path on a foreign host", f'<p>图<img src="https://evil.example/editor/images/{TOKEN}"></p>', "evil",
     "<p>图</p>"),
    ("inline data image in an editor field", '<p>图<img src="data:image/png;base64,iVBORw0KGgo="></p>', "data:",
     "<p>图</p>"),
    ("the page's own classes", ('<p class="position-fixed top-0 ql-align-center">正文</p>'
                                '<span class="btn btn-danger">假按钮</span>'), "position-fixed",
     '<p class="ql-align-center">正文</p><span>假按钮</span>'),
    ("iframe and form", ('<iframe src="https://evil.example/"></iframe><form action="/x"><input name="a"></form>'
                         "<p>正文</p>"), "iframe", "<p>正文</p>"),
    ("unknown list kind", '<ol><li data-list="javascript:x">项</li></ol>', "javascript", "<ol><li>项</li></ol>"),
    ("svg", '<svg onload="alert(1)"><circle r="5"/></svg><p>正文</p>', "svg", "<p>正文</p>"),
    ("table attributes", ('<table border="9" style="position:fixed" onmouseover="x()" background="javascript:x">'
                          '<tbody><tr bgcolor="red"><td style="width:9999px" onclick="x()" data-row="javascript:x"'
                          ' colspan="1000" rowspan="2">格</td></tr></tbody></table>'), "javascript",
     '<table><tbody><tr><td rowspan="2">格</td></tr></tbody></table>'),
    ("table parts Quill never writes", ('<table><caption>假标题</caption><colgroup><col span="9"></colgroup>'
                                        '<tfoot><tr><td>脚</td></tr></tfoot><tbody><tr><td>格</td></tr></tbody></table>'),
     "caption", "<table>假标题<tr><td>脚</td></tr><tbody><tr><td>格</td></tr></tbody></table>"),
]


@pytest.mark.parametrize("name, html, gone, expected", STRIPPED, ids=[s[0] for s in STRIPPED])
def test_hostile_parts_are_stripped(name, html, gone, expected):
    cleaned = clean_html(html, inline_images=False)
    assert gone.lower() not in cleaned.lower().replace("ql-", "").replace("noopener", "")
    assert cleaned == expected


def test_the_rich_filter_shows_a_table_and_nothing_dangerous_in_it(app):
    from eduplatform.core.templating import rich

    stored = ('<table><tbody><tr><td data-row="row-ab12">甲</td><td data-row="row-ab12" onclick="x()">乙</td></tr>'
              '</tbody></table><script>alert(1)</script>')
    shown = str(app.jinja_env.filters["rich"](stored))
    assert shown == str(rich(stored)) == ('<table><tbody><tr><td data-row="row-ab12">甲</td>'
                                          '<td data-row="row-ab12">乙</td></tr></tbody></table>')


def test_question_texts_keep_inline_pictures():
    """Question imports still bring inline ``data:`` pictures (stored later as question media)."""
    html = '<p>图<img src="data:image/png;base64,iVBORw0KGgo="></p>'
    assert clean_html(html) == html
    assert clean_html(html, inline_images=False) == "<p>图</p>"
