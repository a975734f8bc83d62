"""领导信箱: publishing in 互动交流 only with consent and with personal details masked; the rating."""

from __future__ import annotations

import pytest

from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.portal.services import letters as services
from eduplatform.portal.services import letters_publish as publishing
from tests.portal.letters_helpers import write


def _answered(tree, people, **changes):
    letter, secret = write(tree, **changes)
    services.route(letter, actor=people.office_staff, department_id=tree.city_dept.id)
    services.reply(letter, actor=people.city_staff, text="王晓明您好：已核查，请拨打0571-88886666或联系 canteen@school.example.cn。")
    return letter, secret


@pytest.mark.parametrize(("raw", "masked"), [
    ("电话13900001111", "电话139****1111"),
    ("身份证330102199001011234。", "身份证330102********1234。"),
    ("身份证 33010219900101123X", "身份证 330102********123X"),
    ("座机0571-88886666", "座机0571-****6666"),
    ("邮箱 wangxm@example.cn", "邮箱 w***@example.cn"),
    ("订单号2026120300012345678999不是号码", "订单号2026120300012345678999不是号码"),
])
def test_mask_text_hides_phones_id_numbers_and_emails(raw, masked):
    assert publishing.mask_text(raw) == masked


def test_mask_name_keeps_the_surname_only():
    assert publishing.mask_name("王晓明") == "王**"
    assert publishing.mask_name("欧阳娜娜") == "欧**"
    assert publishing.mask_text("我是王晓明，王晓明的孩子", names=("王晓明",)) == "我是王**，王**的孩子"


def test_a_published_exchange_is_masked_and_the_case_keeps_its_text(tree, mailbox):
    letter, _ = _answered(tree, mailbox)
    publishing.publish(letter, actor=mailbox.office_staff)
    assert letter.public_name == "王**"
    assert letter.public_content == ("我是王**，孩子所在学校食堂价格偏高，请核查。电话139****1111，邮箱 w***@example.cn，"
                                     "身份证330102********1234。")
    assert letter.public_reply == "王**您好：已核查，请拨打0571-****6666或联系 c***@school.example.cn。"
    assert "13900001111" in letter.content and letter.name == "王晓明"
    assert publishing.published(letter.id) is letter
    with pytest.raises(Conflict, match="已公开"):
        publishing.publish(letter, actor=mailbox.office_staff)


def test_without_consent_nothing_is_published(tree, mailbox):
    letter, _ = _answered(tree, mailbox, consent_publish=False)
    with pytest.raises(Conflict, match="未同意公开"):
        publishing.publish(letter, actor=mailbox.office_staff)
    assert letter.published_at is None and publishing.published(letter.id) is None


def test_an_unanswered_letter_is_not_published(tree, mailbox):
    letter, _ = write(tree)
    with pytest.raises(Conflict, match="已答复"):
        publishing.publish(letter, actor=mailbox.office_staff)


def test_withdrawn_consent_takes_the_exchange_down(tree, mailbox):
    letter, _ = _answered(tree, mailbox)
    publishing.publish(letter, actor=mailbox.office_staff)
    publishing.withdraw_consent(letter)
    assert letter.consent_publish is False and publishing.published(letter.id) is None
    assert letter.public_content == "" and letter.public_name == ""


def test_the_writer_rates_once_after_the_reply(tree, mailbox):
    letter, _ = write(tree)
    with pytest.raises(Conflict, match="答复后"):
        publishing.rate(letter, rating="satisfied")
    services.route(letter, actor=mailbox.office_staff, department_id=tree.city_dept.id)
    services.reply(letter, actor=mailbox.city_staff, text="已处理。")
    with pytest.raises(ValidationFailed):
        publishing.rate(letter, rating="great")
    publishing.rate(letter, rating="fair", comment="还可以更快")
    assert letter.rating_label == "基本满意" and letter.rating_comment == "还可以更快"
    with pytest.raises(Conflict, match="已评价"):
        publishing.rate(letter, rating="unsatisfied")
