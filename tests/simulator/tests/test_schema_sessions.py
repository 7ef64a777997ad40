"""Session actions and ``Sessions/$search`` against the official spec (loaded as test_schema does): the requests
the collection sends, the answers, their errors and their jobs."""

import json

from test_schema import check, spec  # pylint: disable=unused-import

FINANCE = {"Property": "MachineCatalog", "Operator": "Equals", "Value": "Finance-Pooled"}


def _session_ids(api, machine):
    return [session["Id"] for session in api.get("/Machines/%s/Sessions" % machine)["Items"]]


def test_session_search(api, spec):  # pylint: disable=redefined-outer-name
    body = {"SearchFilters": [FINANCE, {"Property": "SessionStateChangeTime", "Operator": "LessThan",
                                        "Value": "2999-01-01T00:00:00Z"}],
            "SearchFilterGroups": [{"SearchFilterGroupType": "Or", "SearchFilters": [
                {"Property": "SessionState", "Operator": "Equals", "Value": state} for state in ("Active", "Disconnected")]}],
            "SortCriteriaItems": [{"Property": "UserName", "SortDirection": "Ascending"}]}
    spec.validate(body, {"$ref": "#/components/schemas/MachineAndSessionSearchRequestModel"})
    found = api.call("POST", "/Sessions/$search", json=body)
    assert found.status_code == 200 and found.json()["TotalItems"] == 4
    check(spec, found.json(), "POST", "/Sessions/$search")
    bad = api.call("POST", "/Sessions/$search", json={"SearchFilters": [{"Property": "Nope", "Operator": "Equals"}]})
    check(spec, bad.json(), "POST", "/Sessions/$search", 400)
    job = api.wait_job(api.job_id(api.call("POST", "/Sessions/$search", params={"async": "true"}, json=body)))
    check(spec, job, "GET", "/Jobs/{id}")
    check(spec, api.get("/Jobs/%s/Results" % job["Id"]), "POST", "/Sessions/$search")


def test_session_actions(api, spec):  # pylint: disable=redefined-outer-name
    carol, dave = _session_ids(api, "DEMOLAB%7COSPREY")
    message = {"Style": "Exclamation", "Title": "Reboot tonight", "Text": "Please save your work"}
    spec.validate(message, {"$ref": "#/components/schemas/SendMessageRequestModel"})
    sent = api.call("POST", "/Sessions/%s/$sendMessage" % carol, json=message)
    check(spec, sent.json(), "POST", "/Sessions/{id}/$sendMessage")
    disconnected = api.call("POST", "/Sessions/%s/$disconnect" % carol)
    check(spec, disconnected.json(), "POST", "/Sessions/{id}/$disconnect")
    for action in ("$hide", "$unhide", "$logoff"):
        answer = api.call("POST", "/Sessions/%s/%s" % (carol, action))
        assert answer.status_code == 204 and not answer.content
    check(spec, api.get("/Sessions/" + dave), "GET", "/Sessions/{id}")
    for action in ("$logoff", "$disconnect", "$hide", "$unhide"):
        gone = api.call("POST", "/Sessions/%s/%s" % (carol, action))
        assert gone.status_code == 404
        check(spec, gone.json(), "POST", "/Sessions/{id}/%s" % action, 404)
    refused = api.call("POST", "/Sessions/%s/$sendMessage" % dave, json={"Style": "Loud", "Text": "x"})
    check(spec, refused.json(), "POST", "/Sessions/{id}/$sendMessage", 400)
    for action, body in (("$sendMessage", message), ("$disconnect", None), ("$hide", None), ("$logoff", None)):
        job = api.wait_job(api.job_id(api.call("POST", "/Sessions/%s/%s" % (dave, action), params={"async": "true"},
                                               json=body)))
        check(spec, job, "GET", "/Jobs/{id}")


def test_session_actions_in_batch_answers(api, spec):  # pylint: disable=redefined-outer-name
    token = api.sign_in()
    carol = _session_ids(api, "DEMOLAB%7COSPREY")[0]
    auth = [{"Name": "Authorization", "Value": "Bearer " + token}]
    request = {"Items": [
        {"Reference": "m0", "Method": "POST", "RelativeUrl": "/Sessions/%s/$sendMessage" % carol, "Headers": auth,
         "Body": json.dumps({"Text": "Reboot in 10 minutes", "Style": "Information"})},
        {"Reference": "l1", "Method": "POST", "RelativeUrl": "/Sessions/%s/$logoff" % carol, "Headers": auth}]}
    spec.validate(request, {"$ref": "#/components/schemas/BatchRequestModel"})
    answer = api.call("POST", "/$batch", json=request)
    check(spec, answer.json(), "POST", "/$batch")
    sent = next(item for item in answer.json()["Items"] if item["Reference"] == "m0")
    check(spec, json.loads(sent["Body"]), "POST", "/Sessions/{id}/$sendMessage")
