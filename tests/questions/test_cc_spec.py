"""IMS Common Cartridge 1.1–1.3 question banks and quizzes (QTI 1.2 CC profile), from the profile's
own structure: manifest resource types, cc_profile metadata, resprocessing, $IMS-CC-FILEBASE$."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from eduplatform.questions.formats import get_format
from tests.questions.test_qti_spec import PNG

pytestmark = pytest.mark.nodb


def meta(profile: str) -> str:
    return (f"<itemmetadata><qtimetadata><qtimetadatafield><fieldlabel>cc_profile</fieldlabel>"
            f"<fieldentry>{profile}</fieldentry></qtimetadatafield></qtimetadata></itemmetadata>")


BANK = f"""<?xml version="1.0" encoding="UTF-8"?>
<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">
 <objectbank ident="bank1"><qtimetadata><qtimetadatafield><fieldlabel>cc_profile</fieldlabel>
   <fieldentry>cc.exam.v0p1</fieldentry></qtimetadatafield></qtimetadata>
  <item ident="q1" title="Capital">{meta("cc.multiple_choice.v0p1")}
   <presentation><material><mattext texttype="text/html">&lt;p&gt;Capital of France? &lt;img src="$IMS-CC-FILEBASE$/images/map.png"&gt;&lt;/p&gt;</mattext></material>
    <response_lid ident="r1" rcardinality="Single"><render_choice>
     <response_label ident="a"><material><mattext texttype="text/plain">Paris</mattext></material></response_label>
     <response_label ident="b"><material><mattext texttype="text/plain">Lyon</mattext></material></response_label>
    </render_choice></response_lid></presentation>
   <resprocessing><outcomes><decvar varname="SCORE" vartype="Decimal" minvalue="0" maxvalue="100"/></outcomes>
    <respcondition continue="Yes"><conditionvar><other/></conditionvar><displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>
    <respcondition continue="No"><conditionvar><varequal respident="r1">a</varequal></conditionvar>
     <setvar action="Set" varname="SCORE">100</setvar></respcondition>
    <respcondition continue="Yes"><conditionvar><varequal respident="r1">b</varequal></conditionvar>
     <displayfeedback feedbacktype="Response" linkrefid="b_fb"/></respcondition>
   </resprocessing>
   <itemfeedback ident="general_fb"><flow_mat><material><mattext texttype="text/plain">Paris is the capital.</mattext></material></flow_mat></itemfeedback>
   <itemfeedback ident="b_fb"><flow_mat><material><mattext texttype="text/plain">Lyon is a big city, not the capital.</mattext></material></flow_mat></itemfeedback>
  </item>
  <item ident="q2" title="Primes">{meta("cc.multiple_response.v0p1")}
   <presentation><material><mattext>Which are prime?</mattext></material>
    <response_lid ident="r2" rcardinality="Multiple"><render_choice>
     <response_label ident="x"><material><mattext>2</mattext></material></response_label>
     <response_label ident="y"><material><mattext>3</mattext></material></response_label>
     <response_label ident="z"><material><mattext>4</mattext></material></response_label>
    </render_choice></response_lid></presentation>
   <resprocessing><respcondition continue="No"><conditionvar><and><varequal respident="r2">x</varequal>
     <varequal respident="r2">y</varequal><not><varequal respident="r2">z</varequal></not></and></conditionvar>
     <setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing>
  </item>
  <item ident="q3" title="Earth">{meta("cc.true_false.v0p1")}
   <presentation><material><mattext>The earth is flat.</mattext></material>
    <response_lid ident="r3" rcardinality="Single"><render_choice>
     <response_label ident="t"><material><mattext>True</mattext></material></response_label>
     <response_label ident="f"><material><mattext>False</mattext></material></response_label>
    </render_choice></response_lid></presentation>
   <resprocessing><respcondition><conditionvar><varequal respident="r3">f</varequal></conditionvar>
    <setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing>
  </item>
  <item ident="q4" title="Fill">{meta("cc.fib.v0p1")}
   <presentation><material><mattext>The sky is</mattext></material>
    <response_str ident="r4" rcardinality="Single"><render_fib><response_label ident="a4"/></render_fib></response_str></presentation>
   <resprocessing><respcondition><conditionvar><varequal respident="r4" case="No">blue</varequal>
    <varequal respident="r4" case="No">azure</varequal></conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing>
  </item>
  <item ident="q5" title="Essay">{meta("cc.essay.v0p1")}
   <presentation><material><mattext>Describe Paris.</mattext></material>
    <response_str ident="r5" rcardinality="Single"><render_fib><response_label ident="a5" rshuffle="No"/></render_fib></response_str></presentation>
  </item>
  <item ident="q6" title="Pattern">{meta("cc.pattern_match.v0p1")}
   <presentation><material><mattext>x</mattext></material></presentation></item>
 </objectbank>
</questestinterop>"""
QUIZ = f"""<?xml version="1.0" encoding="UTF-8"?>
<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">
 <assessment ident="quiz1" title="Unit quiz"><section ident="root_section">
  <item ident="k1" title="K1">{meta("cc.true_false.v0p1")}
   <presentation><material><mattext>Water boils at 100 °C at sea level.</mattext></material>
    <response_lid ident="r" rcardinality="Single"><render_choice>
     <response_label ident="t"><material><mattext>True</mattext></material></response_label>
     <response_label ident="f"><material><mattext>False</mattext></material></response_label>
    </render_choice></response_lid></presentation>
   <resprocessing><respcondition><conditionvar><varequal respident="r">t</varequal></conditionvar>
    <setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing></item>
 </section></assessment></questestinterop>"""


def cartridge(version: str = "1p1", *, supported_only: bool = False) -> bytes:
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="cc" xmlns="http://www.imsglobal.org/xsd/imsccv{version}/imscp_v1p1">
 <metadata><schema>IMS Common Cartridge</schema><schemaversion>1.1.0</schemaversion></metadata>
 <organizations/>
 <resources>
  <resource identifier="R_BANK" type="imsqti_xmlv1p2/imscc_xmlv1p1/question-bank" href="bank/bank.xml">
   <file href="bank/bank.xml"/></resource>
  <resource identifier="R_QUIZ" type="imsqti_xmlv1p2/imscc_xmlv1p1/assessment">
   <file href="quiz/assessment.xml"/></resource>
  <resource identifier="R_IMG" type="webcontent" href="bank/images/map.png"><file href="bank/images/map.png"/></resource>
 </resources></manifest>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest)
        bank = re.sub(r'<item ident="q6".*?</item>', "", BANK, flags=re.DOTALL) if supported_only else BANK
        archive.writestr("bank/bank.xml", bank)
        archive.writestr("quiz/assessment.xml", QUIZ)
        archive.writestr("bank/images/map.png", PNG)
    return buffer.getvalue()


@pytest.mark.parametrize("version", ["1p1", "1p2", "1p3"])
def test_cartridge_bank_and_quiz(version):
    result = get_format("cc").parse(cartridge(version))
    assert [p.message for p in result.problems] == ["“Pattern”：不支持的 QTI 1.2 题型：cc.pattern_match.v0p1"]
    items = {i["title"]: i for i in result.items}
    assert [i["type"] for i in result.items] == ["single", "multiple", "true_false", "fill_blank", "essay",
                                                 "true_false"]
    capital = items["Capital"]
    assert 'src="data:image/png;base64,' in capital["stem"] and capital["data"]["answer"] == 0
    assert capital["analysis"] == "Paris is the capital."
    assert capital["data"]["feedback"] == ["", "Lyon is a big city, not the capital."]
    assert items["Primes"]["data"]["answer"] == [0, 1]
    assert items["Earth"]["data"] == {"answer": False} and items["K1"]["data"] == {"answer": True}
    assert items["Fill"]["data"]["blanks"] == [["blue", "azure"]] and items["Fill"]["stem"].endswith("[[1]]")
    assert items["K1"]["category"] == "Unit quiz"
