"""``POST /$batch``: sync and async answers, per-item codes and headers, item authentication, URL forms, limits."""

import json

import pytest

FIN1 = "/Machines/DEMOLAB%7CFIN-001"


def bearer(api):
    """An item's own Authorization header (the token alone, as Citrix's client sends it)."""
    return [{"Name": "Authorization", "Value": "Bearer " + (api.token or api.sign_in())}]


def item(api, reference, method, url, body=None, headers=None):
    """A BatchRequestItemModel."""
    entry = {"Reference": reference, "Method": method, "RelativeUrl": url,
             "Headers": bearer(api) if headers is None else headers}
    if body is not None:
        entry["Body"] = json.dumps(body)
    return entry


def by_reference(body):
    """Item answers keyed by Reference."""
    return {answer["Reference"]: answer for answer in body["Items"]}


def header(answer, name):
    """One header of an item answer, or None."""
    return next((pair["Value"] for pair in answer["Headers"] if pair["Name"].lower() == name.lower()), None)


def test_sync_batch_runs_items_like_direct_requests(api):
    api.sign_in()
    api.control("DELETE", "requests")
    response = api.call("POST", "/$batch", json={"Items": [
        item(api, "maint-1", "PATCH", FIN1, {"InMaintenanceMode": True}),
        item(api, "reboot-2", "POST", "/Machines/DEMOLAB%7CFIN-002/$reboot?detailResponseRequired=false"),
        item(api, "read-3", "GET", "/Machines/DEMOLAB%7CFIN-003?fields=Name,PowerState"),
        item(api, "missing-4", "GET", "/Machines/DEMOLAB%7CNOPE"),
        item(api, "eagle-5", "POST", "/Machines/DEMOLAB%7CEAGLE/$reboot"),
    ]})
    assert response.status_code == 200
    answers = by_reference(response.json())
    assert [answer["Reference"] for answer in response.json()["Items"]] == \
        ["eagle-5", "missing-4", "read-3", "reboot-2", "maint-1"]
    assert {reference: answer["Code"] for reference, answer in answers.items()} == \
        {"maint-1": 204, "reboot-2": 200, "read-3": 200, "missing-4": 404, "eagle-5": 400}
    assert answers["maint-1"]["Body"] is None
    assert json.loads(answers["read-3"]["Body"]) == {"Name": "DEMOLAB\\FIN-003", "PowerState": "On"}
    assert json.loads(answers["eagle-5"]["Body"])["ErrorMessage"] == "Machine does not support specified power action."
    assert header(answers["read-3"], "Content-Type").startswith("application/json")
    assert header(answers["read-3"], "Citrix-TransactionId")
    # Same state changes as direct requests.
    assert api.get(FIN1)["InMaintenanceMode"] is True
    assert api.machine_state("DEMOLAB\\FIN-002")["Counters"]["PowerActions"] == {"reboot": 1}
    # The log tells the one HTTP request from its five items.
    log = api.control("GET", "requests")["requests"]
    outer = [entry for entry in log if not entry["batch_item"]]
    items = [entry for entry in log if entry["batch_item"]]
    assert [(entry["method"], entry["path"]) for entry in outer] == [("POST", "/cvad/manage/$batch"),
                                                                     ("GET", "/cvad/manage/Machines/DEMOLAB|FIN-001")]
    assert [(entry["batch_reference"], entry["method"], entry["path"], entry["status"]) for entry in items] == [
        ("maint-1", "PATCH", "/cvad/manage/Machines/DEMOLAB|FIN-001", 204),
        ("reboot-2", "POST", "/cvad/manage/Machines/DEMOLAB|FIN-002/$reboot", 200),
        ("read-3", "GET", "/cvad/manage/Machines/DEMOLAB|FIN-003", 200),
        ("missing-4", "GET", "/cvad/manage/Machines/DEMOLAB|NOPE", 404),
        ("eagle-5", "POST", "/cvad/manage/Machines/DEMOLAB|EAGLE/$reboot", 400)]
    assert items[1]["query"] == {"detailResponseRequired": "false"}
    # The simulator's work is told for each HTTP request: the batch's includes that of its items.
    assert all("work_s" in entry for entry in outer) and not any("work_s" in entry for entry in items)
    totals = api.control("GET", "state")["totals"]
    assert (totals["mutating_requests"], totals["batch_items"]) == (1, 5)


def test_async_items_answer_202_with_their_own_job(api):
    response = api.call("POST", "/$batch", json={"Items": [
        item(api, "maintenanceMode0", "PATCH", FIN1 + "?async=true", {"InMaintenanceMode": True}),
        item(api, "reboot1", "POST", "/Machines/DEMOLAB%7CFIN-002/$reboot?async=true"),
    ]})
    answers = by_reference(response.json())
    for reference, job_type in (("maintenanceMode0", "UpdateMachineCatalogMachine"), ("reboot1", "RebootMachines")):
        assert answers[reference]["Code"] == 202
        location = header(answers[reference], "Location")
        assert location.startswith(api.url + "/cvad/manage/Jobs/")
        job = api.wait_job(location.rsplit("/", 1)[1])
        assert (job["Type"], job["Status"]) == (job_type, "Complete")
    assert api.get("/Machines/DEMOLAB%7CFIN-002")["PowerState"] == "On"


def test_async_batch_is_a_batch_job_with_one_sub_job_per_item(api):
    response = api.call("POST", "/$batch", params={"async": "true"}, json={"Items": [
        item(api, "a", "PATCH", FIN1, {"InMaintenanceMode": True}),
        item(api, "b", "GET", "/Machines/DEMOLAB%7CNOPE"),
    ]})
    assert response.status_code == 202 and response.content == b""
    job = api.wait_job(api.job_id(response))
    assert (job["Type"], job["Status"], job["Parameters"]) == ("Batch", "Complete", [])
    assert [(sub["Type"], sub["Parameters"], sub["Status"]) for sub in job["SubJobs"]] == [
        ("Batch", [{"Name": "Reference", "Value": "a"}], "Complete"),
        ("Batch", [{"Name": "Reference", "Value": "b"}], "Failed")]
    assert job["SubJobs"][1]["ErrorString"] == "Machine 'DEMOLAB|NOPE' was not found."
    results = api.get("/Jobs/%s/Results" % job["Id"])
    assert {answer["Reference"]: answer["Code"] for answer in results["Items"]} == {"a": 204, "b": 404}
    # Carried out when accepted: the machine is in maintenance whatever the job's progress.
    assert api.get(FIN1)["InMaintenanceMode"] is True


@pytest.mark.parametrize("headers, reason", [
    ([], "missing"),
    ([{"Name": "Authorization", "Value": "Bearer not-a-token"}], "invalid"),
    ([{"Name": "Authorization", "Value": "Basic dXNlcjpwYXNz"}], "missing"),
])
def test_item_without_its_own_valid_token_is_401(api, headers, reason):
    response = api.call("POST", "/$batch", json={"Items": [
        item(api, "own", "PATCH", FIN1, {"InMaintenanceMode": True}),
        item(api, "other", "PATCH", "/Machines/DEMOLAB%7CFIN-002", {"InMaintenanceMode": True}, headers=headers)]})
    answers = by_reference(response.json())
    assert (answers["own"]["Code"], answers["other"]["Code"]) == (204, 401)
    body = json.loads(answers["other"]["Body"])
    assert ("Error" in body) if reason == "missing" else (body["parameters"] == {"reason": "invalid"})
    assert api.get("/Machines/DEMOLAB%7CFIN-002")["InMaintenanceMode"] is False


def test_item_token_expired_between_batches(api):
    stale = bearer(api)
    api.control("POST", "tokens/expire")
    api.sign_in()
    answers = by_reference(api.call("POST", "/$batch", json={"Items": [
        item(api, "stale", "GET", FIN1, headers=stale), item(api, "fresh", "GET", FIN1)]}).json())
    assert (answers["stale"]["Code"], answers["fresh"]["Code"]) == (401, 200)


@pytest.mark.parametrize("url", [
    "/Machines/DEMOLAB%7CFIN-001",
    "Machines/DEMOLAB%7CFIN-001",
    "democustomer/70360961-e0f1-4ce9-9371-d590efb5c04f/Machines/DEMOLAB%7CFIN-001",
    "/democustomer/70360961-e0f1-4ce9-9371-d590efb5c04f/Machines/DEMOLAB%7CFIN-001",
    "v1/democustomer/70360961-e0f1-4ce9-9371-d590efb5c04f/Machines/DEMOLAB%7CFIN-001",
])
def test_relative_url_forms(api, url):
    answer = api.call("POST", "/$batch", json={"Items": [item(api, "r", "GET", url)]}).json()["Items"][0]
    assert answer["Code"] == 200 and json.loads(answer["Body"])["Name"] == "DEMOLAB\\FIN-001"


def test_prefixed_url_of_another_customer_or_site(api):
    answers = by_reference(api.call("POST", "/$batch", json={"Items": [
        item(api, "customer", "GET", "v1/othercustomer/70360961-e0f1-4ce9-9371-d590efb5c04f/Machines"),
        item(api, "site", "GET", "v1/democustomer/00000000-0000-0000-0000-000000000000/Machines"),
        item(api, "nested", "POST", "/$batch", {"Items": []}),
    ]}).json())
    assert {reference: answer["Code"] for reference, answer in answers.items()} == \
        {"customer": 403, "site": 404, "nested": 400}


def test_item_reads_page_and_search_like_direct_requests(api):
    search = {"SearchFilters": [{"Property": "SessionSupport", "Operator": "Equals", "Value": "SingleSession"},
                                {"Property": "Tags", "Operator": "Contains", "Value": "reboot-ok"}]}
    answers = by_reference(api.call("POST", "/$batch", json={"Items": [
        item(api, "page", "GET", "/MachineCatalogs/Finance-Pooled/Machines?limit=2&fields=Name"),
        item(api, "search", "POST", "/Machines/$search?fields=Name", search)]}).json())
    page = json.loads(answers["page"]["Body"])
    assert page["Items"] == [{"Name": "DEMOLAB\\FIN-001"}, {"Name": "DEMOLAB\\FIN-002"}]
    params = {"continuationToken": page["ContinuationToken"], "fields": "Name", "limit": 2}
    direct = api.get("/MachineCatalogs/Finance-Pooled/Machines", params=params)
    assert direct["Items"] == [{"Name": "DEMOLAB\\FIN-003"}, {"Name": "DEMOLAB\\FIN-004"}]
    found = json.loads(answers["search"]["Body"])
    assert {entry["Name"] for entry in found["Items"]} == {"DEMOLAB\\FIN-%03d" % number for number in (1, 2, 3, 4, 9)} | \
        {"DEMOLAB\\KESTREL"}


@pytest.mark.parametrize("body, message", [
    ({}, "Items"),
    ({"Items": [{"Method": "GET", "RelativeUrl": "/Machines"}]}, "Reference is required"),
    ({"Items": [{"Reference": "", "RelativeUrl": "/Machines"}]}, "Reference is required"),
    ({"Items": [{"Reference": "x" * 65, "RelativeUrl": "/Machines"}]}, "Reference is required"),
    ({"Items": [{"Reference": "has space", "RelativeUrl": "/Machines"}]}, "Reference is required"),
    ({"Items": [{"Reference": "a", "RelativeUrl": "/Machines"}, {"Reference": "a", "RelativeUrl": "/Tags"}]},
     "not unique"),
    ({"Items": [{"Reference": "a"}]}, "RelativeUrl is required"),
    ({"Items": [{"Reference": "a", "RelativeUrl": "/Machines", "Method": "TRACE"}]}, "Method must be"),
    ({"Items": [{"Reference": "a", "RelativeUrl": "/Machines", "Method": "GET", "Body": "{}"}]}, "Body must be"),
    ({"Items": [{"Reference": "a", "RelativeUrl": "/Machines", "Headers": {"Name": "x"}}]}, "Headers must be"),
    ({"Items": [{"Reference": "r%d" % index, "RelativeUrl": "/Me"} for index in range(1001)]}, "at most 1000"),
])
def test_bad_batch_is_400_and_runs_nothing(api, body, message):
    api.sign_in()
    api.control("DELETE", "requests")
    response = api.call("POST", "/$batch", json=body)
    assert response.status_code == 400
    assert message in response.json()["ErrorMessage"]
    assert [entry["batch_item"] for entry in api.control("GET", "requests")["requests"]] == [False]


def test_largest_batch_and_longest_reference(api):
    items = [item(api, "r%d" % index, "GET", "/me") for index in range(999)]
    items.append(item(api, "-_09azAZ" * 8, "GET", "/me"))
    answers = api.call("POST", "/$batch", json={"Items": items}).json()["Items"]
    assert len(answers) == 1000 and {answer["Code"] for answer in answers} == {200}


@pytest.mark.parametrize("status", [404, 405, 501])
def test_site_without_batch(api, status):
    api.control("POST", "options", json={"batch_status": status})
    response = api.call("POST", "/$batch", json={"Items": [item(api, "a", "PATCH", FIN1, {"InMaintenanceMode": True})]})
    assert response.status_code == status
    assert api.get(FIN1)["InMaintenanceMode"] is False
    api.control("POST", "options", json={"batch_status": None})
    assert api.call("POST", "/$batch", json={"Items": []}).status_code == 200


def test_outer_request_headers_still_checked(api):
    response = api.call("POST", "/$batch", json={"Items": []}, headers=api.headers(site=False))
    assert response.status_code == 400
    response = api.call("POST", "/$batch", data="{}", headers=api.headers(**{"Content-Type": "text/plain"}))
    assert response.status_code == 415
