"""The 发文 people of ``tests/documents/flow``: the city bureau, its 科室, the district, an outsider."""

from tests.documents.flow.conftest import Bureau, bureau  # noqa: F401 - fixtures used by these tests
