"""OAI-PMH at /oai: the six verbs, every error code, both metadata formats, sets, dates, tokens and
deleted records — each response validated against the OAI-PMH XSD (tests/fixtures/xsd/)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
import sqlalchemy as sa
from lxml import etree

from eduplatform.core.extensions import db
from eduplatform.resources import publicity, review
from eduplatform.resources.models import OaiRecord, Resource, Visibility
from tests.resources.conftest import make_pdf, make_pptx
from tests.resources.oai_schemas import validate, validate_lom

LABEL_MEDIA_TEXT = "文本素材"
NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "lom": "http://ltsc.ieee.org/xsd/LOM"}


def _public(upload, people, **fields) -> Resource:
    file = (make_pdf(), "t.pdf") if fields.get("type") == "media_text" else \
        (make_pptx(fields.get("title", "课件")), "k.pptx")
    response = upload(people.teacher_a1, file=file, visibility="public", **fields)
    assert response.status_code == 201, response.get_json()
    resource = db.session.get(Resource, response.get_json()["id"])
    review.submit(resource, resource.owner)
    review.approve(resource, people.school_a1_admin)
    review.approve(resource, people.district_a_staff, public="public")
    db.session.commit()
    assert resource.is_public
    return resource


def oai(client, method="get", **args):
    response = client.get("/oai", query_string=args) if method == "get" else client.post("/oai", data=args)
    assert response.status_code == 200 and response.mimetype == "text/xml"
    return validate(response.data)


def error_code(root) -> str | None:
    errors = root.findall("o:error", NS)
    return errors[0].get("code") if errors else None


def identifiers(root) -> list[str]:
    return [e.text for e in root.iterfind(".//o:header/o:identifier", NS)]


@pytest.fixture
def two(upload, people):
    math = _public(upload, people, title="二次函数的图像与性质")
    chinese = _public(upload, people, title="荷塘月色 朗读", type="media_text", stage="高中", subject="语文",
                      grade="高一", keywords="散文，朱自清")
    return math, chinese


def test_identify_declares_seconds_and_persistent_deletions(client, two):
    root = oai(client, verb="Identify")
    body = root.find("o:Identify", NS)
    assert body.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert body.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert body.findtext("o:baseURL", namespaces=NS).endswith("/oai")
    earliest = min(db.session.scalars(sa.select(OaiRecord.datestamp)))
    assert body.findtext("o:earliestDatestamp", namespaces=NS) == earliest.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert root.find("o:request", NS).get("verb") == "Identify"


def test_list_records_in_both_formats_and_by_post(client, two):
    _math, _chinese = two
    root = oai(client, "post", verb="ListRecords", metadataPrefix="oai_dc")
    assert len(root.findall(".//o:record", NS)) == 2 and root.find(".//o:resumptionToken", NS) is None
    titles = [e.text for e in root.iterfind(".//dc:title", NS)]
    assert titles == ["二次函数的图像与性质", "荷塘月色 朗读"]
    subjects = [e.text for e in root.iterfind(".//o:record[2]//dc:subject", NS)]
    assert subjects[:3] == ["语文", "散文", "朱自清"]
    assert [e.text for e in root.iterfind(".//o:record[1]/o:header/o:setSpec", NS)] == \
        ["type:courseware", "stage:junior", "subject:math"]

    lom = oai(client, verb="GetRecord", metadataPrefix="lom", identifier=identifiers(root)[1])
    record = lom.find(".//lom:lom", NS)
    assert record.findtext("lom:general/lom:title/lom:string", namespaces=NS) == "荷塘月色 朗读"
    assert [e.text for e in record.iterfind("lom:general/lom:keyword/lom:string", NS)] == ["散文", "朱自清"]
    educational = record.find("lom:educational", NS)
    assert [(v.findtext("lom:source", namespaces=NS), v.findtext("lom:value", namespaces=NS))
            for v in educational.iterfind("lom:learningResourceType", NS)] == \
        [("LOMv1.0", "narrative text"), ("CELTS-42", LABEL_MEDIA_TEXT)]
    assert ("CELTS-42", "高中") in [(c.findtext("lom:source", namespaces=NS), c.findtext("lom:value", namespaces=NS))
                                    for c in educational.iterfind("lom:context", NS)]
    assert educational.findtext("lom:typicalAgeRange/lom:string", namespaces=NS) == "高一"
    taxa = {c.findtext("lom:purpose/lom:value", namespaces=NS):
            [t.findtext("lom:id", namespaces=NS) for t in c.iterfind(".//lom:taxon", NS)]
            for c in record.iterfind("lom:classification", NS)}
    assert taxa["discipline"] == ["chinese", "13"]  # the platform's code, then 中小学课程 13 语文
    assert taxa["educational level"] == ["senior", "g10", "34", "31"]  # 学段 and 年级, then their national codes
    _check_lom_structure(record)
    broken = copy.deepcopy(record)
    etree.SubElement(broken.find("lom:general", NS), "{http://ltsc.ieee.org/xsd/LOM}colour").text = "红"
    with pytest.raises(AssertionError, match="colour"):  # the LOM schema really is applied
        validate_lom(broken)


#: The IEEE LOM XML binding's categories and the elements each may hold (1484.12.3, LOMv1.0).
LOM_CHILDREN = {
    "lom": {"general", "lifeCycle", "metaMetadata", "technical", "educational", "rights", "relation",
            "annotation", "classification"},
    "general": {"identifier", "title", "language", "description", "keyword", "coverage", "structure",
                "aggregationLevel"},
    "lifeCycle": {"version", "status", "contribute"},
    "metaMetadata": {"identifier", "contribute", "metadataSchema", "language"},
    "technical": {"format", "size", "location", "requirement", "installationRemarks",
                  "otherPlatformRequirements", "duration"},
    "educational": {"interactivityType", "learningResourceType", "interactivityLevel", "semanticDensity",
                    "intendedEndUserRole", "context", "typicalAgeRange", "difficulty", "typicalLearningTime",
                    "description", "language"},
    "rights": {"cost", "copyrightAndOtherRestrictions", "description"},
    "classification": {"purpose", "taxonPath", "description", "keyword"},
    "taxonPath": {"source", "taxon"}, "taxon": {"id", "entry"}, "contribute": {"role", "entity", "date"},
    "identifier": {"catalog", "entry"},
}


def _check_lom_structure(element):
    local = etree.QName(element).localname
    assert etree.QName(element).namespace == NS["lom"]
    for child in element:
        name = etree.QName(child).localname
        if local in LOM_CHILDREN:
            assert name in LOM_CHILDREN[local], f"{name} is not an element of {local}"
        _check_lom_structure(child)


def test_sets_and_selective_harvesting(client, two):
    root = oai(client, verb="ListSets")
    specs = [e.text for e in root.iterfind(".//o:setSpec", NS)]
    assert {"type", "type:courseware", "stage", "stage:junior", "subject", "subject:chinese"} <= set(specs)
    junior = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="stage:junior")
    assert len(identifiers(junior)) == 1
    assert len(identifiers(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="stage"))) == 2
    assert error_code(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="stage:primary")) == \
        "noRecordsMatch"
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="color:red")) == \
        "noRecordsMatch"


def test_from_and_until_in_both_granularities(client, two):
    _math, chinese = two
    first, second = db.session.scalars(sa.select(OaiRecord).order_by(OaiRecord.id)).all()
    first.datestamp -= timedelta(days=2)
    db.session.commit()
    day = first.datestamp.strftime("%Y-%m-%d")
    assert len(identifiers(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until=day))) == 1
    assert len(identifiers(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": day}))) == 2
    stamp = second.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    only = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": stamp, "until": stamp})
    assert identifiers(only) == [f"oai:eduplatform.local:{chinese.uid}"]
    early = (first.datestamp - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert error_code(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until=early)) == "noRecordsMatch"


def test_resumption_tokens_page_with_size_and_cursor(app, client, upload, people):
    for n in range(5):
        _public(upload, people, title=f"课件 {n}")
    app.config["OAI_PAGE_SIZE"] = 2
    try:
        seen, cursors, token = [], [], None
        while True:
            args = {"resumptionToken": token} if token else {"metadataPrefix": "lom"}
            root = oai(client, verb="ListRecords", **args)
            seen += identifiers(root)
            element = root.find(".//o:resumptionToken", NS)
            assert element.get("completeListSize") == "5"
            cursors.append(element.get("cursor"))
            token = element.text
            if not token:
                break
        assert len(seen) == len(set(seen)) == 5 and cursors == ["0", "2", "4"]
        bad = oai(client, verb="ListRecords", resumptionToken=token_tampered(root, client))
        assert error_code(bad) == "badResumptionToken"
    finally:
        app.config["OAI_PAGE_SIZE"] = 100


def token_tampered(root, client) -> str:
    first = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.find(".//o:resumptionToken", NS).text
    return token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")


def test_withdrawn_lowered_and_replaced_resources_become_deleted_headers(client, upload, people, two):
    math, chinese = two
    ident = {r.id: f"oai:eduplatform.local:{r.uid}" for r in two}
    publicity.change_visibility(people.teacher_a1, chinese, Visibility.PLATFORM)  # lowered below public
    db.session.commit()
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    deleted = {h.findtext("o:identifier", namespaces=NS) for h in root.iterfind(".//o:header[@status='deleted']",
                                                                                  NS)}
    assert deleted == {ident[chinese.id]}
    assert root.find(".//o:header[@status='deleted']/../o:metadata", NS) is None  # no metadata for a tombstone
    got = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=ident[chinese.id])
    assert got.find(".//o:header", NS).get("status") == "deleted"
    assert error_code(oai(client, verb="ListMetadataFormats", identifier=ident[chinese.id])) == "noMetadataFormats"

    # back to public: the same identifier is live again, with a later datestamp
    publicity.change_visibility(people.teacher_a1, chinese, Visibility.PUBLIC)  # a request: still deleted
    db.session.commit()
    stone = db.session.scalars(sa.select(OaiRecord).where(OaiRecord.uid == chinese.uid)).one()
    assert stone.deleted
    stone.datestamp -= timedelta(minutes=5)
    db.session.commit()
    withdrawn_at = stone.datestamp
    publicity.decide(people.district_a_staff, chinese, "public", None)  # approved: live again
    db.session.commit()
    stone = db.session.get(OaiRecord, stone.id)
    assert not stone.deleted and stone.datestamp > withdrawn_at
    assert oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=ident[chinese.id]).find(
        ".//o:header", NS).get("status") is None

    # a row deleted outright keeps its tombstone
    resource_id = math.id
    db.session.delete(db.session.get(Resource, resource_id))
    db.session.commit()
    stone = db.session.scalars(sa.select(OaiRecord).where(OaiRecord.uid == math.uid)).one()
    assert stone.deleted and stone.resource_id is None
    assert oai(client, verb="GetRecord", metadataPrefix="lom", identifier=ident[resource_id]).find(
        ".//o:header", NS).get("status") == "deleted"


def test_an_edit_moves_the_datestamp_and_a_download_does_not(client, people, two):
    math, _ = two
    record = db.session.scalars(sa.select(OaiRecord).where(OaiRecord.resource_id == math.id)).one()
    record.datestamp -= timedelta(hours=1)
    db.session.commit()
    before = record.datestamp
    from eduplatform.resources import services

    services.record_download(math, people.teacher_b1)
    math.rating_count += 1  # counters are not harvested
    db.session.commit()
    assert db.session.get(OaiRecord, record.id).datestamp == before
    math.title = "二次函数的图像与性质（修订）"
    db.session.commit()
    assert db.session.get(OaiRecord, record.id).datestamp > before


def test_a_resource_that_never_was_public_has_no_record(client, upload, people):
    response = upload(people.teacher_a1)
    resource = db.session.get(Resource, response.get_json()["id"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OaiRecord)) == 0
    assert error_code(oai(client, verb="GetRecord", metadataPrefix="oai_dc",
                          identifier=f"oai:eduplatform.local:{resource.uid}")) == "idDoesNotExist"
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc")) == "noRecordsMatch"


@pytest.mark.parametrize(("args", "code"), [
    ({}, "badVerb"),
    ({"verb": "Harvest"}, "badVerb"),
    ({"verb": ["Identify", "Identify"]}, "badVerb"),
    ({"verb": "Identify", "extra": "1"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": "oai:eduplatform.local:x"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "lom"]}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-13-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-12-01", "until": "2026-12-02T00:00:00Z"},
     "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-12-02", "until": "2026-12-01"},
     "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "type::"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "metadataPrefix": "mods", "identifier": "oai:eduplatform.local:x"},
     "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:elsewhere.org:1"}, "idDoesNotExist"),
    ({"verb": "ListMetadataFormats", "identifier": "no-such-thing"}, "idDoesNotExist"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "until": "1990-01-01"}, "noRecordsMatch"),
])
def test_every_error_code(client, two, args, code):
    root = oai(client, **args)
    assert error_code(root) == code
    assert root.findtext("o:error", namespaces=NS)  # a Chinese explanation
    request = root.find("o:request", NS)
    if code in ("badVerb", "badArgument"):
        assert dict(request.attrib) == {}  # the spec: only the base URL
    else:
        assert request.get("verb") == args["verb"]


def test_no_set_hierarchy_when_sets_are_off(app, client, two):
    app.config["OAI_SETS_ENABLED"] = False
    try:
        assert error_code(oai(client, verb="ListSets")) == "noSetHierarchy"
        assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="type")) == "noSetHierarchy"
        root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
        assert root.find(".//o:setSpec", NS) is None and len(identifiers(root)) == 2
    finally:
        app.config["OAI_SETS_ENABLED"] = True


def test_list_metadata_formats(client, two):
    root = oai(client, verb="ListMetadataFormats")
    assert [e.text for e in root.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc", "lom"]
    assert "http://ltsc.ieee.org/xsd/LOM" in [e.text for e in root.iterfind(".//o:metadataNamespace", NS)]
    one = oai(client, verb="ListMetadataFormats", identifier=f"oai:eduplatform.local:{two[0].uid}")
    assert len(one.findall(".//o:metadataFormat", NS)) == 2
