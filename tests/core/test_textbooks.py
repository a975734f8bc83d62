"""The 教材目录: volumes read from resource_specs/textbooks, ids, lineage, and refusals of bad files."""

from __future__ import annotations

import pytest

from eduplatform.core import textbooks
from eduplatform.core.vocabularies import VocabularyError, shared, specs_directory

pytestmark = pytest.mark.nodb


def test_the_shipped_catalogue_reads_as_the_printed_tables_of_contents():
    catalogue = textbooks.load_catalogue(specs_directory() / "textbooks", shared())
    volume = catalogue.volume("pep-math-7a")
    assert volume.full_label == "人教版 数学 七年级上册" and (volume.stage, volume.grade) == ("junior", "g7")
    assert [n.label for n in volume.nodes] == ["第一章 有理数", "第二章 整式的加减", "第三章 一元一次方程",
                                               "第四章 几何图形初步"]
    section = catalogue.node("pep-math-7a:3.2")
    assert section.label == "3.2 解一元一次方程（一）——合并同类项与移项"
    assert [n.id for n in section.path] == ["pep-math-7a:3", "pep-math-7a:3.2"]
    assert section.full_label == "人教版 数学 七年级上册 · 第三章 一元一次方程 · 3.2 解一元一次方程（一）——合并同类项与移项"
    assert catalogue.node("tongbian-chinese-7a:1").label == "1 春"
    assert catalogue.lineage(["pep-math-7a:3.2", "nowhere:1"]) == ["pep-math-7a", "pep-math-7a:3", "pep-math-7a:3.2"]
    junior_math = [v.code for v in catalogue.find(stage="junior", subject="math")]
    assert junior_math == ["pep-math-7a", "pep-math-8b", "pep-math-9a"]
    vocab = textbooks.as_vocabulary(catalogue)
    assert vocab.by_code["pep-math-7a:3.2"].attrs["parent"] == "pep-math-7a:3"
    assert vocab.by_code["pep-math-7a:3"].attrs["parent"] == "pep-math-7a"


def volume_file(edition="pep", grade="g7", term="上册", nodes="[{code: '1', label: 第一章}]") -> str:
    return (f"code: x\nlabel: 数学\nedition: {edition}\nsubject: math\nstage: junior\ngrade: {grade}\n"
            f"term: {term}\nnodes: {nodes}")


@pytest.mark.parametrize(("body", "reason"), [
    (volume_file(grade="g77"), "grade 'g77'"),
    (volume_file(edition="nobody"), "edition 'nobody'"),
    (volume_file(term="中册"), "term must be"),
    (volume_file(nodes="[{code: '1', label: 第一章}, {code: '1', label: 又是第一章}]"), "repeated"),
    (volume_file(nodes="[{code: '1'}]"), "needs a code and a label"),
])
def test_a_bad_volume_file_is_refused_at_start_up(tmp_path, body, reason):
    (tmp_path / "x.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(VocabularyError, match=reason):
        textbooks.load_catalogue(tmp_path, shared())
