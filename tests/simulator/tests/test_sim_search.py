"""``POST /Machines/$search``, ``fields`` on every machine listing, and the non-advancing token quirk."""

import json

import pytest

SINGLE = {"Property": "SessionSupport", "Operator": "Equals", "Value": "SingleSession"}
LIST_FIELDS = "Id,Name,PowerState,RegistrationState,SessionCount,InMaintenanceMode,Tags"


def search(api, filters=None, params=None, **body):
    """Names of the machines a search finds (every page), and the first page's body."""
    body = dict(body, SearchFilters=[SINGLE] + (filters or []))
    names, first, token = [], None, None
    while True:
        query = dict(params or {}, limit=1000, **({"continuationToken": token} if token else {}))
        response = api.call("POST", "/Machines/$search", params=query, json=body)
        assert response.status_code == 200, response.text
        page = response.json()
        first = first or page
        names += [item["Name"] for item in page["Items"]]
        token = page["ContinuationToken"]
        if not token:
            return names, first


def finance(names):
    """The names of the Finance-Pooled catalog among ``names``."""
    return sorted(name for name in names if name.startswith("DEMOLAB\\FIN-") or name in (
        "DEMOLAB\\EAGLE", "DEMOLAB\\KESTREL", "DEMOLAB\\OSPREY"))


def test_filters_the_collection_needs(api):
    catalog = {"Property": "MachineCatalog", "Operator": "Equals", "Value": "Finance-Pooled"}
    names, first = search(api, [catalog])
    assert len(names) == 13 and first["TotalItems"] == 13
    idle, _first = search(api, [catalog, {"Property": "SessionCount", "Operator": "Equals", "Value": "0"},
                                {"Property": "PowerState", "Operator": "Equals", "Value": "On"},
                                {"Property": "RegistrationState", "Operator": "Equals", "Value": "Registered"},
                                {"Property": "InMaintenanceMode", "Operator": "Equals", "Value": "false"}])
    assert finance(idle) == ["DEMOLAB\\EAGLE", "DEMOLAB\\FIN-001", "DEMOLAB\\FIN-002", "DEMOLAB\\FIN-003",
                             "DEMOLAB\\FIN-009", "DEMOLAB\\KESTREL"]
    tagged, _first = search(api, [catalog, {"Property": "Tags", "Operator": "Contains", "Value": "REBOOT-OK"}])
    untagged, _first = search(api, [catalog, {"Property": "Tags", "Operator": "NotContains", "Value": "reboot-ok"}])
    assert len(tagged) == 6 and len(untagged) == 7 and not set(tagged) & set(untagged)
    group, _first = search(api, [{"Property": "DeliveryGroup", "Operator": "Equals", "Value": "finance-desktops"}])
    assert sorted(group) == sorted(names)
    chosen, _first = search(api, [{"Property": "MachineName", "Operator": "In",
                                   "Value": json.dumps(["DEMOLAB\\FIN-001", "demolab\\fin-004"])}])
    assert chosen == ["DEMOLAB\\FIN-001", "DEMOLAB\\FIN-004"]
    listed, _first = search(api, [{"Property": "MachineName", "Operator": "In", "Value": "DEMOLAB\\FIN-002,DEMOLAB\\FIN-003"}])
    assert listed == ["DEMOLAB\\FIN-002", "DEMOLAB\\FIN-003"]
    uid = api.get("/Machines/DEMOLAB%7CFIN-005")["Uid"]
    assert search(api, [{"Property": "Uid", "Operator": "Equals", "Value": str(uid)}])[0] == ["DEMOLAB\\FIN-005"]
    busy, _first = search(api, [catalog, {"Property": "SessionCount", "Operator": "GreaterThan", "Value": "0"}])
    assert busy == ["DEMOLAB\\FIN-004", "DEMOLAB\\FIN-005", "DEMOLAB\\OSPREY"]
    off, _first = search(api, [catalog, {"Property": "PowerState", "Operator": "NotEquals", "Value": "On"}])
    assert off == ["DEMOLAB\\FIN-007", "DEMOLAB\\FIN-008"]


def test_multi_session_and_or_groups(api):
    body = {"SearchFilterGroups": [{"SearchFilterGroupType": "Or", "SearchFilters": [
        {"Property": "SessionSupport", "Operator": "Equals", "Value": "MultiSession"},
        {"Property": "SessionSupport", "Operator": "Equals", "Value": "SingleSession"}]}],
        "SearchFilters": [{"Property": "Tags", "Operator": "Contains", "Value": "reboot-ok"}]}
    response = api.call("POST", "/Machines/$search", json=body, params={"fields": "Name,SessionSupport"})
    items = response.json()["Items"]
    assert {item["SessionSupport"] for item in items} == {"SingleSession", "MultiSession"}
    assert "DEMOLAB\\APP-02" in {item["Name"] for item in items}


def test_fence_tag_read_follows_the_estate(api):
    api.call("POST", "/Tags", json={"Name": "fence"})
    for name in ("FIN-001", "FIN-002"):
        api.call("POST", "/Machines/DEMOLAB%%7C%s/Tags/fence" % name)
    fence = [{"Property": "Tags", "Operator": "Contains", "Value": "fence"}]
    assert search(api, fence)[0] == ["DEMOLAB\\FIN-001", "DEMOLAB\\FIN-002"]
    api.call("DELETE", "/Machines/DEMOLAB%7CFIN-001/Tags/fence")
    assert search(api, fence)[0] == ["DEMOLAB\\FIN-002"]


def test_paging_skip_sort_and_total(api):
    catalog = [{"Property": "MachineCatalog", "Operator": "Equals", "Value": "Large"}]
    body = {"SearchFilters": [SINGLE] + catalog,
            "SortCriteriaItems": [{"Property": "MachineName", "SortDirection": "Descending"}]}
    first = api.call("POST", "/Machines/$search", json=body, params={"limit": 1000, "fields": "Name"}).json()
    assert first["TotalItems"] == 2500 and len(first["Items"]) == 1000
    assert first["Items"][0]["Name"] > first["Items"][1]["Name"]
    params = {"limit": 1000, "fields": "Name", "continuationToken": first["ContinuationToken"]}
    second = api.call("POST", "/Machines/$search", json=body, params=params)
    assert second.status_code == 200 and second.json()["Items"][0]["Name"] < first["Items"][-1]["Name"]
    other = dict(body, SearchFilters=[SINGLE])
    assert api.call("POST", "/Machines/$search", json=other,
                    params={"continuationToken": first["ContinuationToken"]}).status_code == 400
    skipped = api.call("POST", "/Machines/$search", json=body, params={"skip": 2499, "fields": "Name"}).json()
    assert skipped["TotalItems"] == 1 and skipped["ContinuationToken"] is None
    assert api.call("POST", "/Machines/$search", json=body, params={"limit": 1001}).status_code == 400


def test_async_search_is_a_job(api):
    response = api.call("POST", "/Machines/$search", params={"async": "true", "fields": "Name"},
                        json={"SearchFilters": [SINGLE, {"Property": "MachineName", "Operator": "Equals",
                                                         "Value": "DEMOLAB\\FIN-001"}]})
    job = api.wait_job(api.job_id(response))
    assert (job["Type"], job["Status"]) == ("DoMachineSearch", "Complete")
    assert api.get("/Jobs/%s/Results" % job["Id"])["Items"] == [{"Name": "DEMOLAB\\FIN-001"}]


@pytest.mark.parametrize("body, message", [
    ({"SearchFilters": [{"Property": "PowerState", "Operator": "Equals", "Value": "On"}]},
     "The 'SessionSupport' must be included in search filters."),
    ({"SearchFilters": []}, "The 'SessionSupport' must be included in search filters."),
    ({"SearchFilters": [SINGLE, {"Property": "Name", "Operator": "Equals", "Value": "x"}]}, "search property 'Name'"),
    ({"SearchFilters": [SINGLE, {"Property": "Id", "Operator": "Equals", "Value": "x"}]}, "search property 'Id'"),
    ({"SearchFilters": [SINGLE, {"Property": "PowerState", "Operator": "Is", "Value": "On"}]}, "operator 'Is'"),
    ({"SearchFilters": [SINGLE, {"Property": "SessionCount", "Operator": "Equals", "Value": "none"}]}, "not valid"),
    ({"SearchFilters": [SINGLE, {"Property": "InMaintenanceMode", "Operator": "Equals", "Value": "yes"}]}, "not valid"),
    ({"SearchFilters": [SINGLE, {"Property": "ClientIP", "Operator": "Equals", "Value": "1.2.3.4"}]},
     "does not evaluate"),
])
def test_bad_search_is_400(api, body, message):
    response = api.call("POST", "/Machines/$search", json=body)
    assert response.status_code == 400
    assert message in response.json()["ErrorMessage"]


@pytest.mark.parametrize("path, method, body", [
    ("/Machines", "GET", None),
    ("/MachineCatalogs/Large/Machines", "GET", None),
    ("/DeliveryGroups/Large-Desktops/Machines", "GET", None),
    ("/Machines/$search", "POST", {"SearchFilters": [SINGLE]}),
])
def test_fields_on_every_machine_listing(api, path, method, body):
    full = api.call(method, path, params={"limit": 1000}, json=body)
    lean = api.call(method, path, params={"limit": 1000, "fields": LIST_FIELDS.lower()}, json=body)
    assert full.status_code == lean.status_code == 200
    items = lean.json()["Items"]
    assert len(items) == 1000 and all(set(item) == set(LIST_FIELDS.split(",")) for item in items)
    assert [item["Id"] for item in items] == [item["Id"] for item in full.json()["Items"]]
    sizes = (path, len(full.content), LIST_FIELDS, len(lean.content))
    print("\n%s: 1000 machines, full %d bytes, fields=%s %d bytes" % sizes)
    assert len(lean.content) * 5 < len(full.content)


def test_repeated_token_quirk_on_filtered_listings(api):
    api.control("POST", "options", json={"repeat_filtered_token": True})
    first = api.get("/Machines", params={"sessionSupport": "SingleSession", "limit": 100})
    token = first["ContinuationToken"]
    second = api.get("/Machines", params={"sessionSupport": "SingleSession", "limit": 100, "continuationToken": token})
    assert second["ContinuationToken"] == token
    third = api.get("/Machines", params={"sessionSupport": "SingleSession", "limit": 100, "continuationToken": token})
    assert third["ContinuationToken"] == token and third["Items"] == second["Items"]
    body = {"SearchFilters": [SINGLE]}
    page = api.call("POST", "/Machines/$search", json=body, params={"limit": 100}).json()
    again = api.call("POST", "/Machines/$search", json=body,
                     params={"limit": 100, "continuationToken": page["ContinuationToken"]}).json()
    assert again["ContinuationToken"] == page["ContinuationToken"]
    # An unfiltered listing still advances.
    plain = api.get("/Machines", params={"limit": 100})
    assert api.get("/Machines", params={"limit": 100, "continuationToken": plain["ContinuationToken"]}
                   )["ContinuationToken"] not in (None, plain["ContinuationToken"])
    api.control("POST", "options", json={"repeat_filtered_token": False})
    advanced = api.get("/Machines", params={"sessionSupport": "SingleSession", "limit": 100, "continuationToken": token})
    assert advanced["ContinuationToken"] not in (None, token)
