"""生均带宽 in a unit people read: 13,333.3 kbps/生 is 13.3 Mbps/生 (issue 14, item 10)."""

from eduplatform.schools.indicators import Indicator, human_bandwidth


def test_bandwidth_uses_the_largest_unit_that_keeps_one_or_more():
    assert human_bandwidth(13_333.33) == "13.3 Mbps"
    assert human_bandwidth(999.94) == "999.9 kbps"
    assert human_bandwidth(1000) == "1.0 Mbps"
    assert human_bandwidth(2_500_000) == "2.5 Gbps"


def test_the_indicator_formats_per_student_bandwidth_humanly():
    per_student = Indicator("bandwidth_per_student", "生均带宽", "per", "bandwidth_mbps", "students",
                            scale=1000, unit="kbps/生")
    value = per_student.compute({"bandwidth_mbps": 1000, "students": 75})  # 1000 Mbps for 75 students
    assert round(value, 1) == 13333.3  # the figure itself stays in kbps (API, exports)
    assert per_student.format(value) == "13.3 Mbps/生"
    assert per_student.format(None) == "—"
