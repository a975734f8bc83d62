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


def test_upload_body_and_path_ids_are_shared_components(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["schemas"]["FileUpload"]["required"] == ["file"]
    user_id = spec["components"]["parameters"]["user_id"]
    assert user_id["in"] == "path" and user_id["schema"]["type"] == "integer"
    assert {"$ref": "#/components/parameters/user_id"} in spec["paths"]["/api/v1/users/{user_id}"]["get"]["parameters"]
    upload = spec["paths"]["/api/v1/questions/import"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert {"$ref": "#/components/schemas/FileUpload"} in upload["schema"]["allOf"]
    inline = [p for path in spec["paths"].values() for op in path.values() if isinstance(op, dict)
              for p in op.get("parameters", []) if p.get("in") == "path"]
    assert not inline  # every path argument refers to its component
