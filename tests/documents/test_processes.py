"""收文 / 发文 definitions live in the documents package and are registered from there."""

from pathlib import Path

from eduplatform import documents
from eduplatform.workflow import registry


def test_the_document_processes_are_the_packages_own():
    folder = Path(documents.__file__).with_name("processes")
    assert sorted(p.name for p in folder.glob("*.yaml")) == ["incoming_document.yaml", "incoming_document_school.yaml", "outgoing_document.yaml"]
    assert not (Path(registry.__file__).with_name("processes") / "outgoing_document.yaml").exists()
    outgoing = registry.get_process("outgoing_document")
    assert {"register", "print", "dispatch"} <= set(outgoing.states)
