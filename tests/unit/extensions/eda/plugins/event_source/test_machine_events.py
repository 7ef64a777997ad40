# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The machine_events source: arguments, change detection and derived events (pure), and its poll loop (fake client)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import asyncio
import gc
import logging
import traceback
import weakref

import pytest

from ansible_collections.citrix_cloud.daas.extensions.eda.plugins.event_source import machine_events as source

SEEN = "2026-11-28T08:00:00Z"
ENV = {"CITRIX_CUSTOMER_ID": "cust", "CITRIX_CLIENT_ID": "cid", "CITRIX_CLIENT_SECRET": "s3cret-value"}


def item(machine_id="m1", **fields):
    body = {"Id": machine_id, "Name": "DEMOLAB\\" + machine_id.upper(), "MachineCatalog": {"Id": "c", "Name": "Pool"},
            "DeliveryGroup": {"Id": "g", "Name": "Desktops"}, "PowerState": "On", "RegistrationState": "Registered",
            "InMaintenanceMode": False, "SessionCount": 0, "Tags": [], "FormattedLastDeregistrationTime": None}
    body.update(fields)
    return body


def machine(machine_id="m1", **fields):
    return source.machine_from_item(item(machine_id, **fields))


def kinds(events):
    return [(e["type"], e["machine"]["id"], e["old"], e["new"]) for e in events]


# ---- arguments ---------------------------------------------------------------------------------

def test_settings_come_from_the_environment_with_defaults():
    settings = source.parse_args({"catalogs": ["Pool", "Pool", "Other"]}, ENV)
    assert settings["customer_id"] == "cust" and settings["client_secret"] == "s3cret-value"
    assert settings["interval"] == 60 and settings["region"] == "us" and settings["retries"] == 5
    assert settings["catalogs"] == ["Pool", "Other"]
    assert settings["changes"] == frozenset(source.CHANGES)
    assert settings["unregistered_minutes"] is None


def test_arguments_win_over_the_environment():
    settings = source.parse_args({"customer_id": "mine", "region": "EU", "changes": "tags, presence"}, ENV)
    assert settings["customer_id"] == "mine" and settings["region"] == "eu"
    assert settings["changes"] == frozenset(["tags", "presence"])


@pytest.mark.parametrize("args, env, message", [
    ({}, {}, "customer_id is required"),
    ({"customer_id": "c"}, {}, "either token or client_id and client_secret"),
    ({"customer_id": "c", "client_id": "x", "token": "t"}, {}, "client_id and client_secret go together"),
    ({"interval": 0}, ENV, "interval must be 0.1 or more, got 0"),
    ({"interval": "soon"}, ENV, "interval must be a number, got 'soon'"),
    ({"changes": ["power", "tags"]}, ENV, "changes: unknown power"),
    ({"catalogs": [1]}, ENV, "catalogs must be a list of names"),
    ({"region": "mars"}, ENV, "region must be one of"),
    ({"retries": 1.5}, ENV, "retries must be a whole number"),
    ({"validate_certs": "maybe"}, ENV, "validate_certs must be true or false"),
    ({"unregistered_minutes": -1}, ENV, "unregistered_minutes must be 0 or more"),
    ({"intervall": 5}, ENV, "unknown argument intervall"),
])
def test_bad_arguments_name_the_option(args, env, message):
    with pytest.raises(source.SettingsError, match=message):
        source.parse_args(args, env)


def test_scopes_are_the_named_collections_else_the_site():
    settings = source.parse_args({"catalogs": ["Pool"], "delivery_groups": ["Desktops"]}, ENV)
    assert source.scopes(settings) == [("catalog", "Pool"), ("delivery group", "Desktops")]
    assert source.scopes(source.parse_args({}, ENV)) == [(None, None)]


# ---- change detection --------------------------------------------------------------------------

def test_a_machine_item_keeps_the_compared_values():
    state = machine(SessionCount=None, Tags=["a", None], FormattedLastDeregistrationTime="2026-11-28T07:00:00Z",
                    DeliveryGroup=None)
    assert state.session_count == 0 and state.tags == ("a",) and state.delivery_group is None
    assert source._rfc3339(state.deregistered_at) == "2026-11-28T07:00:00Z"


def test_snapshot_counts_a_machine_of_two_scopes_once_and_skips_items_without_id():
    current = source.snapshot([item("m1"), item("m1"), {"Name": "x"}, "junk"])
    assert list(current) == ["m1"]


def test_each_kind_of_change_is_one_event_with_old_and_new():
    before = machine(PowerState="On", RegistrationState="Registered", InMaintenanceMode=False)
    after = machine(PowerState="Off", RegistrationState="Unregistered", InMaintenanceMode=True)
    events = source.compare({"m1": before}, {"m1": after}, frozenset(source.CHANGES), SEEN)
    assert kinds(events) == [("power_state", "m1", "On", "Off"), ("registration_state", "m1", "Registered", "Unregistered"),
                             ("maintenance_mode", "m1", False, True)]
    assert events[0]["machine"] == {"id": "m1", "name": "DEMOLAB\\M1", "catalog": "Pool", "delivery_group": "Desktops"}
    assert events[0]["seen_at"] == SEEN


@pytest.mark.parametrize("old, new, fires", [(0, 1, True), (2, 0, True), (1, 3, False), (0, 0, False)])
def test_session_count_reports_only_going_to_and_leaving_zero(old, new, fires):
    events = source.compare({"m1": machine(SessionCount=old)}, {"m1": machine(SessionCount=new)},
                            frozenset(["session_count"]), SEEN)
    assert kinds(events) == ([("session_count", "m1", old, new)] if fires else [])


def test_tags_compare_without_case_and_list_what_was_added_and_removed():
    before = machine(Tags=["reboot-ok", "Fence"])
    assert source.compare({"m1": before}, {"m1": machine(Tags=["REBOOT-OK", "fence"])}, frozenset(["tags"]), SEEN) == []
    events = source.compare({"m1": before}, {"m1": machine(Tags=["reboot-ok", "new"])}, frozenset(["tags"]), SEEN)
    assert len(events) == 1
    assert events[0]["added"] == ["new"] and events[0]["removed"] == ["Fence"]
    assert events[0]["old"] == ["reboot-ok", "Fence"] and events[0]["new"] == ["reboot-ok", "new"]


def test_machines_appearing_and_disappearing():
    events = source.compare({"m1": machine("m1")}, {"m2": machine("m2")}, frozenset(source.CHANGES), SEEN)
    assert kinds(events) == [("machine_added", "m2", None, "present"), ("machine_removed", "m1", "present", None)]


def test_only_the_chosen_changes_are_reported():
    before, after = machine(PowerState="On", Tags=[]), machine(PowerState="Off", Tags=["x"])
    events = source.compare({"m1": before}, {"m2": after, "m1": after}, frozenset(["tags"]), SEEN)
    assert kinds(events) == [("tags", "m1", [], ["x"])]


def test_the_first_poll_is_a_baseline_and_later_polls_report():
    watcher = source.Watcher(source.parse_args({}, ENV))
    assert watcher.update({"m1": machine(PowerState="On")}, 1000.0) == []
    assert kinds(watcher.update({"m1": machine(PowerState="Off")}, 1030.0)) == [("power_state", "m1", "On", "Off")]
    assert watcher.update({"m1": machine(PowerState="Off")}, 1060.0) == []


# ---- derived events ----------------------------------------------------------------------------

def test_unregistered_too_long_counts_from_when_first_seen_and_fires_once():
    down = {"m1": machine(RegistrationState="Unregistered")}
    events, timers = source.overdue(down, {}, 1000.0, SEEN, unregistered_minutes=10)
    assert events == [] and timers["m1"].unregistered_since == 1000.0
    events, timers = source.overdue(down, timers, 1599.0, SEEN, unregistered_minutes=10)
    assert events == []
    events, timers = source.overdue(down, timers, 1600.0, SEEN, unregistered_minutes=10)
    assert kinds(events) == [("unregistered_too_long", "m1", None, "Unregistered")]
    assert events[0]["minutes"] == 10.0 and events[0]["since"] == "1970-01-01T00:16:40Z"
    events, timers = source.overdue(down, timers, 9999.0, SEEN, unregistered_minutes=10)
    assert events == []
    # Registered again, then unregistered: a new period, reported again.
    _events, timers = source.overdue({"m1": machine()}, timers, 10000.0, SEEN, unregistered_minutes=10)
    assert "m1" not in timers or timers["m1"].unregistered_since is None
    _events, timers = source.overdue(down, timers, 10001.0, SEEN, unregistered_minutes=10)
    events, timers = source.overdue(down, timers, 10601.0, SEEN, unregistered_minutes=10)
    assert len(events) == 1


def test_unregistered_since_uses_the_api_time_when_it_is_in_the_past():
    past = machine(RegistrationState="Unregistered", FormattedLastDeregistrationTime="1970-01-01T00:00:00Z")
    events, _timers = source.overdue({"m1": past}, {}, 601.0, SEEN, unregistered_minutes=10)
    assert kinds(events) == [("unregistered_too_long", "m1", None, "Unregistered")]
    future = machine(RegistrationState="Unregistered", FormattedLastDeregistrationTime="2100-01-01T00:00:00Z")
    events, timers = source.overdue({"m1": future}, {}, 601.0, SEEN, unregistered_minutes=10)
    assert events == [] and timers["m1"].unregistered_since == 601.0


def test_idle_too_long_needs_on_registered_and_no_session_all_along():
    idle = {"m1": machine()}
    events, timers = source.overdue(idle, {}, 0.0, SEEN, idle_minutes=5)
    assert events == []
    _events, timers = source.overdue({"m1": machine(SessionCount=1)}, timers, 100.0, SEEN, idle_minutes=5)
    _events, timers = source.overdue(idle, timers, 200.0, SEEN, idle_minutes=5)
    events, timers = source.overdue(idle, timers, 499.0, SEEN, idle_minutes=5)
    assert events == []
    events, timers = source.overdue(idle, timers, 500.0, SEEN, idle_minutes=5)
    assert kinds(events) == [("idle_too_long", "m1", None, "idle")]
    assert source.overdue(idle, timers, 900.0, SEEN, idle_minutes=5)[0] == []


def test_no_limits_no_derived_events_and_no_timers_for_machines_at_rest():
    events, timers = source.overdue({"m1": machine(SessionCount=2)}, {}, 0.0, SEEN)
    assert events == [] and timers == {}


def test_backoff_doubles_and_stops_at_five_minutes():
    assert [source.backoff_delay(n, 30) for n in (1, 2, 3, 5, 9)] == [30, 60, 120, 300, 300]
    assert source.backoff_delay(1, 0.2) == 1.0
    assert source.backoff_delay(3, 600) == 600


# ---- the poll loop, with a fake client ---------------------------------------------------------

class FakeError(Exception):
    def __init__(self, message, transient):
        super().__init__(message)
        self.transient = transient


class FakeClient:
    """Answers each poll from a list: a list of items, or an exception to raise."""

    instances = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.answers = []
        self.scopes = []
        self.signed_in = 0
        self.closed = False
        self.warnings = []
        self.can_sign_in = bool(kwargs.get("client_id"))
        FakeClient.instances.append(self)

    def sign_in(self):
        self.signed_in += 1

    def scope_machines(self, kind, name, fields, page_size=None):
        self.scopes.append((kind, name, fields, page_size))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return list(answer)

    def close(self):
        self.closed = True


def run_source(monkeypatch, answers, args, wanted):
    """Run main() until `wanted` events are queued, then cancel it; returns (events, client)."""
    FakeClient.instances = []
    monkeypatch.setattr(source, "_import_client", lambda: (lambda settings: FakeClient(**settings), FakeError))
    monkeypatch.setattr(source, "backoff_delay", lambda failures, interval: 0.01)
    original_init = FakeClient.__init__

    def init(self, **kwargs):
        original_init(self, **kwargs)
        self.answers = list(answers)
    monkeypatch.setattr(FakeClient, "__init__", init)

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(source.main(queue, dict(args, customer_id="cust", client_id="cid",
                                                             client_secret="s3cret-value")))
        events = []
        for _count in range(wanted):
            events.append(await asyncio.wait_for(queue.get(), 30))
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return events
    return asyncio.run(scenario()), FakeClient.instances[0]


def test_main_signs_in_once_reads_trimmed_pages_and_reports_a_change(monkeypatch):
    answers = [[item("m1")], [item("m1", RegistrationState="Unregistered")]]
    events, client = run_source(monkeypatch, answers, {"catalogs": ["Pool"], "interval": 0.1}, 1)
    assert kinds(events) == [("registration_state", "m1", "Registered", "Unregistered")]
    assert client.signed_in == 1 and client.closed
    assert client.scopes[0] == ("catalog", "Pool", source.FIELDS, 1000)


def test_main_survives_transient_errors_and_logs_them_without_secrets(monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="citrix_cloud.daas.machine_events")
    answers = [[item("m1")], FakeError("Service unavailable: HTTP 503", True),
               FakeError("Cannot connect\nto host", True), [item("m1", PowerState="Off")]]
    events, _client = run_source(monkeypatch, answers, {"interval": 0.1}, 1)
    assert kinds(events) == [("power_state", "m1", "On", "Off")]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and "(2 in a row)" in warnings[1] and "Cannot connect to host" in warnings[1]
    assert "s3cret-value" not in caplog.text


def test_a_failure_after_the_baseline_keeps_the_state_so_no_machine_seems_gone(monkeypatch):
    answers = [[item("m1"), item("m2")], FakeError("HTTP 404", False), [item("m1"), item("m2", SessionCount=1)]]
    events, _client = run_source(monkeypatch, answers, {"interval": 0.1}, 1)
    assert kinds(events) == [("session_count", "m2", 0, 1)]


def test_main_stops_with_a_one_line_error_when_the_first_poll_cannot_work(monkeypatch):
    FakeClient.instances = []
    monkeypatch.setattr(source, "_import_client", lambda: (lambda settings: FakeClient(**settings), FakeError))

    def not_found(*_args, **_kwargs):
        raise FakeError("catalog 'Nope' was not found: HTTP 404", False)
    monkeypatch.setattr(FakeClient, "scope_machines", not_found)
    with pytest.raises(source.FirstPollError, match="^citrix_cloud.daas.machine_events: catalog 'Nope' was not found"):
        asyncio.run(source.main(asyncio.Queue(), dict(catalogs=["Nope"], **{"customer_id": "c", "token": "t"})))
    assert FakeClient.instances[0].signed_in == 0 and FakeClient.instances[0].closed


def test_main_refuses_bad_arguments_before_any_request(monkeypatch):
    FakeClient.instances = []
    monkeypatch.setattr(source, "_import_client", lambda: (lambda settings: FakeClient(**settings), FakeError))
    with pytest.raises(source.SettingsError, match="^citrix_cloud.daas.machine_events: interval must be"):
        asyncio.run(source.main(asyncio.Queue(), {"customer_id": "c", "token": "t", "interval": -1}))
    assert FakeClient.instances == []


def test_the_source_uses_the_collections_client():
    new_client, error_class = source._import_client()
    settings = source.parse_args({"api_url": "http://127.0.0.1:9", "site_id": "s"}, ENV)
    client = new_client(source.connection_of(settings))
    assert type(client).__name__ == "DaaSClient" and issubclass(error_class, Exception)
    assert "s3cret-value" not in repr(client)


def frames_ansible_rulebook_prints(err):
    """The frames ansible-rulebook logs under a failed source's message (app.log_exception_without_data)."""
    return traceback.extract_tb(err.__traceback__) if err.__traceback__ is not None else []


def test_a_first_poll_or_settings_failure_shows_no_frame_dump(monkeypatch):
    FakeClient.instances = []
    monkeypatch.setattr(source, "_import_client", lambda: (lambda settings: FakeClient(**settings), FakeError))

    def not_found(*_args, **_kwargs):
        raise FakeError("catalog 'Nope' was not found", False)
    monkeypatch.setattr(FakeClient, "scope_machines", not_found)
    for args, error in ((dict(catalogs=["Nope"], customer_id="c", token="t"), source.FirstPollError),
                        ({"customer_id": "c", "token": "t", "interval": -1}, source.SettingsError)):
        with pytest.raises(error) as caught:
            asyncio.run(source.main(asyncio.Queue(), args))
        assert frames_ansible_rulebook_prints(caught.value) == []
        assert "\n" not in str(caught.value)


def test_a_client_that_cannot_be_made_is_a_one_line_settings_error(monkeypatch):
    def refuse(settings):
        raise FakeError("ca_path /nope does not exist: give the path of a CA certificate file", False)
    monkeypatch.setattr(source, "_import_client", lambda: (refuse, FakeError))
    with pytest.raises(source.SettingsError, match="^citrix_cloud.daas.machine_events: ca_path /nope does not exist"):
        asyncio.run(source.main(asyncio.Queue(), {"customer_id": "c", "token": "t"}))


class Item(dict):
    """A machine of a page that a weak reference can follow."""
    __slots__ = ("__weakref__",)


def test_pages_are_processed_as_they_arrive_and_none_is_kept():
    pages, alive_before_each_page, references = 12, [], []

    class PagedClient:
        def scope_machines(self, kind, name, fields, page_size=None):
            for page in range(pages):
                gc.collect()
                alive_before_each_page.append(sum(1 for reference in references if reference() is not None))
                items = [Item(item("m-%d-%d" % (page, n))) for n in range(50)]
                references.extend(weakref.ref(one) for one in items)
                yield from items
                del items

    settings = source.parse_args({"catalogs": ["Pool"]}, ENV)
    machines = source.read_machines(PagedClient(), settings)
    assert len(machines) == pages * 50
    assert len(alive_before_each_page) == pages and max(alive_before_each_page) <= 1
