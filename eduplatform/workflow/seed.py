"""Demo data of the engine itself: the working-day calendar. The demo instances belong to the domains
whose objects they are about (resource and report reviews, 收文 and 发文), so each starts its own."""

from __future__ import annotations

from eduplatform.workflow.holidays import seed_year


def seed_demo(log):
    seed_year(2026)
    log("业务流程：工作日日历已就绪；演示流程实例由各业务的演示数据发起")
    return []
