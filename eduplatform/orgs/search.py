"""How an org unit appears in the full-text index (schools are found by name, e.g. '实验小学')."""

from eduplatform.core.search.base import SearchDocument


def org_document(org) -> SearchDocument | None:
    if not org.is_active:
        return None
    return SearchDocument(
        kind="org",
        object_id=org.id,
        title=org.name,
        summary=f"{org.type.label} {org.code} {' '.join(org.stage_labels)}".strip(),
        keywords=[org.code],
        facets={"type": org.type.value, "stage": list(org.stages or [])},
        acl=["public"],
        created=org.created_at,
    )
