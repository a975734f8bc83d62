"""The export of all submissions is sent while it is written (not built whole first), with flat memory."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

from openpyxl import load_workbook

from eduplatform.core.extensions import db
from eduplatform.core.text import xlsxstream
from eduplatform.reporting.services import excel
from eduplatform.reporting.services import submissions as services


def test_the_export_is_sent_while_the_schools_are_read(client, auth, people, task, tree, sub_of, good_values,
                                                       monkeypatch):
    services.submit_submission(sub_of(task, tree.school_a1), people.school_a1_admin, raw=good_values)
    db.session.commit()
    read = []
    real = excel._stream_submissions

    def counting(*args, **kwargs):
        for row in real(*args, **kwargs):
            read.append(row.school_code)
            yield row

    monkeypatch.setattr(excel, "_stream_submissions", counting)
    assert auth.login(people.city_staff).status_code == 302
    response = client.get(f"/reporting/tasks/{task.id}/export.xlsx", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    chunks, read_when = [], []
    for chunk in response.response:
        chunks.append(chunk)
        read_when.append(len(read))
    response.close()
    total = len(read)
    assert total == 4
    assert read_when[0] == 0  # the package's first entries went out before any school was read
    wb = load_workbook(io.BytesIO(b"".join(chunks)), read_only=True)
    rows = list(wb["填报数据"].iter_rows(values_only=True))
    first = dict(zip(rows[1], rows[2], strict=True))
    assert first["school_code"] == tree.school_a1.code and first["teachers_total"] == 40
    assert len(rows) == 2 + 4
    assert list(wb["学生社团"].iter_rows(values_only=True))[1] == (tree.school_a1.code, "东湖区实验小学", 1,
                                                                   "机器人社", 20)
    wb.close()


def test_a_large_sheet_is_written_in_flat_memory():
    columns = 100

    def rows(n):
        yield 0, [f"指标{i}" for i in range(columns)]
        for r in range(n):
            yield 0, [f"学校{r}", *range(r, r + columns - 2), None]
        yield 1, ["另一张表", 1.5, True]

    def peak(n) -> tuple[int, int]:
        tracemalloc.start()
        try:
            size = 0
            for chunk in xlsxstream.stream_workbook(["主表", "副表"], rows(n), header_rows={0: 1}):
                size += len(chunk)  # sent on, not kept
            return tracemalloc.get_traced_memory()[1], size
        finally:
            tracemalloc.stop()

    small, small_size = peak(500)
    large, large_size = peak(5000)
    assert large_size > 8 * small_size
    consumed = [0]

    def counted(n):
        for item in rows(n):
            consumed[0] += 1
            yield item

    when = [consumed[0] for _ in xlsxstream.stream_workbook(["主表", "副表"], counted(5000))]
    assert sum(1 for n in when if 0 < n < 5000) >= 3, when  # sent in pieces while rows were still to come
    assert large < small * 1.5 + 200_000, (small, large)  # ten times the rows, not ten times the memory
    data = b"".join(xlsxstream.stream_workbook(["主表", "副表"], rows(5000), header_rows={0: 1}))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
    wb = load_workbook(io.BytesIO(data), read_only=True)
    sheet = list(wb["主表"].iter_rows(values_only=True))
    assert len(sheet) == 5001 and sheet[1][:3] == ("学校0", 0, 1) and sheet[-1][0] == "学校4999"
    assert list(wb["副表"].iter_rows(values_only=True)) == [("另一张表", 1.5, True)]
    wb.close()
