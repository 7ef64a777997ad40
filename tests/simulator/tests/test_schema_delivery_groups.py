"""A delivery group's reboot schedules, power time schemes, tags and machines against the official spec."""

from test_schema import check, spec  # pylint: disable=unused-import

GROUP = "/DeliveryGroups/Finance-Desktops"
SCHEDULE = {"Name": "Nightly", "Frequency": "Weekly", "DaysInWeek": ["Sunday"], "StartTime": "02:00",
            "RebootDurationMinutes": 60, "RestrictToTag": "reboot-ok", "UseNaturalReboot": False,
            "WarningDurationMinutes": 5, "WarningMessage": "Restart in %m% minutes", "WarningTitle": "Restart",
            "WarningRepeatIntervalMinutes": 1, "IgnoreMaintenanceMode": True, "Enabled": True, "Description": "d"}
SCHEME = {"Name": "Weekdays", "DisplayName": "Weekdays", "DaysOfWeek": ["Weekdays"], "PeakTimeRanges": ["08:00-18:00"],
          "PoolSizeSchedule": [{"TimeRange": "00:00-24:00", "PoolSize": 2}], "PoolUsingPercentage": False}


def test_reboot_schedules(api, spec):  # pylint: disable=redefined-outer-name
    spec.validate(SCHEDULE, {"$ref": "#/components/schemas/RebootScheduleRequestModel"})
    created = api.call("POST", GROUP + "/RebootSchedules", json=SCHEDULE)
    assert created.status_code == 200, created.text
    check(spec, created.json(), "POST", "/DeliveryGroups/{nameOrId}/RebootSchedules")
    template = "/DeliveryGroups/{nameOrId}/RebootSchedules/{scheduleNameOrId}"
    check(spec, api.get(GROUP + "/RebootSchedules"), "GET", "/DeliveryGroups/{nameOrId}/RebootSchedules")
    check(spec, api.get(GROUP + "/RebootSchedules/Nightly"), "GET", template)
    check(spec, api.get("/RebootSchedules"), "GET", "/RebootSchedules")
    patched = api.call("PATCH", GROUP + "/RebootSchedules/Nightly", json={"StartTime": "03:00:00"})
    check(spec, patched.json(), "PATCH", template)
    assert api.call("HEAD", GROUP + "/RebootSchedules/nightly").status_code == 204
    for method, path, body, status, schema_template in (
            ("POST", GROUP + "/RebootSchedules", dict(SCHEDULE), 409, "/DeliveryGroups/{nameOrId}/RebootSchedules"),
            ("POST", GROUP + "/RebootSchedules", {"Name": "X", "Frequency": "Hourly", "StartTime": "01:00"}, 400,
             "/DeliveryGroups/{nameOrId}/RebootSchedules"),
            ("POST", "/DeliveryGroups/Nope/RebootSchedules", dict(SCHEDULE), 404,
             "/DeliveryGroups/{nameOrId}/RebootSchedules"),
            ("GET", GROUP + "/RebootSchedules/Nope", None, 404, template),
            ("PATCH", GROUP + "/RebootSchedules/Nightly", {"StartTime": "25:00"}, 400, template)):
        answer = api.call(method, path, json=body)
        assert answer.status_code == status, (method, path, answer.text)
        check(spec, answer.json(), method, schema_template, status)
    assert api.call("DELETE", GROUP + "/RebootSchedules/Nightly").status_code == 204


def test_power_time_schemes(api, spec):  # pylint: disable=redefined-outer-name
    spec.validate(SCHEME, {"$ref": "#/components/schemas/PowerTimeSchemeRequestModel"})
    collection = "/DeliveryGroups/{nameOrId}/PowerTimeSchemes"
    template = collection + "/{schemeNameOrId}"
    created = api.call("POST", GROUP + "/PowerTimeSchemes", json=SCHEME)
    assert created.status_code == 200, created.text
    check(spec, created.json(), "POST", collection)
    check(spec, api.get(GROUP + "/PowerTimeSchemes"), "GET", collection)
    check(spec, api.get(GROUP + "/PowerTimeSchemes/weekdays"), "GET", template)
    check(spec, api.call("PATCH", GROUP + "/PowerTimeSchemes/Weekdays", json={"PeakTimeRanges": []}).json(),
          "PATCH", template)
    overlap = api.call("POST", GROUP + "/PowerTimeSchemes", json={"Name": "Mon", "DaysOfWeek": ["Monday"]})
    assert overlap.status_code == 409
    check(spec, overlap.json(), "POST", collection, 409)
    bad = api.call("POST", GROUP + "/PowerTimeSchemes", json={"Name": "Sat", "DaysOfWeek": ["Caturday"]})
    assert bad.status_code == 400
    check(spec, bad.json(), "POST", collection, 400)
    job = api.wait_job(api.job_id(api.call("PATCH", GROUP + "/PowerTimeSchemes/Weekdays", params={"async": "true"},
                                           json={"DisplayName": "Office days"})))
    check(spec, job, "GET", "/Jobs/{id}")
    assert api.call("DELETE", GROUP + "/PowerTimeSchemes/Weekdays").status_code == 204


def test_tags_of_groups_and_members(api, spec):  # pylint: disable=redefined-outer-name
    spec.validate({"Items": ["reboot-ok"]}, {"$ref": "#/components/schemas/TagsRequestModel"})
    added = api.call("POST", GROUP + "/Tags/reboot-ok")
    check(spec, added.json(), "POST", "/DeliveryGroups/{nameOrId}/Tags/{tagNameOrId}")
    check(spec, api.get(GROUP + "/Tags"), "GET", "/DeliveryGroups/{nameOrId}/Tags")
    check(spec, api.get("/Tags/reboot-ok/DeliveryGroups"), "GET", "/Tags/{nameOrId}/DeliveryGroups")
    check(spec, api.get("/Tags/reboot-ok/Machines"), "GET", "/Tags/{nameOrId}/Machines")
    spec.validate({"Items": ["Shared-Apps"]}, {"$ref": "#/components/schemas/RefsRequestModel"})
    assert api.call("PUT", "/Tags/reboot-ok/DeliveryGroups", json={"Items": ["Shared-Apps"]}).status_code == 204
    missing = api.call("DELETE", GROUP + "/Tags/reboot-ok")
    assert missing.status_code == 404
    absent_group = api.call("GET", "/DeliveryGroups/Nope/Tags")
    check(spec, absent_group.json(), "GET", "/DeliveryGroups/{nameOrId}/Tags", 404)


def test_membership(api, spec):  # pylint: disable=redefined-outer-name
    assignment = {"Machine": "DEMOLAB\\SPARE-01", "Users": ["DEMOLAB\\alice"]}
    body = {"MachineCatalog": "Unassigned", "AssignMachinesToUsers": [assignment]}
    spec.validate(body, {"$ref": "#/components/schemas/DeliveryGroupAddMachinesRequestModel"})
    added = api.call("POST", GROUP + "/Machines", json=body)
    assert added.status_code == 200, added.text
    check(spec, added.json(), "POST", "/DeliveryGroups/{nameOrId}/Machines")
    check(spec, api.get("/Machines/DEMOLAB%7CSPARE-01"), "GET", "/Machines/{nameOrId}")
    again = api.call("POST", GROUP + "/Machines", json=body)
    assert again.status_code == 400
    check(spec, again.json(), "POST", "/DeliveryGroups/{nameOrId}/Machines", 400)
    too_many = api.call("POST", GROUP + "/Machines", json={"MachineCatalog": "Unassigned", "Count": 5})
    assert too_many.status_code == 400
    check(spec, too_many.json(), "POST", "/DeliveryGroups/{nameOrId}/Machines", 400)
    assert api.call("DELETE", GROUP + "/Machines/DEMOLAB%7CSPARE-01").status_code == 204
