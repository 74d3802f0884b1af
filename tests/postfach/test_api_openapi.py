"""The OpenAPI 3.1 document is valid, public, and names exactly the operations the
API has (the answers of each are checked against it in the other test_api_* files)."""
from __future__ import annotations

import re

from openapi_spec_validator import validate
from openapi_spec_validator.versions import consts, get_spec_version

from tests.postfach.conftest import BASE, DOCUMENT, assert_documented


def test_the_document_is_valid_openapi_3_1():
    assert get_spec_version(DOCUMENT) == consts.OPENAPIV31
    validate(DOCUMENT)


def test_it_is_served_without_a_token_as_it_is_in_the_package(app):
    r = app.test_client().get(BASE + "/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.json == DOCUMENT
    assert_documented(r, "/openapi.json", "get")


def test_it_names_exactly_the_operations_the_api_has(app):
    implemented = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(BASE + "/"):
            path = re.sub(r"<(?:\w+:)?\w+>", "{id}", rule.rule.removeprefix(BASE))
            implemented |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}
    assert implemented == documented


def test_every_operation_but_the_document_itself_requires_the_postfach_scope():
    assert DOCUMENT["security"] == [{"postfach": ["postfach"]}]
    flows = DOCUMENT["components"]["securitySchemes"]["postfach"]["flows"]
    assert list(flows) == ["clientCredentials"]
    public = [(p, m) for p, item in DOCUMENT["paths"].items() for m, op in item.items() if op.get("security") == []]
    assert public == [("/openapi.json", "get")]
