"""Fonts are pluggable: a bureau's licensed files from config, free Debian substitutes otherwise."""

from __future__ import annotations

import io
import shutil

import pdfplumber
import pytest

from eduplatform.documents.layout import DocumentElements, FontSet, render_pdf
from eduplatform.documents.layout.fonts import CONFIG_KEYS, FontError

pytestmark = pytest.mark.nodb

KAI = "/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf"
MING = "/usr/share/fonts/truetype/arphic/uming.ttc"


def test_config_keys_are_the_documented_environment_names():
    import config

    for role in ("fangsong", "xiaobiaosong", "heiti", "kaiti", "songti"):
        assert hasattr(config.Config, CONFIG_KEYS[role])
    assert CONFIG_KEYS["fangsong"] == "DOC_FONT_FANGSONG"


def test_defaults_are_the_free_substitutes():
    fonts = FontSet.from_config({})
    assert fonts.fangsong == KAI and fonts.kaiti == KAI
    assert fonts.xiaobiaosong.startswith(MING) and fonts.songti.startswith(MING)
    assert fonts.xiaobiaosong_stroke > 0  # the light Ming face is thickened to stand in for 标宋
    # the substitutes cover the simplified characters fonts-cwtex-fs lacks
    assert fonts.missing_characters("fangsong", "关学区县发电务规请报〔〕") == []
    assert fonts.missing_characters("xiaobiaosong", "关于开展教育装备检查的通知") == []


def test_a_configured_file_is_embedded_and_used(tmp_path):
    licensed = tmp_path / "FZFSK.TTC"  # stands in for a bureau's 方正仿宋_GBK: another face than the default
    shutil.copy(MING, licensed)
    fonts = FontSet.from_config({"DOC_FONT_FANGSONG": f"{licensed}#0", "DOC_FONT_XIAOBIAOSONG": KAI})
    assert fonts.fangsong == f"{licensed}#0"
    assert fonts.xiaobiaosong_stroke == 0  # a real 小标宋 is not thickened
    pdf = render_pdf(DocumentElements(正文=["县区学校。"]), fonts)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        body = [ch for ch in doc.pages[0].chars if ch["text"] == "县"]
    assert body and "+UMingCN" in body[0]["fontname"]  # the default would be GBZenKai


def test_missing_or_unembeddable_files_are_refused_in_chinese(tmp_path):
    with pytest.raises(FontError, match="字体文件不存在"):
        FontSet.from_config({"DOC_FONT_FANGSONG": str(tmp_path / "none.ttf")}).name("fangsong")
    otf = tmp_path / "NotoSerifCJK.otf"
    otf.write_bytes(b"OTTO")
    with pytest.raises(FontError, match="TrueType"):
        FontSet.from_config({"DOC_FONT_FANGSONG": str(otf)}).name("fangsong")
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font")
    with pytest.raises(FontError, match="无法嵌入字体"):
        FontSet.from_config({"DOC_FONT_FANGSONG": str(junk)}).name("fangsong")
