"""`flask workflow-check`: lists what is registered, and checks files with every problem printed."""

from __future__ import annotations


def test_workflow_check_lists_and_checks(app, tmp_path):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["workflow-check"])
    assert listed.exit_code == 0 and "incoming_document v2" in listed.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: bad_one\nversion: 1\nname: 坏\nlanes: {}\nstart: a\nstates: {}\ntransitions: []\n",
                   encoding="utf-8")
    checked = runner.invoke(args=["workflow-check", str(bad)])
    assert checked.exit_code == 1
    assert "start：未定义的状态「a」" in checked.output and "至少需要一个结束状态" in checked.output
