"""The OpenAPI document is valid and lists the API."""

from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_complete(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    for path in ("/api/v1/auth/token", "/api/v1/orgs", "/api/v1/users", "/api/v1/users/{user_id}",
                 "/api/v1/me", "/api/v1/audit"):
        assert path in spec["paths"], path
    token_op = spec["paths"]["/api/v1/auth/token"]["post"]
    assert "requestBody" in token_op
    assert "TokenRequest" in str(spec["components"]["schemas"])
    assert spec["paths"]["/api/v1/users"]["post"]["responses"]["default"]
