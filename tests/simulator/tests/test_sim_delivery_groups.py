"""A delivery group's day-2 objects in the simulator: the state they keep, and the API's 400, 404 and 409."""

GROUP = "/DeliveryGroups/Finance-Desktops"


def group_state(api, name="Finance-Desktops"):
    return next(group for group in api.control("GET", "state")["delivery_groups"] if group["Name"] == name)


def test_a_schedule_is_stored_normalised_and_its_rules_are_checked(api):
    created = api.call("POST", GROUP + "/RebootSchedules", json={
        "Name": "Weekly", "Frequency": "Weekly", "DaysInWeek": ["Sunday", "Monday"], "StartTime": "02:00",
        "RestrictToTag": "REBOOT-OK"}).json()
    assert created["StartTime"] == "02:00:00" and created["DaysInWeek"] == ["Monday", "Sunday"]
    assert created["RestrictToTag"]["Name"] == "reboot-ok" and created["Enabled"] is True
    assert created["DeliveryGroup"]["Name"] == "Finance-Desktops"
    refused = {
        "no days": {"Name": "A", "Frequency": "Weekly", "StartTime": "01:00"},
        "monthly without a week": {"Name": "B", "Frequency": "Monthly", "DayInMonth": "Sunday", "StartTime": "01:00"},
        "once without a date": {"Name": "C", "Frequency": "Once", "StartTime": "01:00"},
        "warning without a text": {"Name": "D", "Frequency": "Daily", "StartTime": "01:00", "WarningDurationMinutes": 5},
        "unknown tag": {"Name": "E", "Frequency": "Daily", "StartTime": "01:00", "RestrictToTag": "nope"},
        "unknown property": {"Name": "F", "Frequency": "Daily", "StartTime": "01:00", "Hourly": True},
        "no start time": {"Name": "G", "Frequency": "Daily"},
    }
    for case, body in refused.items():
        answer = api.call("POST", GROUP + "/RebootSchedules", json=body)
        assert answer.status_code == 400, case
        assert answer.json()["ErrorMessage"], case
    assert api.call("POST", GROUP + "/RebootSchedules", json={
        "Name": "weekly", "Frequency": "Daily", "StartTime": "01:00"}).status_code == 409
    assert [s["Name"] for s in group_state(api)["RebootSchedules"]] == ["Weekly"]


def test_a_patch_changes_only_what_it_carries_and_keeps_the_rules(api):
    nightly = {"Name": "Nightly", "Frequency": "Daily", "StartTime": "02:00", "RebootDurationMinutes": 30}
    api.call("POST", GROUP + "/RebootSchedules", json=nightly)
    api.call("POST", GROUP + "/RebootSchedules", json={"Name": "Other", "Frequency": "Daily", "StartTime": "04:00"})
    patched = api.call("PATCH", GROUP + "/RebootSchedules/nightly", json={"StartTime": "03:30"}).json()
    assert (patched["StartTime"], patched["RebootDurationMinutes"]) == ("03:30:00", 30)
    assert api.call("PATCH", GROUP + "/RebootSchedules/Nightly", json={"Frequency": "Weekly"}).status_code == 400
    assert api.call("PATCH", GROUP + "/RebootSchedules/Nightly", json={"Name": "OTHER"}).status_code == 409
    assert group_state(api)["RebootSchedules"][0]["Frequency"] == "Daily"
    assert api.call("DELETE", GROUP + "/RebootSchedules/Nightly").status_code == 204
    assert api.call("DELETE", GROUP + "/RebootSchedules/Nightly").status_code == 404


def test_schemes_of_a_group_cover_each_day_once(api):
    assert api.call("POST", GROUP + "/PowerTimeSchemes", json={"Name": "Weekend", "DaysOfWeek": ["Weekend"]}
                    ).status_code == 200
    assert api.call("POST", GROUP + "/PowerTimeSchemes", json={"Name": "Sunday", "DaysOfWeek": ["Sunday"]}
                    ).status_code == 409
    assert api.call("POST", "/DeliveryGroups/Shared-Apps/PowerTimeSchemes",
                    json={"Name": "Sunday", "DaysOfWeek": ["Sunday"]}).status_code == 200
    assert api.call("POST", GROUP + "/PowerTimeSchemes", json={
        "Name": "Weekdays", "DaysOfWeek": ["Weekdays"], "PoolSizeSchedule": [{"TimeRange": "8-18", "PoolSize": 1}]}
    ).status_code == 400
    assert [s["DisplayName"] for s in group_state(api)["PowerTimeSchemes"]] == ["Weekend"]


def test_tag_members_are_set_exactly_or_one_by_one(api):
    api.call("POST", "/Tags", json={"Name": "pilot"})
    assert api.call("PUT", "/Tags/pilot/DeliveryGroups", json={"Items": ["Finance-Desktops", "Shared-Apps"]}
                    ).status_code == 204
    assert group_state(api, "Shared-Apps")["Tags"] == ["pilot"]
    api.call("PUT", "/Tags/pilot/DeliveryGroups", json={"Items": ["Shared-Apps"]})
    assert group_state(api)["Tags"] == [] and group_state(api, "Shared-Apps")["Tags"] == ["pilot"]
    assert api.call("PUT", "/Tags/pilot/DeliveryGroups", json={"Items": ["Nope"]}).status_code == 404
    api.call("POST", GROUP + "/Tags/pilot")
    assert [g["Name"] for g in api.get("/Tags/pilot/DeliveryGroups")["Items"]] == ["Finance-Desktops", "Shared-Apps"]
    api.call("DELETE", "/Tags/pilot")
    assert group_state(api, "Shared-Apps")["Tags"] == [] and group_state(api)["Tags"] == []


def test_machines_join_from_a_catalog_and_leave(api):
    joined = api.call("POST", GROUP + "/Machines", params={"async": "true"}, json={
        "MachineCatalog": "Unassigned", "Count": 1,
        "AssignMachinesToUsers": [{"Machine": "DEMOLAB\\SPARE-02", "Users": ["DEMOLAB\\bob"]}]})
    assert api.wait_job(api.job_id(joined))["Status"] == "Complete"
    members = {m["Name"]: m["AssignedUsers"] for m in group_state(api)["Machines"]}
    assert members["DEMOLAB\\SPARE-02"] == ["DEMOLAB\\bob"] and members["DEMOLAB\\SPARE-01"] == []
    assert api.call("POST", "/DeliveryGroups/Shared-Apps/Machines", json={
        "MachineCatalog": "Finance-Pooled", "Count": 1}).status_code == 400
    assert api.call("DELETE", GROUP + "/Machines/DEMOLAB%7CFIN-004").status_code == 409
    assert api.call("DELETE", GROUP + "/Machines/DEMOLAB%7CSPARE-01").status_code == 204
    assert api.call("DELETE", GROUP + "/Machines/DEMOLAB%7CSPARE-01").status_code == 400
    assert "DEMOLAB\\SPARE-01" not in {m["Name"] for m in group_state(api)["Machines"]}
