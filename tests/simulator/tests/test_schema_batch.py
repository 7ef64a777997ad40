"""``$batch``, ``Machines/$search`` and the ``Batch`` job against the official spec (loaded as test_schema does)."""

import json

from test_schema import check, spec  # pylint: disable=unused-import

SINGLE = {"Property": "SessionSupport", "Operator": "Equals", "Value": "SingleSession"}


def test_batch_request_and_answers(api, spec):  # pylint: disable=redefined-outer-name
    token = api.sign_in()
    items = [{"Reference": "maintenanceMode0", "Method": "PATCH", "RelativeUrl": "/Machines/DEMOLAB%7CFIN-001?async=true",
              "Headers": [{"Name": "Authorization", "Value": "Bearer " + token}], "Body": '{"InMaintenanceMode":true}'},
             {"Reference": "read1", "Method": "GET", "RelativeUrl": "/Machines/DEMOLAB%7CNOPE",
              "Headers": [{"Name": "Authorization", "Value": "Bearer " + token}]},
             {"Reference": "noauth2", "Method": "GET", "RelativeUrl": "/Machines/DEMOLAB%7CFIN-002"}]
    request = {"Items": items}
    spec.validate(request, {"$ref": "#/components/schemas/BatchRequestModel"})
    sync = api.call("POST", "/$batch", json=request)
    check(spec, sync.json(), "POST", "/$batch")
    job_id = api.job_id(api.call("POST", "/$batch", params={"async": "true"}, json=request))
    job = api.wait_job(job_id)
    check(spec, job, "GET", "/Jobs/{id}")
    assert job["Type"] == "Batch" and len(job["SubJobs"]) == 3
    results = api.get("/Jobs/%s/Results" % job_id)
    check(spec, results, "POST", "/$batch")
    assert api.call("POST", "/$batch", json={"Items": [{"Reference": "bad ref", "RelativeUrl": "/Machines"}]}
                    ).status_code == 400
    bad = api.call("POST", "/$batch", json={"Items": [{"Reference": "bad ref", "RelativeUrl": "/Machines"}]})
    check(spec, bad.json(), "POST", "/$batch", 400)
    # An item's body is the direct answer's JSON text, valid against the direct operation's schema.
    read = next(answer for answer in sync.json()["Items"] if answer["Reference"] == "read1")
    check(spec, json.loads(read["Body"]), "GET", "/Machines/{nameOrId}", 404)


def test_search_request_and_answers(api, spec):  # pylint: disable=redefined-outer-name
    body = {"SearchFilters": [SINGLE, {"Property": "Tags", "Operator": "Contains", "Value": "reboot-ok"}],
            "SearchFilterGroups": [{"SearchFilterGroupType": "Or", "SearchFilters": [
                {"Property": "PowerState", "Operator": "Equals", "Value": "On"},
                {"Property": "InMaintenanceMode", "Operator": "Equals", "Value": "true"}]}],
            "SortCriteriaItems": [{"Property": "MachineName", "SortDirection": "Ascending"}]}
    spec.validate(body, {"$ref": "#/components/schemas/MachineAndSessionSearchRequestModel"})
    found = api.call("POST", "/Machines/$search", json=body)
    assert found.status_code == 200 and found.json()["TotalItems"] == len(found.json()["Items"]) > 0
    check(spec, found.json(), "POST", "/Machines/$search")
    lean = api.call("POST", "/Machines/$search", json={"SearchFilters": [SINGLE]},
                    params={"fields": "Id,Name,PowerState,RegistrationState,SessionCount,InMaintenanceMode,Tags"})
    assert set(lean.json()["Items"][0]) == {"Id", "Name", "PowerState", "RegistrationState", "SessionCount",
                                            "InMaintenanceMode", "Tags"}
    missing = api.call("POST", "/Machines/$search", json={"SearchFilters": []})
    check(spec, missing.json(), "POST", "/Machines/$search", 400)
    job = api.wait_job(api.job_id(api.call("POST", "/Machines/$search", params={"async": "true"},
                                           json={"SearchFilters": [SINGLE]})))
    check(spec, job, "GET", "/Jobs/{id}")
    check(spec, api.get("/Jobs/%s/Results" % job["Id"]), "POST", "/Machines/$search")
