"""The quality rules of a resource type (``resource_specs``) checked against a file's measured properties
(:mod:`eduplatform.core.storage.probe`)."""

from __future__ import annotations

STATUS_LABELS = {"pass": "通过", "warning": "警告", "fail": "不通过", "n/a": "不适用"}


def check_rules(rules, props: dict) -> tuple[list[dict], str]:
    """Each rule's outcome, and the overall status (fail if a required rule fails)."""
    report = []
    overall = "pass"
    for rule in rules:
        item = {"rule": rule.id, "label": rule.label, "level": rule.level, "clause": rule.clause,
                "confirmed": rule.confirmed, "property": rule.property}
        if rule.property not in props:
            item.update(status="n/a", value=None, message="不适用于该文件")
            report.append(item)
            continue
        value = props[rule.property]
        item["value"] = value
        if value is None:
            item.update(status="warning", message="无法检测该项指标")
        elif _passes(rule, value):
            item.update(status="pass", message="符合要求")
        else:
            item.update(status="fail" if rule.level == "required" else "warning",
                        message=f"实测值 {value} 不符合要求")
        report.append(item)
        if item["status"] == "fail":
            overall = "fail"
        elif item["status"] == "warning" and overall == "pass":
            overall = "warning"
    return report, overall


def _passes(rule, value) -> bool:
    if rule.equals is not None and value != rule.equals:
        return False
    if rule.one_of is not None and str(value).lower() not in {str(v).lower() for v in rule.one_of}:
        return False
    try:
        if rule.min is not None and float(value) < float(rule.min):
            return False
        if rule.max is not None and float(value) > float(rule.max):
            return False
    except (TypeError, ValueError):
        return False
    return True
