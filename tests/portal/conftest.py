import pytest

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.portal.services import columns, content
from tests.courses.conftest import make_course  # noqa: F401  (a fixture: the public courses)


@pytest.fixture
def portal(tree, people, create_user):
    """The columns synced, and a second staff member of the city bureau (the reviewer)."""
    columns.sync_columns()
    people.city_reviewer = create_user("cityreviewer", roles=[Role.BUREAU_STAFF], org=tree.city)
    db.session.flush()
    return people


@pytest.fixture
def make_article(portal):
    """A draft of the city bureau by ``city_staff``; ``published=True`` takes it through review."""

    def make(column_key="news", title="全市中小学秋季开学工作通知", body="<p>各区县教育局：秋季开学……</p>",
             published=False, author=None, reviewer=None, **extra):
        author = author or portal.city_staff
        article = content.create_article(author, column=columns.column_by_key(column_key),
                                         data={"title": title, "body": body, **extra})
        if published:
            content.submit_article(article, author)
            content.approve_article(article, reviewer or portal.city_reviewer)
        return article

    return make


@pytest.fixture
def mailbox(tree, people, create_org, create_user):
    """The city bureau with its 办公室 (the 信箱 office) and 财务处 beside 基础教育处, a staff member in each."""
    people.office = create_org("市教育局办公室", type=OrgType.DEPARTMENT, parent=tree.city)
    people.office_staff = create_user("officestaff", roles=[Role.BUREAU_STAFF], org=people.office,
                                      display_name="周秘书")
    people.finance = create_org("财务处", type=OrgType.DEPARTMENT, parent=tree.city)
    people.finance_staff = create_user("finstaff", roles=[Role.BUREAU_STAFF], org=people.finance)
    db.session.flush()
    return people
