"""The Tags API and machine tags (the drain fence marker)."""

import uuid

FENCE = "citrix_cloud.daas-reboot-fence"


def _tag_names(api, machine):
    return [tag["Name"] for tag in api.get("/Machines/%s/Tags" % api.quote(machine))["Items"]]


def test_scenario_tags_are_site_tags(api):
    tags = {tag["Name"]: tag for tag in api.get("/Tags")["Items"]}
    assert set(tags) == {"reboot-ok", "large"}
    assert tags["reboot-ok"]["NumMachines"] == 7
    assert tags["large"]["NumMachines"] == 2500
    assert str(uuid.UUID(tags["large"]["Id"])) == tags["large"]["Id"]
    api.control("POST", "reset", json={"scenario": "paging"})
    api.sign_in()
    assert api.get("/Tags/large")["Id"] == tags["large"]["Id"]
    machine = api.get("/Machines/DEMOLAB%7CFIN-001")
    assert machine["Tags"] == ["reboot-ok"]
    assert _tag_names(api, "DEMOLAB\\FIN-001") == ["reboot-ok"]
    assert api.get("/Machines/DEMOLAB%7CFIN-001/Tags")["Items"][0]["NumMachines"] == 1
    assert api.get("/Machines/DEMOLAB%7CEAGLE/Tags") == {"Items": [], "ContinuationToken": None}


def test_get_tag_by_name_or_id(api):
    tag = api.get("/Tags/REBOOT-OK")
    assert tag["Name"] == "reboot-ok"
    assert tag["RestrictedDeliveryGroups"] == [] and tag["NumUnknownRestrictedObjects"] == 0
    assert api.get("/Tags/" + tag["Id"].upper())["Name"] == "reboot-ok"
    missing = api.call("GET", "/Tags/nope")
    assert missing.status_code == 404
    assert missing.json()["ErrorType"] == "ObjectNotFound"


def test_create_and_delete_tag(api):
    response = api.call("POST", "/Tags", json={"Name": FENCE, "Description": "Drain fence"})
    assert response.status_code == 200, response.text
    tag = response.json()
    assert (tag["Name"], tag["Description"], tag["NumMachines"]) == (FENCE, "Drain fence", 0)
    assert str(uuid.UUID(tag["Id"])) == tag["Id"]
    assert api.get("/Tags/" + FENCE)["Id"] == tag["Id"]
    again = api.call("POST", "/Tags", json={"Name": FENCE.upper()})
    assert again.status_code == 409
    assert again.json()["ErrorType"] == "TagAlreadyExists"
    assert api.call("POST", "/Tags", json={"Description": "no name"}).status_code == 400
    assert api.call("POST", "/Tags", json={"Name": "x", "Uuid": "not-a-guid"}).status_code == 400
    bad = api.call("POST", "/Tags", data="x", headers=api.headers(**{"Content-Type": "text/plain"}))
    assert bad.status_code == 415
    api.call("POST", "/Machines/DEMOLAB%7CFIN-002/Tags/" + FENCE)
    assert api.call("DELETE", "/Tags/" + tag["Id"]).status_code == 204
    assert api.call("GET", "/Tags/" + FENCE).status_code == 404
    assert api.get("/Machines/DEMOLAB%7CFIN-002")["Tags"] == ["reboot-ok"]
    assert api.call("DELETE", "/Tags/" + FENCE).status_code == 404


def test_create_tag_with_uuid_and_async(api):
    tag_id = str(uuid.uuid4())
    assert api.call("POST", "/Tags", json={"Name": "with-id", "Uuid": tag_id}).json()["Id"] == tag_id
    assert api.call("POST", "/Tags", json={"Name": "other", "Uuid": tag_id}).status_code == 409
    job = api.wait_job(api.job_id(api.call("POST", "/Tags", params={"async": "true"}, json={"Name": "later"})))
    assert (job["Type"], job["Status"]) == ("CreateTag", "Complete")
    results = api.call("GET", "/Jobs/%s/Results" % job["Id"], allow_redirects=False)
    assert results.status_code == 303
    assert results.headers["Location"].endswith("/cvad/manage/Tags/" + api.get("/Tags/later")["Id"])
    job = api.wait_job(api.job_id(api.call("DELETE", "/Tags/later", params={"async": "true"})))
    assert (job["Type"], job["Status"]) == ("DeleteTag", "Complete")
    assert api.call("GET", "/Tags/later").status_code == 404


def test_add_and_remove_machine_tag(api):
    api.call("POST", "/Tags", json={"Name": FENCE})
    path = "/Machines/DEMOLAB%7CFIN-001/Tags/"
    added = api.call("POST", path + FENCE)
    assert added.status_code == 200
    assert [tag["Name"] for tag in added.json()["Items"]] == ["reboot-ok", FENCE]
    # Already tagged: 200, no duplicate; names match case-insensitively and percent-decoded; the Id works too.
    assert api.call("POST", path + FENCE.upper()).status_code == 200
    tag_id = api.get("/Tags/" + FENCE)["Id"]
    assert api.call("POST", path + tag_id).status_code == 200
    assert api.call("POST", path + "citrix_cloud.daas%2Dreboot%2Dfence").status_code == 200
    assert api.get("/Machines/DEMOLAB%7CFIN-001")["Tags"] == ["reboot-ok", FENCE]
    assert api.get("/Tags/" + FENCE)["NumMachines"] == 1
    state = api.machine_state("DEMOLAB\\FIN-001")
    assert state["Tags"] == ["reboot-ok", FENCE]
    unknown = api.call("POST", path + "nope")
    assert unknown.status_code == 404
    assert unknown.json()["ErrorMessage"] == "Tag 'nope' was not found."
    assert api.call("POST", "/Machines/DEMOLAB%7CNOPE/Tags/" + FENCE).status_code == 404
    assert api.call("DELETE", path + FENCE).status_code == 204
    assert api.get("/Machines/DEMOLAB%7CFIN-001")["Tags"] == ["reboot-ok"]
    # Removing a tag the machine does not carry, or an unknown tag: 404 ErrorData.
    lacking = api.call("DELETE", path + FENCE)
    assert lacking.status_code == 404
    assert lacking.json()["ErrorType"] == "ObjectNotFound"
    assert api.call("DELETE", path + "nope").status_code == 404
    assert api.call("PUT", path + FENCE).status_code == 405


def test_machine_tag_async(api):
    api.call("POST", "/Tags", json={"Name": FENCE})
    job = api.wait_job(api.job_id(api.call("POST", "/Machines/DEMOLAB%7CFIN-003/Tags/" + FENCE, params={"async": "true"})))
    assert (job["Type"], job["Status"]) == ("SetTagMachines", "Complete")
    assert FENCE in api.get("/Machines/DEMOLAB%7CFIN-003")["Tags"]
    job = api.wait_job(api.job_id(api.call("DELETE", "/Machines/DEMOLAB%7CFIN-003/Tags/" + FENCE, params={"async": "true"})))
    assert job["Status"] == "Complete"
    assert FENCE not in api.get("/Machines/DEMOLAB%7CFIN-003")["Tags"]


def test_tag_paging_and_fields(api):
    for index in range(5):
        api.call("POST", "/Tags", json={"Name": "t%d" % index})
    first = api.get("/Tags", params={"limit": 4})
    assert len(first["Items"]) == 4 and first["ContinuationToken"]
    rest = api.get("/Tags", params={"limit": 4, "continuationToken": first["ContinuationToken"]})
    assert len(rest["Items"]) == 3 and rest["ContinuationToken"] is None
    assert all(set(item) == {"Name"} for item in api.get("/Tags", params={"fields": "Name"})["Items"])


def test_tag_mutations_counted(api):
    before = api.control("GET", "state")["totals"]["mutating_requests"]
    api.call("POST", "/Tags", json={"Name": FENCE})
    api.call("POST", "/Machines/DEMOLAB%7CFIN-001/Tags/" + FENCE)
    api.call("DELETE", "/Machines/DEMOLAB%7CFIN-001/Tags/" + FENCE)
    api.call("DELETE", "/Tags/" + FENCE)
    api.get("/Tags")
    assert api.control("GET", "state")["totals"]["mutating_requests"] == before + 4


def test_maintenance_reason_enum_from_scenario(api):
    machines = [
        {"name": "DEMOLAB\\M-1", "maintenance": True, "maintenance_reason": "Graphics driver update"},
        {"name": "DEMOLAB\\M-2", "maintenance": True, "maintenance_reason": "MaxFailedRegistrations"},
        {"name": "DEMOLAB\\M-3", "maintenance": True},
        {"name": "DEMOLAB\\M-4", "maintenance_reason": "Patching", "tags": ["A", "a", "b"]},
    ]
    api.control("POST", "reset", json={"scenario": {
        "customer": {"id": api.customer_id},
        "api_clients": [{"client_id": api.client_id, "client_secret": api.client_secret}],
        "sites": [{"id": api.site_id, "tags": [{"name": "b", "description": "from the scenario"}],
                   "catalogs": [{"name": "C", "machines": machines}]}]}})
    api.sign_in()
    reasons = [api.get("/Machines/DEMOLAB%%7CM-%d" % index)["MaintenanceModeReason"] for index in range(1, 5)]
    assert reasons == ["Administrator", "MaxFailedRegistrations", "Administrator", "None"]
    assert api.get("/Machines/DEMOLAB%7CM-4")["Tags"] == ["A", "b"]
    assert [(tag["Name"], tag["Description"]) for tag in api.get("/Tags")["Items"]] == [("b", "from the scenario"), ("A", None)]
