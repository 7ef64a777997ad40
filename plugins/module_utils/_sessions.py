# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure session rules: the search filters of a session selector, how they match a session read from the API, how
long a session has been in its state, and what a session action would do to it. No HTTP."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.citrix_cloud.daas.plugins.module_utils._texts import parse_rfc3339

# The spec's SessionState and MessageStyle enums, and the session actions (the path's $action).
SESSION_STATES = ("Unknown", "Connected", "Active", "Disconnected")
MESSAGE_STYLES = ("Information", "Exclamation", "Critical", "Question", "Unknown")
SESSION_ACTIONS = ("logoff", "disconnect", "sendMessage", "hide", "unhide")
# The actions whose repetition changes nothing more (a second message would be a second message).
REPEATABLE_ACTIONS = ("logoff", "disconnect", "hide", "unhide")
# The declarative states of a session and the action that reaches each.
STATE_ACTIONS = {"logged_off": "logoff", "disconnected": "disconnect", "hidden": "hide", "visible": "unhide"}
# The options of the selectors and filters that the session modules share (doc fragment citrix_cloud.daas.sessions).
SELECTOR_OPTIONS = dict(
    session_ids=dict(type="list", elements="str"),
    machines=dict(type="list", elements="str"),
    catalogs=dict(type="list", elements="str"),
    delivery_groups=dict(type="list", elements="str"),
    users=dict(type="list", elements="str"),
    states=dict(type="list", elements="str", choices=list(SESSION_STATES)),
    min_minutes_in_state=dict(type="int"),
)
COMPARISONS = {
    "Equals": lambda actual, wanted: actual == wanted,
    "LessThan": lambda actual, wanted: actual < wanted,
    "GreaterThan": lambda actual, wanted: actual > wanted,
    "LessThanOrEquals": lambda actual, wanted: actual <= wanted,
    "GreaterThanOrEquals": lambda actual, wanted: actual >= wanted,
}
UTC = datetime.timezone.utc


def rfc3339(moment):
    """``2024-05-02T06:14:09Z`` of an aware datetime."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def search_filter(prop, value, operator="Equals"):
    """One MachineAndSessionSearchFilterRequestModel."""
    return {"Property": prop, "Operator": operator, "Value": str(value)}


def any_of(prop, values):
    """The filter (one value) or the Or-group (a list of filters: several values) that matches any of ``values``."""
    filters = [search_filter(prop, value) for value in values]
    return filters[0] if len(filters) == 1 else filters


def selector_filters(machines=(), catalogs=(), delivery_groups=(), users=(), states=(), changed_before=None):
    """The search filters of a session selector: each kind given narrows the sessions, the values of one kind add up.

    An entry is a filter (And-ed with the others) or a list of filters (an Or-group). ``changed_before`` (an aware
    datetime) keeps the sessions that have been in their state since before then.
    """
    filters = []
    for prop, values in (("MachineName", machines), ("MachineCatalog", catalogs), ("DeliveryGroup", delivery_groups),
                         ("UserName", users), ("SessionState", states)):
        if values:
            filters.append(any_of(prop, values))
    if changed_before is not None:
        filters.append(search_filter("SessionStateChangeTime", rfc3339(changed_before), "LessThan"))
    return filters


def search_body(filters):
    """The MachineAndSessionSearchRequestModel of selector_filters' entries (groups And-ed with the filters)."""
    body = {"SearchFilters": [entry for entry in filters if isinstance(entry, dict)]}
    groups = [{"SearchFilterGroupType": "Or", "SearchFilters": list(entry)} for entry in filters if isinstance(entry, list)]
    if groups:
        body["SearchFilterGroups"] = groups
        body["SearchFilterGroupsType"] = "And"
    return body


def _names(ref):
    """Name and Id of a catalog or delivery group reference (lower case)."""
    ref = ref if isinstance(ref, dict) else {}
    return [str(ref[key]).lower() for key in ("Name", "FullName", "Id") if ref.get(key)]


def _user_names(session):
    user = session.get("User") if isinstance(session.get("User"), dict) else {}
    name = str(user.get("SamName") or session.get("UntrustedUserName") or "")
    return [name.lower(), name.rpartition("\\")[2].lower()] if name else []


def _values(session, prop):
    """The values of a session's property that a filter compares (any of them matching is a match)."""
    machine = session.get("Machine") if isinstance(session.get("Machine"), dict) else {}
    if prop == "MachineName":
        return [str(machine.get("Name") or "").lower()]
    if prop == "MachineCatalog":
        return _names(machine.get("MachineCatalog"))
    if prop == "DeliveryGroup":
        return _names(machine.get("DeliveryGroup"))
    if prop == "UserName":
        return _user_names(session)
    if prop == "SessionState":
        return [str(session.get("State") or "").lower()]
    if prop == "SessionStateChangeTime":
        return [state_since(session)]
    raise ValueError("the session property %s cannot be evaluated here" % prop)


def filter_matches(session, spec):
    """True when a session read from the API passes one search filter (the properties of selector_filters)."""
    prop, operator = spec.get("Property"), spec.get("Operator")
    if operator not in COMPARISONS:
        raise ValueError("the search operator %s cannot be evaluated here" % operator)
    if prop == "SessionStateChangeTime":
        wanted = parse_rfc3339(spec.get("Value"))
        actual = state_since(session)
        return actual is not None and wanted is not None and COMPARISONS[operator](actual, wanted)
    wanted = str(spec.get("Value") or "").lower()
    return any(COMPARISONS[operator](value, wanted) for value in _values(session, prop) if value)


def matches(session, filters):
    """True when a session passes every entry of selector_filters (an Or-group: any of its filters)."""
    for entry in filters:
        group = entry if isinstance(entry, list) else [entry]
        if not any(filter_matches(session, spec) for spec in group):
            return False
    return True


def state_since(session):
    """When the session entered its state (aware datetime), or None when the API does not say."""
    return parse_rfc3339(session.get("FormattedStateChangeTime"))


def minutes_in_state(session, now):
    """Whole minutes the session has been in its state at ``now`` (aware datetime), or None when unknown."""
    since = state_since(session)
    if since is None or now is None:
        return None
    return max(0, int((now - since).total_seconds() // 60))


def unchanged_reason(action, session):
    """Why ``action`` would change nothing for a session as read (None: it would change it)."""
    if action == "disconnect" and session.get("State") == "Disconnected":
        return "already disconnected"
    if action == "hide" and session.get("IsHidden") is True:
        return "already hidden"
    if action == "unhide" and session.get("IsHidden") is False:
        return "already visible"
    return None
