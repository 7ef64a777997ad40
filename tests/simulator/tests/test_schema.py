"""Validate a broad sample of simulator responses against the response schemas of Citrix's official spec.

The spec is OpenAPI 3.0 generated from .NET models; it is turned into JSON
Schema (2020-12) as follows:

* ``$ref: #/components/schemas/X`` -> ``#/$defs/X``; ``allOf`` is kept.
* A property typed ``object`` whose ``allOf`` wraps an enum (the spec's way of
  referencing enums) loses its ``type`` so the enum's string values validate.
* ``nullable: true`` allows null.  The spec declares no nullable model
  properties at all, while real responses carry null in optional members
  (``"ErrorString": null`` in a job, ``"Name": null`` for a customer in /me),
  so a property that is *not required* may be null; a required one may not.
* OpenAPI-only keywords (``example``, ``x-*``, ``discriminator``...) are dropped.

Besides the schema, every top-level property a response carries must be
declared by the spec's model (drift the other way); the one exception is
``MaintenanceModeReason``, which only the current SDK declares (as an enum,
checked against ``SDK_MAINTENANCE_REASONS``).
"""

import os
import time

import jsonschema
import pytest
import yaml

# Citrix's official spec, vendored with its origin and licence (spec/README.md).
SPEC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spec")
SPEC_FILE = os.path.join(SPEC_DIR, "citrixorchestration_openapi_techpreview_2023-09-05.yaml")
RESOURCE_LOCATIONS_FILE = os.path.join(SPEC_DIR, "ccresourcelocations_openapi.yaml")
SITE_PREFIX = "/techpreview/{customerid}/{siteid}"
CUSTOMER_PREFIX = "/techpreview/{customerid}"  # the calls on the customer (/Sites) have no {siteid}
ALLOWED_EXTRA = {"MaintenanceModeReason"}
SDK_MAINTENANCE_REASONS = {"Unknown", "None", "Administrator", "MaxFailedRegistrations"}
OPENAPI_ONLY = {"nullable", "example", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "deprecated", "title"}


def _convert(node):
    """OpenAPI 3.0 schema node -> JSON Schema node (see the module docstring)."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key in OPENAPI_ONLY or key.startswith("x-"):
            continue
        if key == "$ref":
            result[key] = value.replace("#/components/schemas/", "#/$defs/")
        elif key == "properties":
            required = set(node.get("required", []))
            result[key] = {name: _convert(prop) if name in required else {"anyOf": [{"type": "null"}, _convert(prop)]}
                           for name, prop in value.items()}
        else:
            result[key] = _convert(value)
    if "allOf" in result and result.get("type") == "object" and "properties" not in result:
        del result["type"]
    if node.get("nullable"):
        result = {"anyOf": [{"type": "null"}, result]}
    return result


class Spec:
    """The converted spec: response schemas by operation, and declared property names by model."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as handle:
            self.document = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        self.schemas = self.document["components"]["schemas"]
        self.defs = {name: _convert(schema) for name, schema in self.schemas.items()}

    def response_schema(self, method, template, status):
        """The raw OpenAPI schema of one operation's response."""
        if template.startswith(("/me", "/tokens")):
            path = "/techpreview" + template
        elif template.startswith("/Sites"):
            path = CUSTOMER_PREFIX + template
        else:
            path = SITE_PREFIX + template
        operation = self.document["paths"][path][method.lower()]
        return operation["responses"][str(status)]["content"]["application/json"]["schema"]

    def validate(self, body, schema):
        """Validate ``body`` against a raw OpenAPI schema of this spec."""
        root = dict(_convert(schema), **{"$defs": self.defs})
        jsonschema.Draft202012Validator(root).validate(body)

    def declared(self, schema):
        """Every property name a model declares, through ``$ref`` and ``allOf``."""
        if "$ref" in schema:
            return self.declared(self.schemas[schema["$ref"].rsplit("/", 1)[1]])
        names = set(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            names |= self.declared(part)
        return names

    def item_schema(self, schema):
        """The schema of ``Items`` in a collection model."""
        if "$ref" in schema:
            return self.item_schema(self.schemas[schema["$ref"].rsplit("/", 1)[1]])
        if "Items" in schema.get("properties", {}):
            return schema["properties"]["Items"]["items"]
        return next(self.item_schema(part) for part in schema.get("allOf", []) if "Items" in self.declared(part))


@pytest.fixture(scope="module")
def spec():
    """The official DaaS spec, converted."""
    return Spec(SPEC_FILE)


def check(spec, body, method, template, status=200):  # pylint: disable=redefined-outer-name
    """Validate one response body against its operation's schema and look for undeclared properties."""
    schema = spec.response_schema(method, template, status)
    spec.validate(body, schema)
    if "Items" in body:
        declared = spec.declared(spec.item_schema(schema))
        for item in body["Items"]:
            assert set(item) - declared <= ALLOWED_EXTRA, template
    else:
        assert set(body) - spec.declared(schema) <= ALLOWED_EXTRA, template


def test_me_catalogs_machines_groups(api, spec):  # pylint: disable=redefined-outer-name
    check(spec, api.get("/me", site=False), "GET", "/me")
    check(spec, api.get("/MachineCatalogs"), "GET", "/MachineCatalogs")
    for name in ("Finance-Pooled", "Apps%7CApps-Shared", "Unassigned", "Large"):
        check(spec, api.get("/MachineCatalogs/" + name), "GET", "/MachineCatalogs/{nameOrId}")
    check(spec, api.get("/MachineCatalogs/Finance-Pooled/Machines"), "GET", "/MachineCatalogs/{nameOrId}/Machines")
    check(spec, api.get("/Machines", params={"limit": 1000}), "GET", "/Machines")
    for machine in api.get("/MachineCatalogs/Finance-Pooled/Machines")["Items"]:
        check(spec, api.get("/Machines/" + machine["Id"]), "GET", "/Machines/{nameOrId}")
    check(spec, api.get("/DeliveryGroups"), "GET", "/DeliveryGroups")
    for group in api.get("/DeliveryGroups")["Items"]:
        check(spec, api.get("/DeliveryGroups/" + group["Id"]), "GET", "/DeliveryGroups/{nameOrId}")
    check(spec, api.get("/DeliveryGroups/Shared-Apps/Machines"), "GET", "/DeliveryGroups/{nameOrId}/Machines")


def test_sites_without_instance_header(api, spec):  # pylint: disable=redefined-outer-name
    sites = api.get("/Sites", site=False)
    check(spec, sites, "GET", "/Sites")
    assert [site["Id"] for site in sites["Items"]] == [api.site_id]
    for name_or_id in (api.site_id, sites["Items"][0]["Name"].upper()):
        site = api.get("/Sites/" + name_or_id, site=False)
        check(spec, site, "GET", "/Sites/{nameOrId}")
        assert site["Id"] == api.site_id and site["ProductVersion"]
    unknown = api.call("GET", "/Sites/nope", site=False)
    assert unknown.status_code == 404
    check(spec, unknown.json(), "GET", "/Sites/{nameOrId}", 404)


def test_sessions(api, spec):  # pylint: disable=redefined-outer-name
    for name in ("DEMOLAB%7COSPREY", "DEMOLAB%7CFIN-005", "DEMOLAB%7CAPP-01", "DEMOLAB%7CFIN-001"):
        check(spec, api.get("/Machines/%s/Sessions" % name), "GET", "/Machines/{nameOrId}/Sessions")
    sessions = api.get("/Sessions", params={"limit": 1000})
    check(spec, sessions, "GET", "/Sessions")
    check(spec, api.get("/Sessions/" + sessions["Items"][0]["Id"]), "GET", "/Sessions/{id}")


def test_power_actions_jobs_and_transient_states(api, spec):  # pylint: disable=redefined-outer-name
    sync = api.call("POST", "/Machines/DEMOLAB%7CFIN-002/$reboot")
    check(spec, sync.json(), "POST", "/Machines/{nameOrId}/$reboot")
    jobs = [api.job_id(api.call("POST", "/Machines/DEMOLAB%%7C%s/$%s" % (name, action), params={"async": "true"}))
            for name, action in (("FIN-001", "reboot"), ("FIN-007", "start"), ("FIN-003", "suspend"),
                                 ("FIN-008", "resume"), ("FIN-009", "reboot"), ("KESTREL", "shutdown"))]
    waiting = api.job_id(api.call("POST", "/Machines/DEMOLAB%7CFIN-004/$reboot", params={"async": "true"}))
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        check(spec, api.get("/MachineCatalogs/Finance-Pooled/Machines"), "GET", "/MachineCatalogs/{nameOrId}/Machines")
        check(spec, api.get("/Machines/DEMOLAB%7CFIN-001"), "GET", "/Machines/{nameOrId}")
        check(spec, api.get("/Jobs"), "GET", "/Jobs")
        time.sleep(0.1)
    for job_id in jobs:
        check(spec, api.wait_job(job_id), "GET", "/Jobs/{id}")
    check(spec, api.call("POST", "/Jobs/%s/$cancel" % waiting).json(), "POST", "/Jobs/{id}/$cancel")
    check(spec, api.get("/Jobs/" + waiting), "GET", "/Jobs/{id}")


def test_async_results_and_errors(api, spec):  # pylint: disable=redefined-outer-name
    for template in ("/MachineCatalogs", "/Machines", "/DeliveryGroups", "/Sessions"):
        job = api.wait_job(api.job_id(api.call("GET", template, params={"async": "true"})))
        check(spec, job, "GET", "/Jobs/{id}")
        results = api.get("/Jobs/%s/Results" % job["Id"])
        # The spec types Results as a .NET Dictionary<string, object>; its body is the original call's.
        assert isinstance(results, dict)
        check(spec, results, "GET", template)
    errors = [
        ("POST", "/Machines/DEMOLAB%7CEAGLE/$reboot", "/Machines/{nameOrId}/$reboot", 400),
        ("GET", "/Machines/DEMOLAB%7CNOPE", "/Machines/{nameOrId}", 404),
        ("GET", "/Machines?limit=5000", "/Machines", 400),
        ("GET", "/MachineCatalogs/Nope", "/MachineCatalogs/{nameOrId}", 404),
    ]
    for method, path, template, status in errors:
        response = api.call(method, path)
        assert response.status_code == status
        check(spec, response.json(), method, template, status)
    api.call("POST", "/Machines/DEMOLAB%7CFIN-002/$reboot")
    busy = api.call("POST", "/Machines/DEMOLAB%7CFIN-002/$reboot")
    check(spec, busy.json(), "POST", "/Machines/{nameOrId}/$reboot", 409)


def test_maintenance_reason_is_the_sdk_enum(api):
    api.call("PATCH", "/Machines/DEMOLAB%7CFIN-001", json={"InMaintenanceMode": True, "MaintenanceModeReason": "free text"})
    machines = api.get("/Machines", params={"limit": 1000})["Items"]
    assert {machine["MaintenanceModeReason"] for machine in machines} <= SDK_MAINTENANCE_REASONS
    assert {machine["MaintenanceModeReason"] for machine in machines if machine["InMaintenanceMode"]} == {"Administrator"}


def test_tags(api, spec):  # pylint: disable=redefined-outer-name
    fence = "citrix_cloud.daas-reboot-fence"
    created = api.call("POST", "/Tags", json={"Name": fence, "Description": "Drain fence"})
    check(spec, created.json(), "POST", "/Tags")
    check(spec, api.get("/Tags"), "GET", "/Tags")
    for name in ("reboot-ok", "large", fence):
        check(spec, api.get("/Tags/" + name), "GET", "/Tags/{nameOrId}")
    added = api.call("POST", "/Machines/DEMOLAB%7CFIN-001/Tags/" + fence)
    check(spec, added.json(), "POST", "/Machines/{nameOrId}/Tags/{tagNameOrId}")
    for name in ("DEMOLAB%7CFIN-001", "DEMOLAB%7CEAGLE"):
        check(spec, api.get("/Machines/%s/Tags" % name), "GET", "/Machines/{nameOrId}/Tags")
    check(spec, api.get("/Machines/DEMOLAB%7CFIN-001"), "GET", "/Machines/{nameOrId}")
    errors = [
        ("POST", "/Tags", "/Tags", 409, {"Name": fence}),
        ("POST", "/Tags", "/Tags", 400, {}),
        ("GET", "/Tags/nope", "/Tags/{nameOrId}", 404, None),
        ("POST", "/Machines/DEMOLAB%7CFIN-001/Tags/nope", "/Machines/{nameOrId}/Tags/{tagNameOrId}", 404, None),
        ("GET", "/Machines/DEMOLAB%7CNOPE/Tags", "/Machines/{nameOrId}/Tags", 404, None),
    ]
    for method, path, template, status, body in errors:
        response = api.call(method, path, json=body)
        assert response.status_code == status, path
        check(spec, response.json(), method, template, status)
    # The spec declares no body for DELETE's 404; the simulator sends ErrorData as everywhere else.
    for path in ("/Machines/DEMOLAB%7CEAGLE/Tags/" + fence, "/Tags/nope"):
        response = api.call("DELETE", path)
        assert response.status_code == 404
        spec.validate(response.json(), {"$ref": "#/components/schemas/ErrorData"})


def test_resource_locations(api):
    with open(RESOURCE_LOCATIONS_FILE, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    schemas = document["components"]["schemas"]
    schema = document["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    root = dict(_convert(schema), **{"$defs": {name: _convert(value) for name, value in schemas.items()}})
    body = api.http.get(api.url + "/resourcelocations", headers={
        "Authorization": "CwsAuth Bearer=%s" % api.sign_in(), "Citrix-CustomerId": api.customer_id}).json()
    jsonschema.Draft202012Validator(root).validate(body)
