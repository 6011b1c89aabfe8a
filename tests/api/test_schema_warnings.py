"""The OpenAPI schema is generated without a warning: every view, serializer field and authenticator resolves
(a warning means a client written from the schema would meet something it does not describe)."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_schema_generates_and_validates_without_warnings(tmp_path):
    call_command("spectacular", "--file", str(tmp_path / "schema.yml"), "--validate", "--fail-on-warn")
    assert "cookieAuth" in (tmp_path / "schema.yml").read_text()
