# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-Driven Ansible source citrix_cloud.daas.machine_events: Citrix DaaS machine state changes as events.

Polls the machines of the chosen catalogs or delivery groups (or of the whole site) with trimmed reads, compares
each poll with the previous one and puts one event on the queue per change. The comparison lives in pure functions
(``snapshot``, ``compare``, ``overdue``) that know nothing of HTTP.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
short_description: Citrix DaaS machine state changes as events
description:
  - Polls the machines of Citrix DaaS catalogs or delivery groups (or of the whole site) every O(interval) seconds,
    one page per 1,000 machines with only the fields it compares, and puts one event on the queue per change.
  - Changes are power state, registration state, maintenance mode, session count going to 0 or leaving 0, tags added
    or removed, and a machine appearing or disappearing. The first poll only records the state.
  - Derived events, when asked for, report a machine unregistered for longer than O(unregistered_minutes), or idle
    (no session, On, registered) for longer than O(idle_minutes), once per such period.
  - Signs in once and again when the token expires, waits as the API asks after a 429, logs and backs off after a
    transient error, and never logs a secret.
  - Connects to a Citrix Cloud site or, with O(deployment=on_premises), to an on-premises site's Delivery
    Controllers, with the options and environment variables of the modules (doc fragment citrix_cloud.daas.daas).
options:
  deployment:
    description: V(cloud) or V(on_premises). Default E(CITRIX_DEPLOYMENT), else V(cloud).
    type: str
    choices: [cloud, on_premises]
  customer_id:
    description: Citrix Cloud customer ID (Citrix Cloud only). Default the E(CITRIX_CUSTOMER_ID) environment variable.
    type: str
  controllers:
    description: Delivery Controllers of an on-premises site, tried in order. Default E(CITRIX_CONTROLLERS).
    type: list
    elements: str
  username:
    description: Domain user (C(DOMAIN\user)) of an on-premises site. Default E(CITRIX_USERNAME).
    type: str
  password:
    description: Password of O(username), never logged. Default E(CITRIX_PASSWORD).
    type: str
  client_id:
    description: API client ID. Default E(CITRIX_CLIENT_ID).
    type: str
  client_secret:
    description: API client secret, never logged. Default E(CITRIX_CLIENT_SECRET).
    type: str
  token:
    description: A bearer token instead of signing in. Default E(CITRIX_ACCESS_TOKEN).
    type: str
  site_id:
    description: DaaS site ID, discovered when omitted. Default E(CITRIX_SITE_ID).
    type: str
  region:
    description: Citrix Cloud region. Default E(CITRIX_REGION), else V(us).
    type: str
    choices: [us, eu, ap-s, jp]
  api_url:
    description: API host override. Default E(CITRIX_API_URL).
    type: str
  auth_url:
    description: Sign-in host override. Default E(CITRIX_AUTH_URL).
    type: str
  validate_certs:
    description: Verify TLS certificates (V(false) only on-premises, with a warning).
    type: bool
    default: true
  ca_path:
    description: PEM file of certificate authorities to trust.
    type: path
  timeout:
    description: Seconds to wait for each HTTP response.
    type: float
    default: 30
  retries:
    description: Retries of one request after a 429, 502, 503, 504 or connection error.
    type: int
    default: 5
  interval:
    description: Seconds between the starts of two polls.
    type: float
    default: 60
  catalogs:
    description: Names or IDs of the machine catalogs to watch.
    type: list
    elements: str
  delivery_groups:
    description: Names or IDs of the delivery groups to watch. With neither this nor O(catalogs), the whole site.
    type: list
    elements: str
  changes:
    description: Which changes to report.
    type: list
    elements: str
    choices: [power_state, registration_state, maintenance_mode, session_count, tags, presence]
    default: [power_state, registration_state, maintenance_mode, session_count, tags, presence]
  unregistered_minutes:
    description: Report a machine unregistered for longer than this (event type V(unregistered_too_long)).
    type: float
  idle_minutes:
    description: Report a machine idle (no session, On, registered) for longer than this (V(idle_too_long)).
    type: float
'''

EXAMPLES = r'''
- name: Watch a catalog
  hosts: all
  sources:
    - citrix_cloud.daas.machine_events:
        catalogs: [W11-Pooled]
        interval: 30
        unregistered_minutes: 10
  rules:
    - name: Show every change
      condition: event.type is defined
      action:
        print_event:
'''

import asyncio
import datetime
import importlib
import logging
import os
import sys
from collections import namedtuple


MODULE_UTILS = "ansible_collections.citrix_cloud.daas.plugins.module_utils."


def _collection_module(name):
    """A module of the collection's module_utils (_client, _http, _machine).

    ansible-rulebook runs this file by its path: when the collections folder it sits in is not on sys.path, that
    folder is added (.../ansible_collections/citrix_cloud/daas/extensions/eda/plugins/event_source/this file).
    """
    try:
        return importlib.import_module(MODULE_UTILS + name)
    except ImportError:
        package = os.path.abspath(__file__)
        for _level in range(7):
            package = os.path.dirname(package)
        if os.path.basename(package) != "ansible_collections":
            raise
        sys.path.insert(0, os.path.dirname(package))
        return importlib.import_module(MODULE_UTILS + name)


def _import_client():
    """The collection's new_client (checked connection settings -> a ready DaaSClient) and DaaSError."""
    return _collection_module("_connection").new_client, _collection_module("_http").DaaSError


LOG = logging.getLogger("citrix_cloud.daas.machine_events")

CHANGES = ("power_state", "registration_state", "maintenance_mode", "session_count", "tags", "presence")
FIELDS = ("Id", "Name", "MachineCatalog", "DeliveryGroup", "PowerState", "RegistrationState", "InMaintenanceMode",
          "SessionCount", "Tags", "FormattedLastDeregistrationTime")
PAGE_SIZE = 1000
BACKOFF_CAP = 300.0
# The source's own arguments; the connection's are those of module_utils/_connection.py.
SOURCE_ARGUMENTS = frozenset(("interval", "catalogs", "delivery_groups", "changes", "unregistered_minutes",
                              "idle_minutes"))

# What one poll keeps of a machine: the compared values and what an event names it by.
Machine = namedtuple("Machine", ["id", "name", "catalog", "delivery_group", "power_state", "registration_state",
                                 "maintenance_mode", "session_count", "tags", "deregistered_at"])
# Per machine: since when (epoch seconds) it has been unregistered / idle, and whether that was reported.
Timer = namedtuple("Timer", ["unregistered_since", "unregistered_reported", "idle_since", "idle_reported"])
NO_TIMER = Timer(None, False, None, False)


class OneLineError(Exception):
    """A failure whose message says everything: ansible-rulebook prints the frames of a source's exception under its
    message, so this one shows none (its traceback reads as None)."""

    @property
    def __traceback__(self):
        return None

    @__traceback__.setter
    def __traceback__(self, _traceback):
        pass


class SettingsError(OneLineError, ValueError):
    """A source argument that cannot be used; the message names it."""


class FirstPollError(OneLineError, RuntimeError):
    """The first poll failed for a reason that waiting does not cure (credentials, scope names, site)."""


# ---- arguments ---------------------------------------------------------------------------------

def _number(args, name, default, minimum):
    value = args.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool):
        raise SettingsError("%s must be a number, got %r" % (name, value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SettingsError("%s must be a number, got %r" % (name, value)) from None
    if number < minimum:
        raise SettingsError("%s must be %g or more, got %g" % (name, minimum, number))
    return number


def _names(args, name):
    value = args.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SettingsError("%s must be a list of names, got %r" % (name, value))
    return [item for item in dict.fromkeys(value) if item]


def parse_args(args, environ):
    """The source's settings from its rulebook arguments and the CITRIX_* environment; SettingsError when unusable."""
    if not isinstance(args, dict):
        raise SettingsError("the source's arguments must be a mapping")
    connection = _collection_module("_connection")
    known = SOURCE_ARGUMENTS | set(connection.OPTIONS)
    unknown = sorted(set(args) - known - {"eda_feedback_queue"})
    if unknown:
        raise SettingsError("unknown argument%s %s; known: %s" % (
            "s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(sorted(known))))
    try:
        settings = connection.connection_settings(connection.environment_values(
            dict((name, args.get(name)) for name in connection.OPTIONS), environ))
    except connection.ConnectionSettingsError as err:
        raise SettingsError(str(err)) from None
    settings["interval"] = _number(args, "interval", 60, 0.1)
    settings["catalogs"] = _names(args, "catalogs")
    settings["delivery_groups"] = _names(args, "delivery_groups")
    changes = _names(args, "changes") if args.get("changes") is not None else list(CHANGES)
    wrong = [change for change in changes if change not in CHANGES]
    if wrong:
        raise SettingsError("changes: unknown %s; use any of %s" % (", ".join(wrong), ", ".join(CHANGES)))
    settings["changes"] = frozenset(changes)
    settings["unregistered_minutes"] = _number(args, "unregistered_minutes", None, 0)
    settings["idle_minutes"] = _number(args, "idle_minutes", None, 0)
    return settings


def connection_of(settings):
    """The connection part of the settings, for new_client."""
    return dict((name, settings[name]) for name in _collection_module("_connection").OPTIONS)


def scopes(settings):
    """(kind, name) of every scope to read; (None, None), the whole site, when none is named."""
    found = [("catalog", name) for name in settings["catalogs"]]
    found += [("delivery group", name) for name in settings["delivery_groups"]]
    return found or [(None, None)]


# ---- change detection (pure) -------------------------------------------------------------------

def _name_of(reference):
    return reference.get("Name") if isinstance(reference, dict) else None


def _epoch(text):
    """Epoch seconds from an RFC 3339 timestamp, or None."""
    moment = _collection_module("_texts").parse_rfc3339(text)
    return None if moment is None else moment.timestamp()


def machine_from_item(item):
    """The compared state of one machine of an API page (MachineResponseModel, trimmed by fields=)."""
    tags = item.get("Tags") or []
    try:
        sessions = int(item.get("SessionCount") or 0)
    except (TypeError, ValueError):
        sessions = 0
    return Machine(
        id=str(item["Id"]),
        name=item.get("Name"),
        catalog=_name_of(item.get("MachineCatalog")),
        delivery_group=_name_of(item.get("DeliveryGroup")),
        power_state=item.get("PowerState"),
        registration_state=item.get("RegistrationState"),
        maintenance_mode=bool(item.get("InMaintenanceMode")),
        session_count=sessions,
        tags=tuple(str(tag) for tag in tags if tag is not None),
        deregistered_at=_epoch(item.get("FormattedLastDeregistrationTime")),
    )


def snapshot(items):
    """Machine id -> Machine for the items of one poll (a machine read through two scopes counts once)."""
    machines = {}
    for item in items:
        if isinstance(item, dict) and item.get("Id"):
            machine = machine_from_item(item)
            machines[machine.id] = machine
    return machines


def _tag_keys(tags):
    """Tag key -> tag name, with the collection's one rule for comparing tag names."""
    tag_key = _collection_module("_machine").tag_key
    return dict((tag_key(tag), tag) for tag in tags)


def event(kind, machine, old, new, seen_at, **extra):
    """One event: what changed, on which machine, from what to what, and when it was seen."""
    body = {"type": kind,
            "machine": {"id": machine.id, "name": machine.name, "catalog": machine.catalog,
                        "delivery_group": machine.delivery_group},
            "old": old, "new": new, "seen_at": seen_at}
    body.update(extra)
    return body


def machine_changes(before, after, changes, seen_at):
    """The events between two states of one machine, in a fixed order."""
    found = []
    for kind, attribute in (("power_state", "power_state"), ("registration_state", "registration_state"),
                            ("maintenance_mode", "maintenance_mode")):
        if kind in changes and getattr(before, attribute) != getattr(after, attribute):
            found.append(event(kind, after, getattr(before, attribute), getattr(after, attribute), seen_at))
    if "session_count" in changes and (before.session_count == 0) != (after.session_count == 0):
        found.append(event("session_count", after, before.session_count, after.session_count, seen_at))
    if "tags" in changes:
        old, new = _tag_keys(before.tags), _tag_keys(after.tags)
        added = [new[key] for key in new if key not in old]
        removed = [old[key] for key in old if key not in new]
        if added or removed:
            found.append(event("tags", after, list(before.tags), list(after.tags), seen_at,
                               added=added, removed=removed))
    return found


def compare(previous, current, changes, seen_at):
    """Every event between two snapshots: per-machine changes, then machines that appeared, then those gone."""
    found = []
    for machine_id, after in current.items():
        before = previous.get(machine_id)
        if before is None:
            if "presence" in changes:
                found.append(event("machine_added", after, None, "present", seen_at))
        else:
            found.extend(machine_changes(before, after, changes, seen_at))
    if "presence" in changes:
        for machine_id, before in previous.items():
            if machine_id not in current:
                found.append(event("machine_removed", before, "present", None, seen_at))
    return found


def is_idle(machine):
    """No session, powered on and registered."""
    return machine.session_count == 0 and machine.power_state == "On" and machine.registration_state == "Registered"


def _next_timer(machine, timer, now):
    if machine.registration_state == "Registered":
        unregistered_since, unregistered_reported = None, False
    elif timer.unregistered_since is not None:
        unregistered_since, unregistered_reported = timer.unregistered_since, timer.unregistered_reported
    else:
        # The API's deregistration time when it is in the past; else (unknown, or a clock ahead of ours) now.
        known = machine.deregistered_at
        unregistered_since, unregistered_reported = (known if known is not None and known <= now else now), False
    if not is_idle(machine):
        idle_since, idle_reported = None, False
    elif timer.idle_since is not None:
        idle_since, idle_reported = timer.idle_since, timer.idle_reported
    else:
        idle_since, idle_reported = now, False
    return Timer(unregistered_since, unregistered_reported, idle_since, idle_reported)


def overdue(current, timers, now, seen_at, unregistered_minutes=None, idle_minutes=None):
    """(events, timers): machines unregistered or idle for longer than the limits, each reported once per period.

    ``timers`` (machine id -> Timer) is the previous poll's answer; ``now`` is epoch seconds.
    """
    found = []
    updated = {}
    for machine_id, machine in current.items():
        timer = _next_timer(machine, timers.get(machine_id, NO_TIMER), now)
        if unregistered_minutes is not None and timer.unregistered_since is not None and not timer.unregistered_reported \
                and now - timer.unregistered_since >= unregistered_minutes * 60:
            found.append(event("unregistered_too_long", machine, None, machine.registration_state, seen_at,
                               since=_rfc3339(timer.unregistered_since),
                               minutes=round((now - timer.unregistered_since) / 60, 1)))
            timer = timer._replace(unregistered_reported=True)
        if idle_minutes is not None and timer.idle_since is not None and not timer.idle_reported \
                and now - timer.idle_since >= idle_minutes * 60:
            found.append(event("idle_too_long", machine, None, "idle", seen_at, since=_rfc3339(timer.idle_since),
                               minutes=round((now - timer.idle_since) / 60, 1)))
            timer = timer._replace(idle_reported=True)
        if timer != NO_TIMER:
            updated[machine_id] = timer
    return found, updated


def backoff_delay(failures, interval):
    """Seconds to wait after ``failures`` failed polls in a row: the interval, doubled per failure, at most 5 min."""
    return min(max(interval, 1.0) * (2 ** max(failures - 1, 0)), max(BACKOFF_CAP, interval))


def _rfc3339(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- polling -----------------------------------------------------------------------------------

class Watcher:
    """The state between polls: the last snapshot and the derived-event timers."""

    def __init__(self, settings):
        self.settings = settings
        self.machines = None
        self.timers = {}

    def update(self, current, now):
        """The events of a new snapshot taken at ``now`` (epoch seconds); the first one only sets the baseline."""
        seen_at = _rfc3339(now)
        found = [] if self.machines is None else compare(self.machines, current, self.settings["changes"], seen_at)
        derived, self.timers = overdue(current, self.timers, now, seen_at, self.settings["unregistered_minutes"],
                                       self.settings["idle_minutes"])
        self.machines = current
        return found + derived


def read_machines(client, settings):
    """Every machine of the scopes, one trimmed page per 1,000 machines, kept as the pages arrive (blocking)."""
    machines = {}
    for kind, name in scopes(settings):
        machines.update(snapshot(client.scope_machines(kind, name, FIELDS, page_size=PAGE_SIZE)))
    return machines


def _one_line(text):
    return _collection_module("_texts").one_line(text, None)


async def main(queue, args):
    """Poll until cancelled, putting one event per change on the queue."""
    new_client, error_class = _import_client()
    try:
        settings = parse_args(args, os.environ)
    except SettingsError as err:
        raise SettingsError("citrix_cloud.daas.machine_events: %s" % err) from None
    try:
        client = new_client(connection_of(settings))
    except error_class as err:
        raise SettingsError("citrix_cloud.daas.machine_events: %s" % _one_line(err)) from None
    for warning in client.warnings:
        LOG.warning("citrix_cloud.daas.machine_events: %s", warning)
    watcher = Watcher(settings)
    loop = asyncio.get_running_loop()
    failures = 0
    try:
        if client.can_sign_in:
            await asyncio.to_thread(client.sign_in)
        while True:
            started = loop.time()
            try:
                current = await asyncio.to_thread(read_machines, client, settings)
            except error_class as err:
                if watcher.machines is None and not err.transient:
                    raise FirstPollError("citrix_cloud.daas.machine_events: %s" % _one_line(err)) from None
                failures += 1
                delay = backoff_delay(failures, settings["interval"])
                LOG.warning("citrix_cloud.daas.machine_events: poll failed (%d in a row), next try in %.0f s: %s",
                            failures, delay, _one_line(err))
                await asyncio.sleep(delay)
                continue
            if failures:
                LOG.info("citrix_cloud.daas.machine_events: polls work again after %d failure(s)", failures)
            failures = 0
            now = datetime.datetime.now(datetime.timezone.utc).timestamp()
            # Comparing 20,000 machines takes a fraction of a second: off the event loop, like the read.
            for found in await asyncio.to_thread(watcher.update, current, now):
                await queue.put(found)
            LOG.debug("citrix_cloud.daas.machine_events: %d machines read", len(current))
            await asyncio.sleep(max(0.0, settings["interval"] - (loop.time() - started)))
    finally:
        client.close()
