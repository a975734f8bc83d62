"""Chinese names for audit realms and event kinds (the log page, filters and CSV speak Chinese).

Every kind written anywhere in the code has a label here; tests/audit/test_labels.py reads every
``record(...)`` / ``record_security_event(...)`` call and fails on a kind without one.
"""

from __future__ import annotations

REALM_LABELS = {
    "security": "安全", "accounts": "账户", "orgs": "组织机构", "audit": "审计", "storage": "文件存储", "documents": "公文",
    "workflow": "业务流程", "schools": "学校与校校通", "resources": "教学资源", "questions": "题库与考试",
    "courses": "网络课程", "reporting": "数据填报", "test": "测试",
    "portal": "门户网站",
    "disclosure": "依申请公开",
    "editor": "富文本编辑器",
    "letters": "领导信箱",
    "learning": "班级作业",
    "distribution": "校校通分发",
    # 错题本 (learning/mistakes)
    "mistakes": "错题本",
    "families": "家校",
    # background jobs (core.jobs)
    "jobs": "后台任务",
}

KIND_LABELS = {
    # 统一身份认证 (OpenID Connect, accounts.sso)
    "sso.login": "统一身份认证登录", "sso.refused": "统一身份认证登录被拒绝（账户）",
    "sso.rejected": "统一身份认证登录被拒绝（令牌或协议）", "sso.unavailable": "统一身份认证服务无法访问",
    "sso.logout": "退出登录（同时退出统一身份认证）", "sso.backchannel_logout": "统一身份认证平台通知退出",
    "sso.logout_rejected": "拒绝无效的统一身份认证注销通知", "user.id_number_set": "设置身份证号比对值",
    "user.id_numbers_hashed": "批量生成身份证号比对值",
    # 家校 (families): parent links, invitation codes, class notices with 回执, messages
    "codes.issued": "生成家长邀请码", "link.created": "家长凭邀请码关联学生", "link.revoked": "解除家长关联",
    "notice.posted": "发布班级通知", "notice.acknowledged": "家长回执通知", "notice.reminded": "提醒家长回执",
    "message.sent": "家校留言", "thread.audit_read": "学校审阅家校留言",
    # background jobs (core.jobs)
    "job.started": "提交后台任务", "job.retried": "重新执行后台任务",
    # class homework (learning)
    "homework.created": "新建作业", "homework.updated": "修改作业", "homework.item_added": "添加作业项目",
    "homework.item_removed": "删除作业项目", "homework.deleted": "删除作业草稿", "homework.published": "发布作业",
    "homework.approval_requested": "作业超量提交班主任审批", "homework.approved": "班主任同意超量作业",
    "homework.returned": "班主任退回超量作业", "homework.withdrawn": "撤回作业审批",
    "groups.set": "作业分层", "answer.submitted": "提交作业", "answer.resubmitted": "订正后重交作业",
    "answer.marked": "批改作业", "answer.returned": "退回作业订正", "budget.set": "设置作业时长预算",
    # 错题本 (learning/mistakes)
    "mistake.captured": "收入错题本", "mistake.repeated": "错题再次做错", "mistake.reopened": "已掌握的错题又做错",
    "mistake.withdrawn": "改判正确移出错题本", "mistake.event_withdrawn": "改判正确错误次数减一",
    "mistake.revealed": "成绩公布后错题显示", "mistake.redone": "重做错题", "mistake.mastered": "错题已掌握",
    "practice.created": "生成错题练习", "practice.submitted": "提交错题练习",
    # 校校通 distribution
    "channel.created": "建立推送频道", "channel.items_added": "频道加入资源", "channel.items_retired": "频道撤下资源",
    "channel.items_updated": "频道更新资源文件", "push.planned": "推送频道到学校", "push.started": "推送开始",
    "push.chased": "催收未接收学校", "node.token_issued": "签发校园节点令牌", "node.reported": "校园节点回报",
    "node.school_created": "校园节点建立本校", "node.item_retired": "校园节点移除撤下的资源",
    "node.item_received": "校园节点收到推送资源", "push.package_exported": "导出校校通离线包",
    "node.package_imported": "校园节点导入校校通离线包",
    # editor
    "image.uploaded": "插入图片（富文本）",
    # 领导信箱 and 12345 (portal)
    "letter.received": "收到来信", "letter.routed": "分办信件", "letter.sent_back": "承办科室退单",
    "letter.reassigned": "改派信件", "letter.replied": "答复信件", "letter.merged": "并案办理",
    "letter.closed": "回访办结", "letter.step": "领导信箱办理", "letter.published": "公开信件",
    "letter.unpublished": "撤下公开信件", "letter.consent_withdrawn": "来信人撤回公开同意", "letter.rated": "来信人评价",
    "hotline.refused": "拒绝12345接口请求", "hotline.pushed": "向12345推送状态", "hotline.push_failed": "向12345推送失败",
    # 依申请公开 (portal)
    "request.received": "收到政府信息公开申请", "request.accepted": "受理申请", "request.correction_requested": "告知补正",
    "request.correction_submitted": "申请人提交补正", "request.corrected": "收到补正（重新计时）",
    "request.abandoned": "视为放弃申请", "request.paused": "征求第三方意见（暂停计时）",
    "request.resumed": "第三方意见办结（恢复计时）", "request.extension_requested": "申请延期答复",
    "request.extended": "同意延期答复", "request.extension_rejected": "不同意延期答复", "request.answered": "答复申请",
    "request.step": "依申请公开办理", "letter.numbered": "答复书编号", "mail.sent": "发送邮件", "mail.failed": "邮件发送失败",
    "annual_report.saved": "保存政府信息公开工作年度报告", "annual_report.published": "生成年度报告门户信息（提交审核）",
    "request.report_row_set": "年度报告申请归类",
    # security
    "login.succeeded": "登录成功", "login.failed": "登录失败", "login.blocked": "登录被阻止（账户锁定）",
    "login.refused": "登录被拒绝", "logout": "退出登录", "session.expired": "会话超时",
    "account.locked": "账户锁定", "account.unlocked": "账户解锁", "password.reset": "重置密码",
    "address.locked": "来源地址限制登录", "address.unlocked": "解除来源地址限制", "login.throttled": "登录被限制（来源地址）",
    "storage.repaired": "存储修复（清理残留）",
    "token.issued": "签发接口令牌", "permission.denied": "拒绝访问",
    # accounts, orgs, storage
    "user.created": "新建用户", "user.activated": "启用用户", "user.deactivated": "停用用户",
    "password.changed": "修改密码", "org.created": "新建单位",
    "file.stored": "存储文件", "file.deleted": "删除文件",
    "document.numbered": "登记发文字号", "document.body_saved": "保存公文正文", "document.finalized": "公文正文清稿", "document.sealed": "公文用印",
    "document.drafted": "拟稿", "document.edited": "修改公文要素", "document.access_granted": "授予知悉范围",
    "document.received": "收文登记", "document.received_numbered": "登记收文编号",
    "document.circulated": "公文传阅", "document.read": "公文已阅", "document.circulation_recalled": "收回传阅",
    "document.distributed": "公文核发（交换）", "document.signed_for": "签收来文", "document.exchange_returned": "退回来文",
    "document.exchange_read": "来文已阅（回执）", "document.exchange_chased": "催办签收", "document.replied": "收文单位答复",
    "document.archived": "公文归档", "document.retention_overridden": "改定保管期限",
    "document.archive_packaged": "生成归档数据包", "document.archive_exported": "导出年度归档文件（移交）",
    "document.archive_verified": "校验归档数据包",
    # audit itself
    "archive.created": "审计记录归档",
    # workflow
    "calendar.set": "设置工作日历", "calendar.removed": "删除工作日历",
    "instance.started": "发起流程", "instance.transition": "流程流转", "instance.cancelled": "撤销流程",
    "instance.chased": "催办", "instance.deadline_passed": "流程超期", "task.escalated": "督办升级",
    "transition.refused": "流转被拒绝", "task.read": "传阅已阅", "task.signed": "会签已签",
    # schools
    "accounts.provisioned": "批量开通账户", "equipment.import": "导入设备台账",
    "equipment.created": "设备入账", "equipment.updated": "设备变更", "equipment.imported": "设备导入",
    "roster.imported": "导入花名册", "roster.previewed": "预览花名册导入", "students.exported_full": "导出学生完整信息",
    "year.rolled_over": "学年升级", "year.created": "新建学年", "campus.created": "新建校区",
    "campus.updated": "修改校区", "campus.deleted": "删除校区", "class.created": "新建班级",
    "class.updated": "修改班级", "class.deleted": "删除班级", "network.updated": "修改校校通网络",
    "profile.updated": "修改学校概况", "receiving_point.created": "新建接收点",
    "receiving_point.updated": "修改接收点", "receiving_point.deleted": "删除接收点",
    "student.created": "新建学生", "student.updated": "修改学生", "student.status": "变更学籍状态",
    "teacher.created": "新建教师", "teacher.updated": "修改教师",
    # resources
    "resource.created": "上传资源", "resource.updated": "修改资源", "resource.deleted": "删除资源",
    "resource.file_staged": "选择上传文件", "resource.file_unstaged": "放弃所选文件",
    "resource.staged_expired": "清理未使用的上传文件",
    "resource.file_replaced": "替换资源文件", "resource.back_to_draft": "资源退回草稿",
    "resource.submit": "提交资源审核", "resource.approve_school": "学校审核通过",
    "resource.approve_district": "区县审核通过（发布）", "resource.return": "资源审核退回",
    "resource.public_requested": "申请资源向社会公开", "resource.public_approved": "同意资源向社会公开",
    "resource.public_lowered": "资源向社会公开降为全平台", "resource.visibility_changed": "更改资源可见范围",
    "comment.created": "发表评论", "comment.deleted": "删除评论",
    "package.exported": "导出资源包", "package.imported": "导入资源包",
    # questions
    "question.created": "新建试题", "question.updated": "修改试题", "question.deleted": "删除试题",
    "questions.exported": "导出试题", "knowledge_point.created": "新建知识点",
    "import.previewed": "预览试题导入", "import.confirmed": "确认试题导入", "import.discarded": "放弃试题导入",
    "paper.created": "新建试卷", "paper.updated": "修改试卷", "paper.deleted": "删除试卷",
    "exam.created": "新建考试", "exam.published": "发布考试", "exam.results_released": "公布考试成绩",
    "attempt.started": "开始答题", "attempt.submitted": "交卷", "answer.graded": "评分",
    # documents
    "seal.verified": "验证公文签章",
    # courses
    "course.created": "新建课程", "course.updated": "修改课程", "course.published": "发布课程",
    "course.public_requested": "申请课程向社会公开", "course.public_approved": "同意课程向社会公开",
    "course.public_refused": "不同意课程向社会公开", "course.public_withdrawn": "取消课程向社会公开",
    "course.archived": "归档课程", "course.deleted": "删除课程", "course.completed": "完成课程",
    "chapter.created": "新建章节", "chapter.updated": "修改章节", "chapter.deleted": "删除章节",
    "lesson.created": "新建课时", "lesson.updated": "修改课时", "lesson.deleted": "删除课时",
    "lesson.completed": "完成课时", "structure.moved": "调整课程结构",
    "enrolment.created": "选课", "enrolment.requested": "申请选课", "enrolment.approved": "批准选课",
    "enrolment.rejected": "拒绝选课", "enrolment.withdrawn": "退选", "enrolment.class": "按班级选课",
    "scorm.imported": "导入SCORM课件", "scorm.session": "SCORM学习记录",
    "submission.submitted": "提交", "submission.graded": "批改作业", "submission.returned": "退回",
    "question.asked": "提问", "question.answered": "教师答疑", "question.followed_up": "追问",
    "quiz.attempt_granted": "准予重新测验", "training.earned": "获得培训学时", "training.exported": "导出培训学时",
    "dashboard.exported": "导出学习统计",
    # reporting
    "template.created": "新建报表模板", "template.updated": "修改报表模板", "template.draft_saved": "保存模板草稿",
    "template.published": "发布报表模板", "template.archived": "停用报表模板",
    "task.issued": "下发填报任务", "task.passed_down": "转发填报任务", "task.reminded": "催报",
    "task.closed": "关闭填报任务", "task.attachment_added": "添加任务附件",
    "submission.saved": "保存填报", "submission.approved": "审核通过", "submission.reopened": "开放补报",
    "submission.attachment_added": "添加填报附件",
    # portal: columns and articles of the public site
    "column.synced": "同步门户栏目", "column.created": "新增门户栏目",
    "article.created": "起草门户信息", "article.updated": "修改门户信息", "article.corrected": "更正已发布信息",
    "article.attachment_added": "添加信息附件", "article.attachment_removed": "删除信息附件",
    "article.index_numbered": "编制索引号", "article.published": "发布门户信息", "article.scheduled": "定时发布门户信息",
    "article.schedule_changed": "设置定时发布时间", "article.withdrawn": "撤回门户信息",
    "article.validity_changed": "变更效力状态",
    "ferry.sent": "生成摆渡包", "ferry.applied": "导入摆渡包", "ferry.refused": "拒收摆渡包",
    "ferry.gap_skipped": "跳过缺失的摆渡包",
    # courses: LTI 1.3 tools (外部工具), platform keys, deep linking, AGS scores
    "lti.tool_registered": "注册外部工具", "lti.tool_updated": "修改外部工具",
    "lti.key_created": "生成LTI平台密钥", "lti.key_rotated": "轮换LTI平台密钥",
    "lti.deep_link_started": "在外部工具中选择内容", "lti.deep_link_received": "外部工具内容已选定",
    "lti.line_item_created": "外部工具新建成绩项", "lti.score_received": "外部工具回传成绩",
    "lti.assertion_refused": "拒绝外部工具客户端断言",
    # test entries (tests write these; kept so the page never shows a bare code)
    "thing.done": "测试事件", "widget.created": "测试新建", "widget.deleted": "测试删除",
}

#: Kinds built with an f-string in the code, with every value the placeholder takes.
DYNAMIC_KINDS = {
    "equipment.{kind}": ("created", "updated", "imported"),
    "task.{kind}": ("read", "signed"),
}

#: Object types (``object_type``) in words, for the object column.
OBJECT_LABELS = {
    "disclosure_request": "政府信息公开申请", "disclosure_annual_report": "政府信息公开工作年度报告",
    "leader_letter": "领导信箱来信",
    "users": "用户", "org_units": "单位", "stored_files": "文件", "document": "公文", "archive_item": "归档文件", "process_instance": "流程",
    "school_profiles": "学校概况", "school_campuses": "校区", "school_years": "学年", "school_classes": "班级",
    "teacher_profiles": "教师", "student_profiles": "学生", "receiving_points": "接收点", "equipment": "设备",
    "resource": "资源", "resource_comment": "资源评论", "resource_version": "资源版本",
    "questions": "试题", "knowledge_points": "知识点", "papers": "试卷", "exams": "考试", "exam_attempts": "答卷",
    "courses": "课程", "course_chapters": "章节", "course_lessons": "课时", "course_enrolment": "选课",
    "course_lesson_progress": "学习进度", "course_question": "课程问答", "course_submission": "作业",
    "scorm_packages": "SCORM课件", "scorm_attempts": "SCORM学习记录", "training_records": "培训学时",
    "report_template": "报表模板", "report_template_version": "报表模板版本", "report_task": "填报任务",
    "report_submission": "填报",
    "portal_article": "门户信息", "portal_column": "门户栏目", "ferry_package": "摆渡包",
    "editor_images": "富文本图片",
    "homework": "班级作业", "homework_item": "作业项目", "homework_answer": "作业提交", "load_budget": "作业时长预算",
    "mistake": "错题", "practice_set": "错题练习",  # 错题本
    "jobs": "后台任务",
    "dist_channel": "推送频道", "dist_push": "资源推送", "dist_node_token": "校园节点令牌",
    # courses: LTI 1.3
    "lti_tool": "外部工具", "lti_platform_key": "LTI平台密钥", "lti_line_item": "外部工具成绩项",
    "lti_score": "外部工具成绩",
    # 家校 (families)
    "family_link": "家长关联", "family_notice": "班级通知", "family_thread": "家校留言", "family_receipt": "通知回执",
    "family_invite_code": "家长邀请码", "family_message": "留言",
}


def kind_label(kind: str | None) -> str:
    if not kind:
        return ""
    return KIND_LABELS.get(kind, kind)


def realm_label(realm: str | None) -> str:
    if not realm:
        return ""
    return REALM_LABELS.get(realm, realm)


def object_type_label(object_type: str | None) -> str:
    if not object_type:
        return ""
    return OBJECT_LABELS.get(object_type, object_type)
