"""The documents API blueprint and the one way a document is written out (both API modules use them)."""

from __future__ import annotations

from flask_login import current_user

from eduplatform import workflow
from eduplatform.core.api import make_api_blueprint
from eduplatform.documents.schemas import DocumentSchema
from eduplatform.documents.services import incoming, outgoing

bp = make_api_blueprint("documents_api", __name__)


def dump_document(document, *, full: bool = True) -> dict:
    instance = outgoing.instance_of(document) if document.direction == "out" else incoming.instance_of(document)
    schema = DocumentSchema() if full else DocumentSchema(exclude=("versions", "actions"))
    values = {c: getattr(document, c) for c in schema.fields if c not in ("instance_id", "versions", "actions")}
    values["instance_id"] = instance.id if instance else None
    if full:
        values["versions"] = document.versions
        values["actions"] = [{"key": a.transition.key, "label": a.transition.label, "version": a.version,
                              "reason_required": a.reason_required}
                             for a in (workflow.available_transitions(instance, current_user) if instance else [])]
    return schema.dump(values)
