"""Session actions (``$logoff``, ``$disconnect``, ``$sendMessage``, ``$hide``, ``$unhide``), ``Sessions/$search``,
each also inside ``$batch``, the messages each session received and the users who log off after the N-th."""

import json
from datetime import datetime, timedelta, timezone

FINANCE = {"Property": "MachineCatalog", "Operator": "Equals", "Value": "Finance-Pooled"}


def sessions_of(api, name):
    """The sessions of a machine as the API lists them."""
    return api.get("/Machines/%s/Sessions" % api.quote(name))["Items"]


def search(api, filters=None, params=None, **body):
    """``(user names, first page)`` of a session search, every page read."""
    body = dict(body, SearchFilters=filters or [])
    users, first, token = [], None, None
    while True:
        query = dict(params or {}, limit=1000, **({"continuationToken": token} if token else {}))
        response = api.call("POST", "/Sessions/$search", params=query, json=body)
        assert response.status_code == 200, response.text
        page = response.json()
        first = first or page
        users += [item["User"]["SamName"] for item in page["Items"]]
        token = page["ContinuationToken"]
        if not token:
            return users, first


def moment(now, minutes_ago):
    """RFC 3339 of ``minutes_ago`` minutes before ``now`` (the simulator's RFC 3339 time)."""
    now = datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return (now - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_session(api, machine, **body):
    """Log a user on through the control API; returns the session id."""
    return api.control("POST", "machines/%s/sessions" % api.quote(machine), json=body)["Id"]


def test_search_by_machine_catalog_group_user_and_state(api):
    users, first = search(api, [FINANCE])
    assert sorted(users) == ["DEMOLAB\\alice", "DEMOLAB\\bob", "DEMOLAB\\carol", "DEMOLAB\\dave"]
    assert first["TotalItems"] == 4
    group, _first = search(api, [{"Property": "DeliveryGroup", "Operator": "Equals", "Value": "shared-apps"}])
    assert sorted(group) == ["DEMOLAB\\erin", "DEMOLAB\\frank", "DEMOLAB\\grace", "DEMOLAB\\heidi"]
    machine, _first = search(api, [{"Property": "MachineName", "Operator": "Equals", "Value": "DEMOLAB\\OSPREY"}])
    assert sorted(machine) == ["DEMOLAB\\carol", "DEMOLAB\\dave"]
    for value in ("DEMOLAB\\carol", "CAROL"):
        assert search(api, [{"Property": "UserName", "Operator": "Equals", "Value": value}])[0] == ["DEMOLAB\\carol"]
    either, _first = search(api, [FINANCE], SearchFilterGroups=[{"SearchFilterGroupType": "Or", "SearchFilters": [
        {"Property": "UserName", "Operator": "Equals", "Value": "DEMOLAB\\alice"},
        {"Property": "UserName", "Operator": "Equals", "Value": "DEMOLAB\\bob"}]}])
    assert sorted(either) == ["DEMOLAB\\alice", "DEMOLAB\\bob"]
    disconnected, _first = search(api, [FINANCE, {"Property": "SessionState", "Operator": "Equals",
                                                  "Value": "Disconnected"}])
    assert disconnected == ["DEMOLAB\\bob"]
    active, _first = search(api, [FINANCE, {"Property": "SessionState", "Operator": "In", "Value": "Active,Connected"}])
    assert sorted(active) == ["DEMOLAB\\alice", "DEMOLAB\\carol", "DEMOLAB\\dave"]
    # No SessionSupport filter needed; the whole site's sessions without any filter (the Large catalog's too).
    every, first = search(api)
    assert first["TotalItems"] == len(every) == sum(machine["SessionCount"]
                                                    for machine in api.control("GET", "state")["machines"])


def test_search_by_time_in_state(api):
    now = api.control("GET", "state")["now"]
    stale = add_session(api, "DEMOLAB\\SPARE-01", user="DEMOLAB\\old", state="Disconnected", minutes_in_state=600)
    add_session(api, "DEMOLAB\\SPARE-01", user="DEMOLAB\\new", state="Disconnected", minutes_in_state=5)
    unassigned = {"Property": "MachineCatalog", "Operator": "Equals", "Value": "Unassigned"}
    before = {"Property": "SessionStateChangeTime", "Operator": "LessThan", "Value": moment(now, 480)}
    assert search(api, [unassigned, before])[0] == ["DEMOLAB\\old"]
    after = {"Property": "SessionStateChangeTime", "Operator": "GreaterThanOrEquals", "Value": moment(now, 480)}
    assert search(api, [unassigned, after])[0] == ["DEMOLAB\\new"]
    detail = api.get("/Sessions/" + stale)
    broker_form = {"Property": "SessionStateChangeTime", "Operator": "LessThanOrEquals", "Value": detail["StateChangeTime"]}
    assert search(api, [unassigned, broker_form])[0] == ["DEMOLAB\\old"]
    ordered, _first = search(api, [unassigned], SortCriteriaItems=[
        {"Property": "SessionStateChangeTime", "SortDirection": "Descending"}])
    assert ordered == ["DEMOLAB\\new", "DEMOLAB\\old"]


def test_search_bad_requests(api):
    for body in ({"SearchFilters": [{"Property": "Nope", "Operator": "Equals", "Value": "x"}]},
                 {"SearchFilters": [{"Property": "SessionStateChangeTime", "Operator": "LessThan", "Value": "soon"}]},
                 {"SearchFilters": [{"Property": "SessionState", "Operator": "Bogus", "Value": "Active"}]},
                 {"SearchFilters": "Active"}):
        response = api.call("POST", "/Sessions/$search", json=body)
        assert response.status_code == 400, body
        assert response.json()["ErrorMessage"]
    assert api.call("POST", "/Sessions/$search", params={"limit": 5000}, json={}).status_code == 400
    assert api.call("POST", "/Sessions/$search", params={"skip": -1}, json={}).status_code == 400
    assert api.call("GET", "/Sessions/$search").status_code == 404


def test_search_paging_fields_skip_and_async(api):
    users, first = search(api, [], params={"fields": "Id,State,User"})
    assert set(first["Items"][0]) == {"Id", "State", "User"}
    page = api.call("POST", "/Sessions/$search", params={"limit": 2}, json={"SearchFilters": [FINANCE]}).json()
    assert len(page["Items"]) == 2 and page["ContinuationToken"] and page["TotalItems"] == 4
    following = api.call("POST", "/Sessions/$search", params={"limit": 2, "continuationToken": page["ContinuationToken"]},
                         json={"SearchFilters": [FINANCE]}).json()
    assert len(following["Items"]) == 2 and following["ContinuationToken"] is None
    other_body = api.call("POST", "/Sessions/$search", params={"continuationToken": page["ContinuationToken"]},
                          json={"SearchFilters": []})
    assert other_body.status_code == 400
    skipped = api.call("POST", "/Sessions/$search", params={"skip": 3}, json={"SearchFilters": [FINANCE]}).json()
    assert skipped["TotalItems"] == 1
    job = api.wait_job(api.job_id(api.call("POST", "/Sessions/$search", params={"async": "true"},
                                           json={"SearchFilters": [FINANCE]})))
    assert job["Type"] == "DoSessionSearch" and job["Status"] == "Complete"
    assert len(api.get("/Jobs/%s/Results" % job["Id"])["Items"]) == 4
    assert len(users) > 4


def test_logoff_disconnect_hide_unhide(api):
    alice = sessions_of(api, "DEMOLAB\\FIN-004")[0]["Id"]
    disconnected = api.call("POST", "/Sessions/%s/$disconnect" % alice)
    assert disconnected.status_code == 200 and disconnected.json()["State"] == "Disconnected"
    changed = disconnected.json()["FormattedStateChangeTime"]
    again = api.call("POST", "/Sessions/%s/$disconnect" % alice)
    assert again.status_code == 200 and again.json()["FormattedStateChangeTime"] == changed
    assert api.call("POST", "/Sessions/%s/$hide" % alice).status_code == 204
    assert api.get("/Sessions/" + alice)["IsHidden"] is True
    assert api.call("POST", "/Sessions/%s/$unhide" % alice).status_code == 204
    assert api.get("/Sessions/" + alice)["IsHidden"] is False
    assert api.call("POST", "/Sessions/%s/$logoff" % alice).status_code == 204
    assert sessions_of(api, "DEMOLAB\\FIN-004") == []
    for action in ("$logoff", "$disconnect", "$hide", "$unhide"):
        gone = api.call("POST", "/Sessions/%s/%s" % (alice, action))
        assert gone.status_code == 404 and gone.json()["ErrorType"] == "ObjectNotFound"
    ended = api.control("GET", "sessions", params={"machine": "DEMOLAB|FIN-004"})["ended"]
    assert [(entry["User"], entry["EndedBy"], entry["State"]) for entry in ended] == [
        ("DEMOLAB\\alice", "api", "Disconnected")]


def test_async_session_actions_are_jobs(api):
    carol, dave = (session["Id"] for session in sessions_of(api, "DEMOLAB\\OSPREY"))
    for action, job_type in (("$disconnect", "DisconnectSessions"), ("$hide", "HideSession"),
                             ("$unhide", "UnhideSession"), ("$logoff", "LogoffSessions")):
        job = api.wait_job(api.job_id(api.call("POST", "/Sessions/%s/%s" % (carol, action), params={"async": "true"})))
        assert job["Type"] == job_type and job["Status"] == "Complete"
        assert job["Parameters"] == [{"Name": "Id", "Value": carol}]
    message = api.call("POST", "/Sessions/%s/$sendMessage" % dave, params={"async": "true"},
                       json={"Title": "Reboot", "Text": "In 10 minutes", "Style": "Exclamation"})
    job = api.wait_job(api.job_id(message))
    assert job["Type"] == "SendSessionMessage" and job["Status"] == "Complete"
    assert api.get("/Jobs/%s/Results" % job["Id"])["Id"] == dave
    assert [session["User"]["SamName"] for session in sessions_of(api, "DEMOLAB\\OSPREY")] == ["DEMOLAB\\dave"]


def test_messages_are_recorded_per_session(api):
    carol, dave = (session["Id"] for session in sessions_of(api, "DEMOLAB\\OSPREY"))
    sent = api.call("POST", "/Sessions/%s/$sendMessage" % carol, json={"Title": "Reboot", "Text": "In 10 minutes"})
    assert sent.status_code == 200 and sent.json()["Id"] == carol and sent.json()["LogoffInProgress"] is False
    api.call("POST", "/Sessions/%s/$sendMessage" % carol, json={"Text": "In 5 minutes", "Style": "Critical"})
    recorded = {entry["Id"]: entry for entry in api.control("GET", "sessions", params={"machine": "DEMOLAB|OSPREY"})["sessions"]}
    assert [(m["Title"], m["Text"], m["Style"]) for m in recorded[carol]["Messages"]] == [
        ("Reboot", "In 10 minutes", "Information"), ("", "In 5 minutes", "Critical")]
    assert recorded[dave]["Messages"] == []
    assert api.control("GET", "sessions")["messages_sent"] == 2
    for body in ({"Title": "no text"}, {"Text": "x", "Style": "Loud"}, {"Text": 5}, {"Text": "x", "Colour": "red"}):
        bad = api.call("POST", "/Sessions/%s/$sendMessage" % carol, json=body)
        assert bad.status_code == 400, body
    assert api.call("POST", "/Sessions/%s/$sendMessage" % carol, data="x",
                    headers=api.headers(**{"Content-Type": "text/plain"})).status_code == 415


def test_user_logs_off_after_the_nth_message_or_stays(api):
    leaver = add_session(api, "DEMOLAB\\SPARE-01", user="DEMOLAB\\leaver", logoff_after_messages=2)
    stayer = add_session(api, "DEMOLAB\\SPARE-01", user="DEMOLAB\\stayer")
    for _number in range(3):
        for session in (leaver, stayer):
            api.call("POST", "/Sessions/%s/$sendMessage" % session, json={"Text": "Please log off"})
    view = api.control("GET", "sessions", params={"machine": "DEMOLAB|SPARE-01"})
    assert [(entry["User"], len(entry["Messages"])) for entry in view["sessions"]] == [("DEMOLAB\\stayer", 3)]
    assert [(entry["User"], entry["EndedBy"], len(entry["Messages"])) for entry in view["ended"]] == [
        ("DEMOLAB\\leaver", "user", 2)]
    # A user told later (a control call, or a trigger) leaves at their next message.
    api.control("PATCH", "sessions/" + stayer, json={"logoff_after_messages": 4})
    api.call("POST", "/Sessions/%s/$sendMessage" % stayer, json={"Text": "Last call"})
    assert api.control("GET", "sessions", params={"machine": "DEMOLAB|SPARE-01"})["sessions"] == []


def test_trigger_makes_users_leave_after_a_warning(api):
    users = sessions_of(api, "DEMOLAB\\APP-01")
    api.control("POST", "triggers", json={"path_regex": "/Sessions/", "method": "POST", "count": 1,
                                          "action": "logoff_after_messages", "machine": "DEMOLAB\\APP-01",
                                          "user": "DEMOLAB\\erin", "logoff_after_messages": 2})
    for session in users:
        api.call("POST", "/Sessions/%s/$sendMessage" % session["Id"], json={"Text": "Warning 1"})
    assert len(sessions_of(api, "DEMOLAB\\APP-01")) == 3
    for session in users:
        api.call("POST", "/Sessions/%s/$sendMessage" % session["Id"], json={"Text": "Warning 2"})
    assert sorted(s["User"]["SamName"] for s in sessions_of(api, "DEMOLAB\\APP-01")) == ["DEMOLAB\\frank", "DEMOLAB\\grace"]
    # add_session triggers can give the new session its state, age and behaviour.
    api.control("POST", "triggers", json={"path_regex": "/Machines/", "count": 1, "action": "add_session",
                                          "machine": "DEMOLAB\\SPARE-01", "user": "DEMOLAB\\late",
                                          "state": "Disconnected", "minutes_in_state": 90})
    api.get("/Machines/DEMOLAB%7CSPARE-01")
    late = sessions_of(api, "DEMOLAB\\SPARE-01")
    assert [(s["User"]["SamName"], s["State"]) for s in late] == [("DEMOLAB\\late", "Disconnected")]
    bad = api.http.post(api.url + "/_sim/triggers", json={"path_regex": "x", "action": "add_session",
                                                          "machine": "DEMOLAB\\SPARE-01", "state": "Sleeping"})
    assert bad.status_code == 400


def test_no_new_logon_behind_the_fence(api):
    api.call("PATCH", "/Machines/DEMOLAB%7CSPARE-01", json={"InMaintenanceMode": True})
    refused = api.http.post(api.url + "/_sim/machines/DEMOLAB%7CSPARE-01/sessions", json={"user": "DEMOLAB\\zoe"})
    assert refused.status_code == 409
    bad = api.http.post(api.url + "/_sim/machines/DEMOLAB%7CSPARE-02/sessions", json={"mood": "happy"})
    assert bad.status_code == 400


def test_session_actions_inside_batch(api):
    token = api.sign_in()
    auth = [{"Name": "Authorization", "Value": "Bearer " + token}]
    carol, dave = (session["Id"] for session in sessions_of(api, "DEMOLAB\\OSPREY"))
    bob = sessions_of(api, "DEMOLAB\\FIN-005")[0]["Id"]
    items = [
        {"Reference": "m0", "Method": "POST", "RelativeUrl": "/Sessions/%s/$sendMessage" % carol, "Headers": auth,
         "Body": json.dumps({"Title": "Reboot", "Text": "Soon", "Style": "Information"})},
        {"Reference": "d1", "Method": "POST", "RelativeUrl": "/Sessions/%s/$disconnect" % dave, "Headers": auth},
        {"Reference": "h2", "Method": "POST", "RelativeUrl": "/Sessions/%s/$hide" % dave, "Headers": auth},
        {"Reference": "l3", "Method": "POST", "RelativeUrl": "/Sessions/%s/$logoff" % bob, "Headers": auth},
        {"Reference": "l4", "Method": "POST", "RelativeUrl": "/Sessions/%s/$logoff" % bob, "Headers": auth},
        {"Reference": "s5", "Method": "POST", "RelativeUrl": "/Sessions/$search?limit=10", "Headers": auth,
         "Body": json.dumps({"SearchFilters": [FINANCE]})},
    ]
    api.control("DELETE", "requests")
    answer = api.call("POST", "/$batch", json={"Items": items})
    assert answer.status_code == 200
    codes = {item["Reference"]: item["Code"] for item in answer.json()["Items"]}
    assert codes == {"m0": 200, "d1": 200, "h2": 204, "l3": 204, "l4": 404, "s5": 200}
    found = json.loads(next(item["Body"] for item in answer.json()["Items"] if item["Reference"] == "s5"))
    assert sorted(item["User"]["SamName"] for item in found["Items"]) == ["DEMOLAB\\alice", "DEMOLAB\\carol",
                                                                          "DEMOLAB\\dave"]
    view = {entry["User"]: entry for entry in api.control("GET", "sessions")["sessions"]}
    assert len(view["DEMOLAB\\carol"]["Messages"]) == 1
    assert view["DEMOLAB\\dave"]["State"] == "Disconnected" and view["DEMOLAB\\dave"]["IsHidden"] is True
    assert "DEMOLAB\\bob" not in view
    log = api.control("GET", "requests")["requests"]
    assert [entry["batch_item"] for entry in log] == [True] * 6 + [False]


def test_a_site_without_session_search(api):
    for status in (400, 404, 405, 501):
        api.control("POST", "options", json={"session_search_status": status})
        refused = api.call("POST", "/Sessions/$search", json={"SearchFilters": [FINANCE]})
        assert refused.status_code == status and refused.json()["ErrorMessage"]
    assert api.http.post(api.url + "/_sim/options", json={"session_search_status": 500}).status_code == 400
    api.control("POST", "options", json={"session_search_status": None})
    assert api.call("POST", "/Sessions/$search", json={"SearchFilters": [FINANCE]}).status_code == 200


def test_the_date_header_is_the_simulated_clock(api):
    state = api.control("GET", "state")
    answer = api.call("GET", "/me", site=False)
    date = datetime.strptime(answer.headers["Date"], "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=timezone.utc)
    now = datetime.strptime(state["now"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    # Read after the state: the same simulated clock, a little later (never the wall clock when time runs faster).
    assert timedelta(0) <= date - now < timedelta(seconds=60)


def test_generated_estate_with_stale_disconnected_sessions(api):
    scenario = {"customer": {"id": api.customer_id}, "api_clients": [
        {"client_id": api.client_id, "client_secret": api.client_secret}], "sites": [{
            "name": "cloudxdsite", "id": api.site_id, "generate": [{
                "catalog": "Pool", "machines": 200, "idle_share": 0.5, "disconnected_share": 0.5,
                "disconnected_minutes": 600, "leaving_share": 0.5, "leave_after_messages": 2,
                "delivery_group": "Pool-Desktops", "seed": 7}]}]}
    api.control("POST", "reset", json={"scenario": scenario})
    api.token = None
    now = api.control("GET", "state")["now"]
    sessions = api.control("GET", "sessions")["sessions"]
    stale = [entry for entry in sessions if entry["State"] == "Disconnected"]
    assert 0 < len(stale) < len(sessions)
    old = {"Property": "SessionStateChangeTime", "Operator": "LessThan", "Value": moment(now, 480)}
    assert len(search(api, [{"Property": "SessionState", "Operator": "Equals", "Value": "Disconnected"}, old])[0]) == \
        len(stale)
    leaving = [entry for entry in sessions if entry["LogoffAfterMessages"] == 2]
    assert leaving and all(entry["State"] == "Active" for entry in leaving)
    assert len(leaving) + len(stale) < len(sessions)


def test_narrowing_to_named_scopes_finds_what_the_full_evaluation_finds(api):
    # Equals on catalogs, groups and machines narrows the machines looked at; StartsWith/EndsWith do not.
    for prop, value in (("MachineCatalog", "Finance-Pooled"), ("DeliveryGroup", "Shared-Apps"),
                        ("MachineName", "DEMOLAB\\OSPREY"), ("MachineCatalog", "Apps\\Apps-Shared")):
        narrowed = search(api, [{"Property": prop, "Operator": "Equals", "Value": value}])[0]
        full = search(api, [{"Property": prop, "Operator": "StartsWith", "Value": value},
                            {"Property": prop, "Operator": "EndsWith", "Value": value}])[0]
        assert narrowed == full and narrowed, (prop, value)
    machine_id = api.get("/Machines/DEMOLAB%7COSPREY")["Id"]
    assert search(api, [{"Property": "MachineName", "Operator": "Equals", "Value": machine_id}])[0] == []
    grouped = search(api, [], SearchFilterGroups=[{"SearchFilterGroupType": "Or", "SearchFilters": [
        {"Property": "MachineName", "Operator": "Equals", "Value": "DEMOLAB\\OSPREY"},
        {"Property": "UserName", "Operator": "Equals", "Value": "DEMOLAB\\alice"}]}])[0]
    assert sorted(grouped) == ["DEMOLAB\\alice", "DEMOLAB\\carol", "DEMOLAB\\dave"]


def test_basic_search_start_time_and_app_state(api):
    now = api.control("GET", "state")["now"]
    add_session(api, "DEMOLAB\\SPARE-01", user="DEMOLAB\\early", minutes_in_state=300)
    assert search(api, BasicSearchString="EARLY")[0] == ["DEMOLAB\\early"]
    assert sorted(search(api, BasicSearchString="osprey")[0]) == ["DEMOLAB\\carol", "DEMOLAB\\dave"]
    started = {"Property": "StartTime", "Operator": "LessThan", "Value": moment(now, 120)}
    assert search(api, [started])[0] == ["DEMOLAB\\early"]
    apps = {"Property": "AppState", "Operator": "Equals", "Value": "Active"}
    assert sorted(search(api, [apps])[0]) == ["DEMOLAB\\erin", "DEMOLAB\\frank", "DEMOLAB\\grace", "DEMOLAB\\heidi"]
