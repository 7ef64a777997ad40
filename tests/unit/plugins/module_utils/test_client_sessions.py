# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of DaaSClient's session calls and of the session rules: the action requests, the message body, the
search (and its listing fallback), the retry of repeatable actions, the server's clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils import _sessions
from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import BatchRequest
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.module_utils.test_client import (  # noqa: F401 pylint: disable=unused-import
    MANAGE,
    fake_time,
    make_client,
    signed_in,
)

UTC = datetime.timezone.utc


def session(user, state="Active", since="2026-12-01T10:00:00Z", machine="DEMOLAB\\FIN-004", catalog="Finance",
            group="Finance-Desktops", hidden=False):
    """A SessionResponseModel as the API answers it (the properties the rules read)."""
    return {"Id": "id-" + user, "State": state, "FormattedStateChangeTime": since, "IsHidden": hidden,
            "User": {"SamName": "DEMOLAB\\" + user},
            "Machine": {"Name": machine, "MachineCatalog": {"Name": catalog, "Id": "cat-1"},
                        "DeliveryGroup": {"Name": group, "Id": "dg-1"}}}


def test_action_requests_and_message_body(make_client):
    client = make_client()
    body = client.message_body("Reboot", "In %m% minutes", "Exclamation")
    assert body == {"Title": "Reboot", "Text": "In %m% minutes", "Style": "Exclamation"}
    assert client.session_action_request("a b", "sendMessage", body) == \
        BatchRequest("POST", "/Sessions/a%20b/$sendMessage", body)
    for action in ("logoff", "disconnect", "hide", "unhide"):
        assert client.session_action_request("s1", action) == BatchRequest("POST", "/Sessions/s1/$" + action, None)
    assert client.session_read_request("s1", ["Id", "State"]) == BatchRequest("GET", "/Sessions/s1?fields=Id,State", None)
    with pytest.raises(DaaSError, match="Unknown session action 'kill'"):
        client.session_action_request("s1", "kill")
    with pytest.raises(DaaSError, match="needs message_body"):
        client.session_action_request("s1", "sendMessage")
    with pytest.raises(DaaSError, match="Unknown message style 'Loud'"):
        client.message_body("t", "x", "Loud")
    with pytest.raises(DaaSError, match="needs a text"):
        client.message_body("t", " ")


def test_search_sends_the_selector_as_filters_and_groups(requests_mock, make_client, signed_in):
    route = requests_mock.post(MANAGE + "/Sessions/$search", json={"Items": [session("bob")], "ContinuationToken": None})
    filters = _sessions.selector_filters(catalogs=["Finance"], users=["DEMOLAB\\bob", "carol"], states=["Disconnected"],
                                         changed_before=datetime.datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert make_client().search_sessions(filters, fields=["Id", "State"]) == [session("bob")]
    assert route.last_request.qs["fields"] == ["id,state"]
    assert route.last_request.json() == {
        "SearchFilters": [{"Property": "MachineCatalog", "Operator": "Equals", "Value": "Finance"},
                          {"Property": "SessionState", "Operator": "Equals", "Value": "Disconnected"},
                          {"Property": "SessionStateChangeTime", "Operator": "LessThan", "Value": "2026-12-01T12:00:00Z"}],
        "SearchFilterGroups": [{"SearchFilterGroupType": "Or", "SearchFilters": [
            {"Property": "UserName", "Operator": "Equals", "Value": "DEMOLAB\\bob"},
            {"Property": "UserName", "Operator": "Equals", "Value": "carol"}]}],
        "SearchFilterGroupsType": "And"}


@pytest.mark.parametrize("status", [400, 404, 405, 501])
def test_search_falls_back_to_the_listing_filtered_here(requests_mock, make_client, signed_in, status):
    requests_mock.post(MANAGE + "/Sessions/$search", status_code=status, json={"ErrorMessage": "no"})
    listed = [session("alice"), session("bob", "Disconnected", "2026-12-01T01:00:00Z"),
              session("carol", "Disconnected", "2026-12-01T11:59:00Z"), session("dave", "Disconnected", machine="X\\Y",
                                                                                catalog="Other", group="Other")]
    requests_mock.get(MANAGE + "/Sessions", json={"Items": listed, "ContinuationToken": None})
    client = make_client()
    filters = _sessions.selector_filters(delivery_groups=["finance-desktops"], states=["Disconnected"],
                                         changed_before=datetime.datetime(2026, 12, 1, 11, 0, tzinfo=UTC))
    assert client.search_sessions(filters, fields=["Id"]) == [{"Id": "id-bob"}]
    assert any("Sessions/$search with HTTP %d" % status in warning for warning in client.warnings)


def test_search_failing_otherwise_is_an_error(requests_mock, make_client, signed_in):
    requests_mock.post(MANAGE + "/Sessions/$search", status_code=403, json={"ErrorMessage": "Forbidden"})
    with pytest.raises(DaaSError) as err:
        make_client().search_sessions([])
    assert err.value.status == 403


def test_repeatable_actions_are_sent_again_after_a_fault_messages_are_not(requests_mock, make_client, signed_in):
    answers = iter([{"status_code": 503, "json": {"ErrorMessage": "busy"}}, {"json": None}])

    def answer(request, context):
        reply = next(answers)
        context.status_code = reply.get("status_code", 200)
        if context.status_code == 200:
            return {"Items": [{"Reference": item["Reference"], "Code": 204, "Headers": [], "Body": None}
                              for item in request.json()["Items"]]}
        return reply["json"]
    route = requests_mock.post(MANAGE + "/$batch", json=answer)
    client = make_client(retries=0)
    requests = [client.session_action_request("s1", "logoff"),
                client.session_action_request("s2", "sendMessage", client.message_body("", "hi"))]
    outcomes = client.session_actions(requests)
    assert outcomes[0].status == 204 and outcomes[0].error is None
    assert outcomes[1].error is not None and outcomes[1].error.transient
    assert [item["RelativeUrl"] for item in route.last_request.json()["Items"]] == ["/Sessions/s1/$logoff"]


def test_server_time_is_the_date_header(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/me", json={}, headers={"Date": "Tue, 01 Dec 2026 12:30:00 GMT"})
    assert make_client().server_time() == datetime.datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    requests_mock.get(MANAGE + "/me", json={})
    assert abs((make_client().server_time() - datetime.datetime.now(UTC)).total_seconds()) < 60


def test_rules_minutes_in_state_and_what_an_action_changes():
    now = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert _sessions.minutes_in_state(session("a", since="2026-12-01T03:59:30Z"), now) == 480
    assert _sessions.minutes_in_state({"FormattedStateChangeTime": None}, now) is None
    assert _sessions.unchanged_reason("disconnect", session("a", "Disconnected")) == "already disconnected"
    assert _sessions.unchanged_reason("disconnect", session("a")) is None
    assert _sessions.unchanged_reason("hide", session("a", hidden=True)) == "already hidden"
    assert _sessions.unchanged_reason("unhide", session("a")) == "already visible"
    assert _sessions.unchanged_reason("logoff", session("a")) is None
    assert _sessions.matches(session("bob"), _sessions.selector_filters(machines=["demolab\\fin-004"], users=["BOB"]))
    assert not _sessions.matches(session("bob"), _sessions.selector_filters(catalogs=["Other", "Another"]))
    assert _sessions.matches(session("bob"), [_sessions.search_filter("MachineCatalog", "cat-1")])
    with pytest.raises(ValueError):
        _sessions.matches(session("bob"), [_sessions.search_filter("Tags", "x")])
    assert json.dumps(_sessions.search_body([]))
