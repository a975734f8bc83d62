"""政府信息公开工作年度报告 (国办公开办函〔2021〕30号 template): every cell of 表三 against counts made by
hand from the fixture below, 表二's 行政规范性文件 from the 政策文件 column, the office's part, the DOCX
and PDF read back, publication as an article of the 年度报告 column."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.portal.models import (
    AnnualReport,
    Article,
    ArticleState,
    DisclosureEntry,
    DisclosureRequest,
    Validity,
)
from eduplatform.portal.services import annual_report as reports
from eduplatform.portal.services import content

YEAR = 2026
COLS = ("person", "business", "research", "public_interest", "legal_service", "other", "total")
_seq = iter(range(1, 10_000))


def _request(org, ref, applicant, received, *, state="answered", answer=None, answered=None, abandoned=None):
    """One stored request as the office's records have it (``applicant``: person or an org kind)."""
    person = applicant == "person"
    row = DisclosureRequest(
        org_id=org.id, tracking_code=f"GKT{next(_seq):08d}", secret_hash="x", state=state,
        applicant_type="person" if person else "organisation",
        org_kind=None if person or applicant == "none" else applicant, name=f"申请人{ref}", id_number="0",
        description=f"申请{ref}", provide_format="paper", obtain_method="mail", channel="letter",
        received_on=received, clock_start_on=received, answer_type=answer, answered_on=answered,
        answer_fields={})
    db.session.add(row)
    db.session.flush()
    if abandoned:
        db.session.add(DisclosureEntry(request_id=row.id, day=abandoned, kind="abandoned", text="视为放弃申请"))
    return row


@pytest.fixture
def year_of_requests(portal, tree):
    """The city bureau's 2025–2027 requests; the comment on each says where the hand count puts it."""
    city, d = tree.city, date
    r = {}
    # carried over from 2025
    r["C1"] = _request(city, "C1", "person", d(2025, 12, 10), answer="granted", answered=d(2026, 1, 8))  # in, 予以公开
    r["C2"] = _request(city, "C2", "business", d(2025, 12, 20), state="handling")  # in, still open → 结转
    r["C3"] = _request(city, "C3", "research", d(2025, 11, 1), answer="granted", answered=d(2025, 11, 20))  # not at all
    r["C4"] = _request(city, "C4", "legal_service", d(2025, 12, 28), state="closed",
                       abandoned=d(2026, 1, 15))  # in, 逾期不补正
    # received in 2026
    r["N1"] = _request(city, "N1", "person", d(2026, 3, 2), answer="published", answered=d(2026, 3, 20))  # 予以公开
    r["N2"] = _request(city, "N2", "person", d(2026, 3, 5), answer="granted", answered=d(2026, 3, 25))  # 予以公开
    r["N3"] = _request(city, "N3", "person", d(2026, 4, 1), answer="partial", answered=d(2026, 4, 20))  # 部分公开
    r["N4"] = _request(city, "N4", "person", d(2026, 4, 2), answer="refused", answered=d(2026, 4, 22))  # 国家秘密
    r["N5"] = _request(city, "N5", "business", d(2026, 4, 3), answer="refused", answered=d(2026, 4, 23))  # 第三方
    r["N6"] = _request(city, "N6", "public_interest", d(2026, 5, 6), answer="refused",
                       answered=d(2026, 5, 26))  # 过程性信息
    r["N7"] = _request(city, "N7", "person", d(2026, 6, 1), answer="not_exist", answered=d(2026, 6, 19))  # 不掌握
    r["N8"] = _request(city, "N8", "research", d(2026, 6, 2), answer="not_ours", answered=d(2026, 6, 10))  # 不掌握
    r["N9"] = _request(city, "N9", "person", d(2026, 6, 3), answer="not_exist", answered=d(2026, 6, 24))  # 另行制作
    r["N10"] = _request(city, "N10", "legal_service", d(2026, 7, 1), answer="repeat", answered=d(2026, 7, 3))  # 重复
    r["N11"] = _request(city, "N11", "other", d(2026, 7, 6), answer="other_law", answered=d(2026, 7, 20))  # 其他处理·其他
    r["N12"] = _request(city, "N12", "person", d(2026, 8, 3), answer="other_law", answered=d(2026, 8, 10))  # 出版物
    r["N13"] = _request(city, "N13", "person", d(2026, 5, 11), state="closed", abandoned=d(2026, 6, 1))  # 逾期不补正
    r["N15"] = _request(city, "N15", "none", d(2026, 9, 1), answer="granted", answered=d(2026, 9, 15))  # 其他 (no kind)
    r["N16"] = _request(city, "N16", "person", d(2026, 12, 20), state="review")  # open at year end → 结转
    r["N17"] = _request(city, "N17", "public_interest", d(2026, 12, 15), answer="granted",
                        answered=d(2027, 1, 5))  # answered next year → 结转
    r["N18"] = _request(city, "N18", "business", d(2026, 5, 5), answer="granted", answered=d(2026, 5, 20))  # 予以公开
    # not this bureau's, or next year's: never counted
    _request(tree.district_a, "D1", "person", d(2026, 3, 3), answer="granted", answered=d(2026, 3, 9))
    _request(city, "X1", "person", d(2027, 1, 4), state="review")
    staff = portal.city_staff
    for ref, row in (("N4", "refused.state_secret"), ("N5", "refused.third_party"), ("N6", "refused.process"),
                     ("N9", "unable.needs_making"), ("N12", "not_handled.publication")):
        reports.classify_request(r[ref], actor=staff, row=row)
    db.session.flush()
    return r


#: 表三 counted by hand from the fixture's comments (columns: 自然人, 商业企业, 科研机构, 社会公益组织,
#: 法律服务机构, 其他, 总计). 一 + 二 = 三（七） + 四 in every column.
EXPECTED = {
    "new":                     (9, 2, 1, 2, 1, 2, 17),  # N1–N4, N7, N9, N12, N13, N16 | N5, N18 | N8 | N6, N17 | N10 | N11, N15
    "carried_in":              (1, 1, 0, 0, 1, 0, 3),   # C1 | C2 | C4
    "granted":                 (3, 1, 0, 0, 0, 1, 5),   # C1, N1, N2 | N18 | N15
    "partial":                 (1, 0, 0, 0, 0, 0, 1),   # N3
    "refused":                 (1, 1, 0, 1, 0, 0, 3),
    "refused.state_secret":    (1, 0, 0, 0, 0, 0, 1),   # N4
    "refused.law_forbids":     (0, 0, 0, 0, 0, 0, 0),
    "refused.security":        (0, 0, 0, 0, 0, 0, 0),
    "refused.third_party":     (0, 1, 0, 0, 0, 0, 1),   # N5
    "refused.internal":        (0, 0, 0, 0, 0, 0, 0),
    "refused.process":         (0, 0, 0, 1, 0, 0, 1),   # N6
    "refused.enforcement_file": (0, 0, 0, 0, 0, 0, 0),
    "refused.inquiry":         (0, 0, 0, 0, 0, 0, 0),
    "unable":                  (2, 0, 1, 0, 0, 0, 3),
    "unable.not_held":         (1, 0, 1, 0, 0, 0, 2),   # N7 | N8
    "unable.needs_making":     (1, 0, 0, 0, 0, 0, 1),   # N9
    "unable.unclear":          (0, 0, 0, 0, 0, 0, 0),
    "not_handled":             (1, 0, 0, 0, 1, 0, 2),
    "not_handled.petition":    (0, 0, 0, 0, 0, 0, 0),
    "not_handled.repeat":      (0, 0, 0, 0, 1, 0, 1),   # N10
    "not_handled.publication": (1, 0, 0, 0, 0, 0, 1),   # N12
    "not_handled.mass":        (0, 0, 0, 0, 0, 0, 0),
    "not_handled.confirm":     (0, 0, 0, 0, 0, 0, 0),
    "other":                   (1, 0, 0, 0, 1, 1, 3),
    "other.no_correction":     (1, 0, 0, 0, 1, 0, 2),   # N13 | C4
    "other.no_fee":            (0, 0, 0, 0, 0, 0, 0),
    "other.other":             (0, 0, 0, 0, 0, 1, 1),   # N11
    "handled_total":           (9, 2, 1, 1, 2, 2, 17),
    "carried_out":             (1, 1, 0, 1, 0, 0, 3),   # N16 | C2 | N17
}

#: The template's rows in order (国办公开办函〔2021〕30号), written out here rather than read from the data file.
TEMPLATE_ROWS = [
    "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "三、本年度办理结果", "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "（三）不予公开", "1.属于国家秘密",
    "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益", "5.属于三类内部事务信息",
    "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项", "（四）无法提供", "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确", "（五）不予处理", "1.信访举报投诉类申请", "2.重复申请",
    "3.要求提供公开出版物", "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息", "（六）其他处理",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他", "（七）总计",
    "四、结转下年度继续办理"]

ENTRIES = {"overview": "2026年，本局认真贯彻《条例》。", "problems": "公开目录更新不够及时。", "other": "无。",
           "rules_0": "0", "rules_1": "0", "rules_2": "0", "licensing": "12", "penalty": "3", "enforcement": "",
           "fees": "1.5", "reconsideration_upheld": "1", "reconsideration_corrected": "1",
           "direct_suit_pending": "2", "suit_after_upheld": "1"}


def test_the_rows_and_columns_are_the_templates(portal):
    assert [r["label"] for r in reports.template()["requests_rows"]] == TEMPLATE_ROWS
    assert reports.request_columns() == list(COLS)
    header = reports.request_header()
    assert header == [("自然人", []), ("法人或其他组织", ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]),
                      ("总计", [])]
    assert "国办公开办函〔2021〕30号" in reports.template()["source"]


def test_every_cell_of_table_three_matches_the_hand_count(year_of_requests, tree):
    table = reports.requests_table(tree.city, YEAR)
    assert table["unclassified"] == []
    for row, expected in EXPECTED.items():
        assert tuple(table["cells"][row][c] for c in COLS) == expected, row
    assert set(table["cells"]) == set(EXPECTED) | {"results"}
    assert all(v == 0 for v in table["cells"]["results"].values())


def test_a_refusal_without_its_reason_is_unclassified_and_blocks_publication(year_of_requests, tree, portal):
    reports.classify_request(year_of_requests["N5"], actor=portal.city_staff, row=None)
    table = reports.requests_table(tree.city, YEAR)
    assert table["unclassified"] == [year_of_requests["N5"]]
    assert table["cells"]["refused"]["business"] == 0 and table["cells"]["handled_total"]["total"] == 16
    reports.save_entries(tree.city, YEAR, actor=portal.city_staff, data=ENTRIES)
    with pytest.raises(Conflict, match="未归入表三的具体理由"):
        reports.publish(tree.city, YEAR, actor=portal.city_staff)


def test_classification_is_checked_and_audited(year_of_requests, portal):
    with pytest.raises(ValidationFailed):
        reports.classify_request(year_of_requests["N7"], actor=portal.city_staff, row="granted.x")
    with pytest.raises(Conflict):
        reports.classify_request(year_of_requests["N16"], actor=portal.city_staff, row="granted")
    with pytest.raises(ValidationFailed, match="只计入"):
        reports.classify_request(year_of_requests["N3"], actor=portal.city_staff, row="granted")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == "request.report_row_set",
                                                          AuditEntry.object_id == str(year_of_requests["N9"].id)))
    assert entry is not None and "本机关不掌握相关政府信息 → 2.没有现成信息需要另行制作" in entry.summary.replace("1.", "")


def _policy(make_article, title, published, *, repealed=None, org_author=None):
    article = make_article("policy_documents", title=title, published=True, author=org_author)
    article.published_at = published
    if repealed:
        content.set_validity(article, org_author or article.created_by, Validity.REPEALED)
        article.validity_changed_at = repealed
    return article


def test_table_two_counts_the_bureaus_normative_documents(portal, tree, make_article, create_user):
    from eduplatform.accounts.models import Role

    _policy(make_article, "A1 2026年发布", datetime(2026, 3, 1, 2))
    _policy(make_article, "A2 2025年发布2026年废止", datetime(2025, 5, 1, 2), repealed=datetime(2026, 6, 1, 2))
    _policy(make_article, "A3 2025年发布有效", datetime(2025, 2, 1, 2))
    _policy(make_article, "A4 2026年发布次年废止", datetime(2026, 4, 1, 2), repealed=datetime(2027, 1, 10, 2))
    _policy(make_article, "A5 2024年发布2025年废止", datetime(2024, 4, 1, 2), repealed=datetime(2025, 1, 10, 2))
    news = make_article("news", title="A6 新闻不计", published=True)
    news.published_at = datetime(2026, 5, 1, 2)
    make_article("policy_documents", title="A7 草稿不计")
    # 2026-12-31 23:30 Beijing time is still 2026 (15:30 UTC)
    _policy(make_article, "A8 除夕夜发布", datetime(2026, 12, 31, 15, 30))
    # 2027-01-01 00:30 Beijing time (2026-12-31 16:30 UTC) belongs to 2027
    _policy(make_article, "A9 元旦发布", datetime(2026, 12, 31, 16, 30))
    other = create_user("dastaff2", roles=[Role.BUREAU_STAFF], org=tree.dept_a)
    reviewer = create_user("dastaff3", roles=[Role.BUREAU_STAFF], org=tree.district_a)
    district = make_article("policy_documents", title="A10 区县的不计", published=True, author=other, reviewer=reviewer)
    district.published_at = datetime(2026, 3, 1, 2)
    db.session.flush()
    # 制发: A1, A4, A8; 废止: A2; 现行有效 at 2026's end: A1, A3, A4, A8
    assert reports.normative_counts(tree.city, YEAR) == [3, 1, 4]
    data = reports.build(tree.city, YEAR)
    assert data["proactive"][0]["rows"] == [("规章", [0, 0, 0]), ("行政规范性文件", [3, 1, 4])]
    assert ("新闻动态", 1) in data["by_column"] and ("政务公开／政策文件", 3) in data["by_column"]


def test_the_office_part_is_checked_and_kept(portal, tree):
    with pytest.raises(ValidationFailed, match="行政许可须为不小于 0 的整数"):
        reports.save_entries(tree.city, YEAR, actor=portal.city_staff, data={**ENTRIES, "licensing": "-1"})
    with pytest.raises(ValidationFailed, match="行政事业性收费"):
        reports.save_entries(tree.city, YEAR, actor=portal.city_staff, data={**ENTRIES, "fees": "abc"})
    assert reports.get_report(tree.city, YEAR) is None
    assert reports.check_entries({"fees": "100"})["proactive"]["fees"] == "100"
    assert reports.check_entries({"fees": "2.50"})["proactive"]["fees"] == "2.5"
    report = reports.save_entries(tree.city, YEAR, actor=portal.city_staff, data=ENTRIES)
    assert report.entries["proactive"] == {"rules": [0, 0, 0], "licensing": 12, "penalty": 3, "enforcement": 0,
                                           "fees": "1.5"}
    data = reports.build(tree.city, YEAR)
    assert data["review"]["reconsideration"] == {"upheld": 1, "corrected": 1, "other": 0, "pending": 0, "total": 2}
    assert data["review"]["direct_suit"]["total"] == 2 and data["review"]["suit_after"]["total"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.kind == "annual_report.saved")) == 1


def _docx_tables(blob):
    import docx

    return docx.Document(io.BytesIO(blob)).tables


def test_the_docx_holds_every_figure(year_of_requests, portal, tree, app):
    reports.save_entries(tree.city, YEAR, actor=portal.city_staff, data=ENTRIES)
    blob = reports.render_docx(reports.build(tree.city, YEAR))
    tables = _docx_tables(blob)
    assert len(tables) == 6  # four parts of 表二, 表三, 表四
    big = tables[4]
    by_label = {}
    for row in big.rows[3:]:
        cells = [c.text for c in row.cells]
        by_label[cells[1]] = cells[2:]
    labels = list(by_label)
    assert labels == TEMPLATE_ROWS
    keys = [r["key"] for r in reports.template()["requests_rows"]]
    for label, key in zip(TEMPLATE_ROWS, keys, strict=True):
        if key == "results":
            assert by_label[label] == [""] * 7
        else:
            assert tuple(int(v) for v in by_label[label]) == EXPECTED[key], label
    assert [c.text for c in tables[1].rows[2].cells] == ["行政许可", "12"]
    assert [c.text for c in tables[3].rows[2].cells] == ["行政事业性收费", "1.5"]
    assert [c.text for c in tables[5].rows[2].cells] == ["1", "1", "0", "0", "2", "0", "0", "0", "2", "2",
                                                         "1", "0", "0", "0", "1"]
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(blob)).paragraphs)
    assert "示范市教育局2026年政府信息公开工作年度报告" in text and "公开目录更新不够及时。" in text


def test_the_pdf_holds_the_figures(year_of_requests, portal, tree, app):
    from pypdf import PdfReader

    reports.save_entries(tree.city, YEAR, actor=portal.city_staff, data=ENTRIES)
    pdf = reports.render_pdf(reports.build(tree.city, YEAR))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = "".join(text.split())
    assert "三、收到和处理政府信息公开申请情况" in flat and "四、结转下年度继续办理" in flat
    assert "本年新收政府信息公开申请数量" in flat
    # the row of 一、本年新收 and of （七）总计, cell by cell, then 结转下年度
    assert "一、本年新收政府信息公开申请数量92121217" in flat
    assert "（七）总计92112217" in flat and "四、结转下年度继续办理1101003" in flat


def test_publication_drafts_an_article_in_the_annual_report_column(year_of_requests, portal, tree, app):
    with pytest.raises(Conflict, match="请先填写"):
        reports.publish(tree.city, YEAR, actor=portal.city_staff)
    reports.save_entries(tree.city, YEAR, actor=portal.city_staff, data=ENTRIES)
    article = reports.publish(tree.city, YEAR, actor=portal.city_staff)
    assert article.column.key == "annual_reports" and article.column.parent.key == "gov_open"
    assert article.state == ArticleState.REVIEW and article.title == "示范市教育局2026年政府信息公开工作年度报告"
    assert sorted(a.file.filename for a in article.attachments) == [
        "示范市教育局2026年政府信息公开工作年度报告.docx", "示范市教育局2026年政府信息公开工作年度报告.pdf"]
    assert "本年新收政府信息公开申请数量" in article.body and "<td>17</td>" in article.body
    with pytest.raises(Conflict, match="已生成门户信息"):
        reports.publish(tree.city, YEAR, actor=portal.city_staff)
    content.approve_article(article, portal.city_reviewer)
    assert article.state == ArticleState.PUBLISHED and article.index_no
    report = db.session.scalar(sa.select(AnnualReport))
    assert report.article_id == article.id
    assert db.session.scalar(sa.select(AuditEntry.summary).where(AuditEntry.kind == "annual_report.published"))


# --- the pages ---------------------------------------------------------------------------------------

def test_the_page_shows_the_table_and_saves_the_office_part(client, auth, year_of_requests, portal, tree):
    auth.login(portal.city_staff)
    html = client.get(f"/portal/disclosure/annual-report/{YEAR}").get_data(as_text=True)
    assert "示范市教育局2026年政府信息公开工作年度报告" in html
    assert '<tr data-row="handled_total">' in html
    import re

    row = re.search(r'<tr data-row="carried_out">(.*?)</tr>', html, re.DOTALL).group(1)
    assert re.findall(r'data-col="[a-z_]+">(\d+)<', row) == ["1", "1", "0", "1", "0", "0", "3"]
    bad = client.post(f"/portal/disclosure/annual-report/{YEAR}", data={**ENTRIES, "penalty": "三"})
    assert bad.status_code == 422 and "行政处罚须为不小于 0 的整数" in bad.get_data(as_text=True)
    assert reports.get_report(tree.city, YEAR) is None
    ok = client.post(f"/portal/disclosure/annual-report/{YEAR}", data=ENTRIES)
    assert ok.status_code == 302
    assert reports.get_report(tree.city, YEAR).entries["proactive"]["licensing"] == 12
    moved = client.post(f"/portal/disclosure/requests/{year_of_requests['N7'].id}/report-row",
                        data={"report_row": "unable.unclear", "year": str(YEAR)})
    assert moved.status_code == 302
    assert db.session.get(DisclosureRequest, year_of_requests["N7"].id).report_row == "unable.unclear"
    case = client.get(f"/portal/disclosure/requests/{year_of_requests['N7'].id}").get_data(as_text=True)
    assert "表三计入：3.补正后申请内容仍不明确" in case and f"/portal/disclosure/annual-report/{YEAR}#handled" in case
    docx_response = client.get(f"/portal/disclosure/annual-report/{YEAR}/report.docx")
    assert docx_response.status_code == 200
    big = _docx_tables(docx_response.data)[4]
    unclear = next(r for r in big.rows if r.cells[1].text == "3.补正后申请内容仍不明确")
    assert [c.text for c in unclear.cells[2:]] == ["1", "0", "0", "0", "0", "0", "1"]
    assert client.get(f"/portal/disclosure/annual-report/{YEAR}/report.pdf").data.startswith(b"%PDF")
    published = client.post(f"/portal/disclosure/annual-report/{YEAR}/publish")
    assert published.status_code == 302
    assert db.session.scalar(sa.select(Article).where(Article.title.like("%年度报告"))).state == ArticleState.REVIEW


def test_outsiders_get_no_report(client, auth, year_of_requests, portal, tree):
    auth.login(portal.citizen)
    assert client.get(f"/portal/disclosure/annual-report/{YEAR}").status_code == 403
    auth.logout()
    auth.login(portal.district_b_staff)
    page = client.get(f"/portal/disclosure/annual-report/{YEAR}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:3000]
    assert f"{tree.district_b.name}2026年政府信息公开工作年度报告" in html
    assert "申请人N1" not in html and "东湖" not in html  # their own bureau's report
    assert client.post(f"/portal/disclosure/requests/{year_of_requests['N7'].id}/report-row",
                       data={"report_row": "unable.unclear"}).status_code == 403
    assert client.get("/portal/disclosure/annual-report/2999").status_code == 404
