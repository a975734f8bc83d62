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


# -- in plain words (the upload form and the resource page; the codes stay behind a toggle) --------

def measured_text(value) -> str:
    """A measured value as a person reads it: 是/否 for yes-no checks, numbers without noise."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


def plain_words(item: dict) -> str:
    """One checked rule as a sentence: what was required, and what the file has when it falls short."""
    status, label, value = item.get("status"), item.get("label", ""), item.get("value")
    if status == "pass":
        return f"{label}：符合"
    if status == "n/a":
        return f"{label}：此类文件不检查这一项"
    if value is None:
        return f"{label}：无法从文件中检测，请审核人留意"
    if isinstance(value, bool):
        return f"{label}：未达到"
    what = "必须改正" if status == "fail" else "建议改进"
    return f"{label}：文件实测为 {measured_text(value)}，{what}"


def summary_words(report: list[dict], status: str) -> str:
    """The whole check in one sentence, with what the uploader can do next."""
    failed = sum(1 for i in report if i.get("status") == "fail")
    warned = sum(1 for i in report if i.get("status") == "warning")
    if status == "fail":
        return f"有 {failed} 项必备要求未达到：请更换文件后再提交审核。"
    if status == "warning":
        return f"必备要求都已达到；有 {warned} 项建议改进，仍可提交审核。"
    return "技术规范检查全部通过。" if report else "该类型没有技术规范检查项。"
