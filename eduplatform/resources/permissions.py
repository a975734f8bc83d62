"""Who may upload, see, change, review and distribute resources — in one place.

The same rule is written three ways that must agree: a predicate for one object
(``can_view_resource``), a SQL filter for lists (``visible_resources``) and ACL tokens for the search index
(``resource_acl`` / ``user_acl``). ``tests/resources/test_permissions.py`` checks them against each
other.
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.core.permissions import ALL_ORGS, org_scope, visible_to
from eduplatform.core.search.base import PUBLIC
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.resources.models import Resource, ReviewState, Visibility

UPLOADER_ROLES = (Role.TEACHER, Role.SCHOOL_ADMIN, Role.BUREAU_STAFF, Role.BUREAU_LEADER)
SCHOOL_REVIEWER_ROLES = (Role.SCHOOL_ADMIN,)
DISTRICT_REVIEWER_ROLES = (Role.BUREAU_STAFF, Role.BUREAU_LEADER)
#: Visibilities every signed-in user is in the audience of (向社会公开 adds anonymous visitors).
WIDE = (Visibility.PLATFORM, Visibility.PUBLIC)
PACKAGE_ROLES = (Role.SCHOOL_ADMIN, Role.BUREAU_STAFF, Role.BUREAU_LEADER)


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


# -- roles ---------------------------------------------------------------------------------------

def can_upload_resource(user) -> bool:
    return _authenticated(user) and user.org is not None and user.has_role(*UPLOADER_ROLES)


def is_school_reviewer_of(user, resource: Resource) -> bool:
    scope = org_scope(user) if _authenticated(user) else None
    return (scope is not None and scope is not ALL_ORGS and user.has_role(*SCHOOL_REVIEWER_ROLES)
            and scope.type == OrgType.SCHOOL and scope.id == resource.org_id)


def is_district_reviewer_of(user, resource: Resource) -> bool:
    scope = org_scope(user) if _authenticated(user) else None
    return (scope is not None and scope is not ALL_ORGS and user.has_role(*DISTRICT_REVIEWER_ROLES)
            and scope.is_bureau and scope.contains(resource.org))


def is_reviewer_of(user, resource: Resource) -> bool:
    return is_school_reviewer_of(user, resource) or is_district_reviewer_of(user, resource)


# -- one object ----------------------------------------------------------------------------------

def _audience_holds(user, resource: Resource) -> bool:
    """The published resource's chosen audience includes the user."""
    if resource.visibility in WIDE:
        return True
    scope = org_scope(user)
    if scope is None or scope is ALL_ORGS:
        return False
    ancestors = scope.path_ids
    if resource.visibility == Visibility.SCHOOL:
        return resource.org_id in ancestors
    return resource.district_id is not None and resource.district_id in ancestors


def can_view_resource(user, resource: Resource) -> bool:
    if not _authenticated(user):
        return False
    if resource.owner_id == user.id:
        return True
    if resource.state != ReviewState.DRAFT and is_reviewer_of(user, resource):
        return True
    return resource.state == ReviewState.PUBLISHED and _audience_holds(user, resource)


def can_edit_resource(user, resource: Resource) -> bool:
    """Change metadata or replace the file: the owner, while it is not under review."""
    return (_authenticated(user) and resource.owner_id == user.id
            and resource.state in (ReviewState.DRAFT, ReviewState.RETURNED, ReviewState.PUBLISHED))


#: States a resource may be deleted in (never published, not under review): 草稿 and 已退回.
DELETABLE_STATES = (ReviewState.DRAFT, ReviewState.RETURNED)


def can_delete_resource(user, resource: Resource) -> bool:
    """Delete for good: the owner only, while the resource is a draft or returned. The other rules
    (never published, no lesson uses it) are business refusals (409) in ``removal.py``."""
    return _authenticated(user) and resource.owner_id == user.id and resource.state in DELETABLE_STATES


def can_view_public_resource(resource: Resource | None) -> bool:
    """Anyone, signed in or not, on the public site: a published resource approved for 向社会公开."""
    return resource is not None and resource.is_public


def public_resources(query):
    """Restrict a select of resources to the public ones (same rule as can_view_public_resource)."""
    return query.where(Resource.state == ReviewState.PUBLISHED, Resource.visibility == Visibility.PUBLIC)


def can_request_public(user, resource: Resource) -> bool:
    """Ask for 向社会公开 (or lower the visibility) of a published resource: its owner."""
    return _authenticated(user) and resource.owner_id == user.id and resource.state == ReviewState.PUBLISHED


def can_decide_public(user, resource: Resource) -> bool:
    """Approve or lower a pending 向社会公开 of a published resource: its district reviewers (the
    step that publishes), never its owner."""
    return (resource.public_pending and resource.state == ReviewState.PUBLISHED
            and is_district_reviewer_of(user, resource) and resource.owner_id != getattr(user, "id", None))


def can_download_old_versions(user, resource: Resource) -> bool:
    return _authenticated(user) and (resource.owner_id == user.id or is_reviewer_of(user, resource))


def can_use_resource(user, resource: Resource) -> bool:
    """Favourite, rate and comment: published resources the user can see."""
    return resource.state == ReviewState.PUBLISHED and can_view_resource(user, resource)


def can_delete_comment(user, comment, resource: Resource) -> bool:
    return _authenticated(user) and (comment.user_id == user.id or is_reviewer_of(user, resource))


def can_manage_packages(user) -> bool:
    return _authenticated(user) and user.org is not None and user.has_role(*PACKAGE_ROLES)


def can_export_resource(user, resource: Resource) -> bool:
    return can_manage_packages(user) and resource.state == ReviewState.PUBLISHED and \
        can_view_resource(user, resource)


# -- lists ---------------------------------------------------------------------------------------

def visible_resources(user, query):
    """Restrict a select of resources to those ``user`` may see (same rule as can_view_resource):
    their own, the published ones whose audience holds them, and for a reviewer every resource
    handed in (not a draft) by the units they review."""
    if not _authenticated(user):
        return query.where(sa.false())
    audience = [Resource.visibility.in_(WIDE)]
    reviews = False
    scope = org_scope(user)
    if scope is not None and scope is not ALL_ORGS:
        above = scope.path_ids
        audience += [sa.and_(Resource.visibility == Visibility.SCHOOL, Resource.org_id.in_(above)),
                     sa.and_(Resource.visibility == Visibility.DISTRICT, Resource.district_id.in_(above))]
        reviews = ((user.has_role(*SCHOOL_REVIEWER_ROLES) and scope.type == OrgType.SCHOOL)
                   or (user.has_role(*DISTRICT_REVIEWER_ROLES) and scope.is_bureau))
    published = sa.and_(Resource.state == ReviewState.PUBLISHED, sa.or_(*audience))
    return visible_to(user, query, org_column=Resource.org_id,
                      where=Resource.state != ReviewState.DRAFT if reviews else sa.false(),
                      also=[Resource.owner_id == user.id, published])


# -- search ACL tokens ---------------------------------------------------------------------------

def resource_acl(resource: Resource, org: OrgUnit | None = None) -> list[str]:
    """Tokens a searcher must hold one of to see ``resource`` in search results."""
    org = org or resource.org
    tokens = [f"user:{resource.owner_id}"]
    if resource.state != ReviewState.DRAFT:
        tokens.append(f"rev-school:{resource.org_id}")
        tokens += [f"rev-bureau:{i}" for i in org.path_ids]
    if resource.state == ReviewState.PUBLISHED:
        if resource.visibility in WIDE:
            tokens.append("platform")
            if resource.visibility == Visibility.PUBLIC:
                tokens.append(PUBLIC)
        elif resource.visibility == Visibility.SCHOOL:
            tokens.append(f"org:{resource.org_id}")
        elif resource.district_id is not None:
            tokens.append(f"org:{resource.district_id}")
    return tokens


def user_acl(user) -> list[str]:
    """Tokens ``user`` holds (``resource_acl`` of what they may see shares one of them)."""
    if not _authenticated(user):
        return []
    tokens = [f"user:{user.id}", "platform"]
    scope = org_scope(user)
    if scope is not None and scope is not ALL_ORGS:
        tokens += [f"org:{i}" for i in scope.path_ids]
        if user.has_role(*SCHOOL_REVIEWER_ROLES) and scope.type == OrgType.SCHOOL:
            tokens.append(f"rev-school:{scope.id}")
        if user.has_role(*DISTRICT_REVIEWER_ROLES) and scope.is_bureau:
            tokens.append(f"rev-bureau:{scope.id}")
    return tokens
