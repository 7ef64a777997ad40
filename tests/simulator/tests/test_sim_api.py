"""Endpoints and documented quirks of the simulated Citrix Cloud and DaaS APIs."""

import datetime
import time

import requests


def test_token_form_encoded(api):
    response = api.http.post(api.url + "/cctrustoauth2/%s/tokens/clients" % api.customer_id, data={
        "grant_type": "client_credentials", "client_id": api.client_id, "client_secret": api.client_secret})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == "3600"
    assert len(body["access_token"]) >= 64
    assert response.headers["Cache-Control"] == "no-store"


def test_token_rejects_bad_secret_and_charset(api):
    url = api.url + "/cctrustoauth2/root/tokens/clients"
    form = {"grant_type": "client_credentials", "client_id": api.client_id, "client_secret": "GarbageValue"}
    response = api.http.post(url, data=form)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_client", "error_description": "Invalid client id or client secret."}
    form["client_secret"] = api.client_secret
    response = api.http.post(url, data=form, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert response.status_code == 400
    assert api.http.post(url, json=form).status_code == 400


def test_token_lifetime_from_scenario(api):
    api.control("POST", "reset", json={"scenario": {"customer": {"id": "democustomer"}, "token_lifetime_seconds": 2,
                                                    "api_clients": [{"client_id": api.client_id,
                                                                     "client_secret": api.client_secret}]}})
    api.sign_in()
    assert api.call("GET", "/me", site=False).status_code == 200
    response = api.http.post(api.url + "/cctrustoauth2/root/tokens/clients", data={
        "grant_type": "client_credentials", "client_id": api.client_id, "client_secret": api.client_secret})
    assert response.json()["expires_in"] == "2"


def test_header_checks_in_order(api):
    headers = api.headers()
    assert api.call("GET", "/Machines", headers={"Accept": "*/*"}).json() == {
        "Error": {"Message": "Missing or invalid CWSAuth header.", "Type": "CWSAuthException"}}
    bad_token = dict(headers, Authorization="CwsAuth Bearer=nope")
    response = api.call("GET", "/Machines", headers=bad_token)
    assert response.status_code == 401
    assert response.json()["parameters"] == {"reason": "invalid"}
    for accept in ("*/*", "application/json; charset=utf-8", None):
        wrong = dict(headers, Accept=accept)
        response = api.call("GET", "/Machines", headers=wrong)
        assert response.status_code == 406
        assert response.json()["type"] == "https://errors-api.cloud.com/common/notAcceptable"
    no_customer = {key: value for key, value in headers.items() if key != "Citrix-CustomerId"}
    response = api.call("GET", "/Machines", headers=no_customer)
    assert response.status_code == 500
    assert response.json()["message"] == "Internal server error"
    no_site = {key: value for key, value in headers.items() if key != "Citrix-InstanceId"}
    assert api.call("GET", "/Machines", headers=no_site).status_code == 400
    assert api.call("GET", "/Machines", headers=dict(headers, **{"Citrix-InstanceId": "unknown"})).status_code == 404
    # The calls on the customer need no site; an unknown path is unknown with or without one.
    assert api.call("GET", "/Sites/" + api.site_id, headers=no_site).status_code == 200
    assert api.call("GET", "/Sites", headers=no_site).status_code == 200
    for path in ("/NoSuchThing", "/Sites/%s/NoSuchThing" % api.site_id, "/Machines/DEMOLAB%7CFIN-001/NoSuchThing"):
        for request_headers in (no_site, headers):
            response = api.call("GET", path, headers=request_headers)
            assert response.status_code == 404, path
            assert response.json()["ErrorType"] == "ObjectNotFound"
    assert api.call("POST", "/Sites", headers=no_site).status_code == 405
    assert api.call("GET", "/Machines", headers=dict(headers, **{"Citrix-CustomerId": "other"})).status_code == 403


def test_auth_scheme_case_insensitive(api):
    headers = api.headers(Authorization="CWSAuth bearer=%s" % api.sign_in())
    assert api.call("GET", "/me", headers=headers).status_code == 200


def test_me_and_case_insensitive_path(api):
    body = api.get("/Me", site=False)
    assert body["Customers"] == [{"Id": "democustomer", "Name": None,
                                  "Sites": [{"Id": api.site_id, "Name": "cloudxdsite"}]}]
    assert body["ExpiryTime"].endswith(("AM", "PM"))
    assert api.call("GET", "/me", site=False).headers["Citrix-TransactionId"]
    echoed = api.call("GET", "/me", headers=api.headers(site=False, **{"Citrix-TransactionId": "abc"}))
    assert echoed.headers["Citrix-TransactionId"] == "abc"


def test_catalogs(api):
    catalogs = api.get("/MachineCatalogs")["Items"]
    names = {catalog["Name"] for catalog in catalogs}
    assert names == {"Finance-Pooled", "Apps-Shared", "Unassigned", "Large"}
    finance = api.get("/MachineCatalogs/Finance-Pooled")
    assert finance["TotalCount"] == 13
    assert api.get("/MachineCatalogs/%s" % finance["Id"])["Name"] == "Finance-Pooled"
    assert api.get("/MachineCatalogs/Apps%7CApps-Shared")["FullName"] == "Apps\\Apps-Shared"
    machines = api.get("/MachineCatalogs/Finance-Pooled/Machines")["Items"]
    assert len(machines) == 13
    response = api.call("GET", "/MachineCatalogs/Nope")
    assert response.status_code == 404
    assert "Nope" in response.json()["ErrorMessage"]


def test_machine_lookup_by_name_id_and_sid(api):
    eagle = api.get("/Machines/DEMOLAB%7CEAGLE")
    assert eagle["Name"] == "DEMOLAB\\EAGLE"
    assert "Restart" not in eagle["SupportedPowerActions"]
    assert api.get("/Machines/%s" % eagle["Id"])["Name"] == "DEMOLAB\\EAGLE"
    assert api.get("/Machines/demolab|eagle")["Id"] == eagle["Id"]
    assert api.call("GET", "/Machines/DEMOLAB%5CEAGLE").status_code == 404
    assert api.call("GET", "/Machines/DEMOLAB%7CNOPE").json()["ErrorMessage"] == "Machine 'DEMOLAB|NOPE' was not found."
    assert api.call("HEAD", "/Machines/DEMOLAB%7CEAGLE").status_code == 204


def test_machine_states_in_scenario(api):
    assert api.get("/Machines/DEMOLAB%7CFIN-007")["PowerState"] == "Off"
    suspended = api.get("/Machines/DEMOLAB%7CFIN-008")
    assert (suspended["PowerState"], suspended["SummaryState"]) == ("Suspended", "Off")
    busy = api.get("/Machines/DEMOLAB%7CFIN-004")
    assert (busy["SessionCount"], busy["SummaryState"]) == (1, "InUse")
    assert api.get("/Machines/DEMOLAB%7CFIN-005")["SummaryState"] == "Disconnected"
    unregistered = api.get("/Machines/DEMOLAB%7CFIN-010")
    assert unregistered["RegistrationState"] == "Unregistered"
    assert unregistered["FormattedLastDeregistrationTime"].endswith("Z")
    maintenance = api.get("/Machines/DEMOLAB%7CFIN-006")
    assert maintenance["InMaintenanceMode"] is True
    # The scenario's free-text reason ("Patching") is for humans; the API reports the SDK enum.
    assert maintenance["MaintenanceModeReason"] == "Administrator"
    assert api.get("/Machines/DEMOLAB%7CFIN-001")["MaintenanceModeReason"] == "None"


def test_fields(api):
    body = api.get("/Machines", params={"fields": "Id,Name,sessioncount", "limit": 3})
    assert all(set(item) == {"Id", "Name", "SessionCount"} for item in body["Items"])
    assert set(api.get("/Machines/DEMOLAB%7CEAGLE", params={"Fields": "Name"})) == {"Name"}


def test_paging_across_2500_machines(api):
    seen = []
    token = None
    pages = 0
    while True:
        params = {"limit": 1000}
        if token:
            params["continuationToken"] = token
        body = api.get("/MachineCatalogs/Large/Machines", params=params)
        seen.extend(item["Id"] for item in body["Items"])
        pages += 1
        token = body.get("ContinuationToken")
        if not token:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 2500
    assert len(api.get("/Machines")["Items"]) == 250
    assert len(api.get("/Machines", params={"LIMIT": "5"})["Items"]) == 5


def test_paging_errors(api):
    assert api.call("GET", "/Machines", params={"limit": 1001}).status_code == 400
    assert api.call("GET", "/Machines", params={"limit": 0}).status_code == 400
    assert api.call("GET", "/Machines", params={"continuationToken": "garbage"}).status_code == 400
    token = api.get("/Machines", params={"limit": 10})["ContinuationToken"]
    assert api.call("GET", "/MachineCatalogs", params={"continuationToken": token}).status_code == 400
    assert len(api.get("/Machines", params={"ContinuationToken": token, "limit": 10})["Items"]) == 10


def test_continuation_token_bound_to_query_filters(api):
    """A token belongs to its query: same path with other filters is rejected; limit and fields may change."""
    query = {"sessionSupport": "SingleSession", "limit": 10}
    token = api.get("/Machines", params=query)["ContinuationToken"]
    assert token
    other = dict(query, sessionSupport="MultiSession", continuationToken=token)
    assert api.call("GET", "/Machines", params=other).status_code == 400
    assert api.call("GET", "/Machines", params={"limit": 10, "continuationToken": token}).status_code == 400
    same = api.get("/Machines", params=dict(query, continuationToken=token, limit=5, fields="Id,SessionSupport"))
    assert [item["SessionSupport"] for item in same["Items"]] == ["SingleSession"] * 5


def test_maintenance_patch(api):
    path = "/Machines/DEMOLAB%7CFIN-001"
    response = api.call("PATCH", path, json={"InMaintenanceMode": True, "MaintenanceModeReason": "Monthly patching"})
    assert response.status_code == 204
    machine = api.get(path)
    # MaintenanceModeReason is not in UpdateMachineRequestModel: ignored, the reason is the enum's Administrator.
    assert (machine["InMaintenanceMode"], machine["MaintenanceModeReason"]) == (True, "Administrator")
    assert api.call("PATCH", path, json={"MaintenanceModeReason": "Other"}).status_code == 204
    assert api.get(path)["MaintenanceModeReason"] == "Administrator"
    job_id = api.job_id(api.call("PATCH", path, params={"async": "true"}, json={"InMaintenanceMode": False}))
    assert api.wait_job(job_id)["Status"] == "Complete"
    machine = api.get(path)
    assert (machine["InMaintenanceMode"], machine["MaintenanceModeReason"]) == (False, "None")
    bad = api.call("PATCH", path, data="x", headers=api.headers(**{"Content-Type": "text/plain"}))
    assert bad.status_code == 415
    assert api.call("PATCH", path, json={"InMaintenanceMode": "yes"}).status_code == 400


def test_sessions(api):
    sessions = api.get("/Machines/DEMOLAB%7COSPREY/Sessions")["Items"]
    assert len(sessions) == 2
    assert sessions[0]["Machine"]["Name"] == "DEMOLAB\\OSPREY"
    all_sessions = api.get("/Sessions", params={"limit": 1000})
    assert len(all_sessions["Items"]) > 100
    one = api.get("/Sessions/%s" % sessions[0]["Id"])
    assert one["Id"] == sessions[0]["Id"]
    assert api.call("POST", "/Sessions/%s/$logoff" % one["Id"]).status_code == 204
    assert api.get("/Machines/DEMOLAB%7COSPREY")["SessionCount"] == 1
    assert api.call("POST", "/Machines/DEMOLAB%7COSPREY/$logoff").json()["SessionCount"] == 0


def test_delivery_groups(api):
    groups = {group["Name"]: group for group in api.get("/DeliveryGroups")["Items"]}
    assert set(groups) == {"Finance-Desktops", "Shared-Apps", "Large-Desktops"}
    detail = api.get("/DeliveryGroups/Finance-Desktops")
    assert detail["TotalMachines"] == 13
    assert detail["MachinesInMaintenanceMode"] == 1
    machines = api.get("/DeliveryGroups/%s/Machines" % groups["Large-Desktops"]["Id"], params={"limit": 1000})
    assert len(machines["Items"]) == 1000 and machines["ContinuationToken"]


def test_async_get_becomes_job(api):
    response = api.call("GET", "/MachineCatalogs", params={"async": "true"})
    assert response.status_code == 202
    assert response.content == b""
    location = response.headers["Location"]
    assert location.startswith(api.url + "/cvad/manage/Jobs/")
    job = api.wait_job(api.job_id(response))
    assert (job["Type"], job["Status"], job["OverallProgressPercent"]) == ("GetMachineCatalogs", "Complete", 100)
    results = api.get("/Jobs/%s/Results" % job["Id"])
    assert len(results["Items"]) == 4


def test_unsupported_power_action(api):
    response = api.call("POST", "/Machines/DEMOLAB%7CEAGLE/$reboot")
    assert response.status_code == 400
    assert response.json()["ErrorMessage"] == "Machine does not support specified power action."
    assert api.call("POST", "/Machines/DEMOLAB%7CEAGLE/$shutdown", params={"async": "true"}).status_code == 202


def test_no_power_actions_without_power_management(api):
    """"The machine must be capable of power management": a catalog that is not power-managed has none."""
    api.control("POST", "reset", json={"scenario": {
        "customer": {"id": "democustomer"}, "api_clients": [{"client_id": api.client_id, "client_secret": api.client_secret}],
        "sites": [{"id": api.site_id, "catalogs": [{"name": "RemotePC", "power_managed": False,
                                                    "machines": [{"name": "DEMOLAB\\RPC-01"}]}]}]}})
    api.sign_in()
    assert api.get("/MachineCatalogs/RemotePC")["IsPowerManaged"] is False
    assert api.get("/Machines/DEMOLAB%7CRPC-01")["SupportedPowerActions"] == []
    response = api.call("POST", "/Machines/DEMOLAB%7CRPC-01/$reboot", params={"async": "true"})
    assert response.status_code == 400
    assert response.json()["ErrorMessage"] == "Machine does not support specified power action."


def test_jobs_visible_only_to_owner(api):
    job = api.control("POST", "jobs", json={"type": "RebootMachines", "duration_seconds": 60})
    assert job["Location"].endswith("/cvad/manage/Jobs/%s" % job["Id"])
    assert [item["Id"] for item in api.get("/Jobs")["Items"]] == [job["Id"]]
    api.control("POST", "reset", json={"scenario": {
        "customer": {"id": "democustomer"}, "sites": [{"id": api.site_id}],
        "api_clients": [{"client_id": api.client_id, "client_secret": api.client_secret},
                        {"client_id": "other", "client_secret": "other-secret"}]}})
    api.sign_in()
    mine = api.control("POST", "jobs", json={"duration_seconds": 60})
    other = other_client(api)
    assert other.call("GET", "/Jobs/%s" % mine["Id"]).status_code == 404
    assert other.get("/Jobs")["Items"] == []


def other_client(api):
    """A second API client ("other") on the same simulator."""
    second = type(api)(api.url)
    response = requests.post(api.url + "/cctrustoauth2/root/tokens/clients", timeout=10, data={
        "grant_type": "client_credentials", "client_id": "other", "client_secret": "other-secret"})
    second.token = response.json()["access_token"]
    return second


def test_notifications(api):
    notification = {"destinationAdmin": "*", "component": "Citrix Cloud", "createdDate": "2021-02-09T17:52:40Z",
                    "eventId": "392768A6-C531-474D-ABA9-BCC550A5E1AC", "severity": "Information", "priority": "Normal",
                    "content": [{"languageTag": "en-US", "title": "Dinner Time", "description": "Fish and Chips!"}]}
    auth = {"Authorization": "CwsAuth Bearer=%s" % api.sign_in()}
    with_customer = dict(auth, **{"Citrix-CustomerId": api.customer_id})
    response = api.http.post(api.url + "/notifications/", json=notification, headers=with_customer)
    assert response.status_code == 200
    body = response.json()
    assert body["content"][0]["detailUri"] is None
    assert (body["categories"], body["data"], body["externalId"], body["suppressEmail"]) == (None, None, None, False)
    legacy = api.http.post(api.url + "/democustomer/notifications/items", json=notification, headers=auth)
    assert legacy.status_code == 200
    # API.md 9: "/items" belongs only to the legacy host, after the customer id; on the API host it does not exist.
    assert api.http.post(api.url + "/notifications/items", json=notification, headers=with_customer).status_code == 404
    assert api.http.post(api.url + "/notifications/", json=notification, headers=auth).status_code == 400
    assert api.http.post(api.url + "/notifications/", json={"severity": "Information"},
                         headers=with_customer).status_code == 400
    assert len(api.control("GET", "state")["notifications"]) == 2


def test_resource_locations(api):
    auth = {"Authorization": "CwsAuth Bearer=%s" % api.sign_in()}
    current = api.http.get(api.url + "/resourcelocations", headers=dict(auth, **{"Citrix-CustomerId": api.customer_id}))
    legacy = api.http.get(api.url + "/democustomer/resourcelocations", headers=auth)
    assert current.json() == legacy.json()
    assert current.json()["items"][0]["name"] == "DEMOLAB Datacenter"
    assert api.http.get(api.url + "/democustomer/resourcelocations").status_code == 401


def test_state_tells_the_simulated_time(api):
    """`now` in /_sim/state runs time-scale times faster than real time."""
    first = datetime.datetime.strptime(api.control("GET", "state")["now"], "%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.0)
    second = datetime.datetime.strptime(api.control("GET", "state")["now"], "%Y-%m-%dT%H:%M:%SZ")
    assert api.time_scale * 0.5 <= (second - first).total_seconds() <= api.time_scale * 3
