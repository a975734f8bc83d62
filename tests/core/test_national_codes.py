"""The national code lists in resource_specs/national/: each says its source, every platform term of
the vocabularies it maps is mapped or named as unmapped, and every mapped code is in the list."""

from __future__ import annotations

from pathlib import Path

import pytest

from eduplatform.core import national_codes
from eduplatform.core.vocabularies import shared as vocabularies

NATIONAL = Path(national_codes.__file__).resolve().parents[2] / "resource_specs" / "national"
SCHOOL_TYPES = ("primary", "junior", "senior", "complete_secondary", "nine_year", "twelve_year", "vocational",
                "special", "kindergarten")


def test_every_file_names_its_standard_and_source():
    lists = national_codes.shared()
    assert set(lists) == {"school_type", "course", "stage", "grade"}
    for path in NATIONAL.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "SOURCE:" in text, path.name  # said in words at the top, beside the source: field
        assert lists[path.stem].source in national_codes.SOURCES


@pytest.mark.parametrize("vocabulary", ["subject", "stage", "grade"])
def test_every_platform_term_is_mapped_or_named_unmapped(vocabulary):
    code_list = national_codes.code_list_for(vocabulary)
    platform = {t.code for t in vocabularies()[vocabulary].terms}
    assert platform == set(code_list.maps[vocabulary]) | set(code_list.unmapped)


def test_every_school_type_has_its_code():
    from eduplatform.schools.models.profile import SchoolType

    assert {t.value for t in SchoolType} == set(SCHOOL_TYPES)
    assert {t: national_codes.national_code("school_type", t)[0] for t in SCHOOL_TYPES} == {
        "primary": "211", "junior": "311", "senior": "342", "complete_secondary": "341", "nine_year": "312",
        "twelve_year": "345", "vocational": "361", "special": "514", "kindergarten": "111"}


def test_subject_codes_depend_on_the_stage_where_the_list_says_so():
    assert national_codes.national_code("subject", "math") == ("14", "数学")
    assert national_codes.national_code("subject", "english") == ("41", "英语")
    assert national_codes.national_code("subject", "it", stage="junior")[0] == "61"
    assert national_codes.national_code("subject", "it", stage="senior")[0] == "26"
    assert national_codes.national_code("subject", "politics", stage="senior") is None
    assert national_codes.national_code("subject", "other") is None


def test_a_mapping_to_a_code_the_list_lacks_is_refused(tmp_path):
    (tmp_path / "x.yaml").write_text("code: x\nlabel: X\nstandard: S\nsource: primary\n"
                                     "terms: [{code: '1', label: 一}]\nmaps: {subject: {math: '2'}}\n",
                                     encoding="utf-8")
    with pytest.raises(national_codes.CodeListError, match="math → 2"):
        national_codes.load_code_lists(tmp_path)
