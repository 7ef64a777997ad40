"""``POST /Machines/$search`` and ``POST /Sessions/$search``: MachineAndSessionSearchRequestModel evaluated against
the site's machines, or against its sessions (a machine property matches the sessions of the machines that match).

Property and operator names are the spec's (``MachineAndSessionSearchProperty``, ``SearchOperator``), matched
exactly; an unknown name is a 400, and so is a spec name the simulator does not evaluate.  Values are strings:
booleans ``true``/``false``, numbers in decimal, enums and names case-insensitive.  ``In``/``NotIn`` take a JSON
array of strings or a comma-separated list (the real text form is undocumented).
"""

import json
from datetime import datetime, timezone

from . import models
from .responses import ApiError

SEARCH_PROPERTIES = (
    "AgentVersion", "AllocationType", "AppState", "AppsInUse", "AzureAdJoinedMode", "ControllerDnsName", "ClientIP",
    "ClientName", "ConnectedViaHostName", "ConnectedViaIP", "HypervisorConnection", "ConnectionProtocol", "CurrentUser",
    "DeliveryGroup", "FaultState", "IsAssigned", "LastConnectionUser", "LastDeregistrationReason",
    "LastDeregistrationTime", "LaunchedViaHostName", "LaunchedViaIP", "LoadIndex", "StartTime", "MachineCatalog",
    "MachineUnavailableReason", "InMaintenanceMode", "DrainingUntilShutdown", "MachineName", "OSType", "OSVersion",
    "ImageOutOfDate", "PowerActionPending", "ClientVersion", "PowerState", "SupportedPowerActions", "RegistrationState",
    "SecureIcaActive", "HostingServerName", "SessionCount", "SessionStateChangeTime", "SessionState", "SessionSupport",
    "SmartAccessFilters", "SummaryState", "Tags", "UserPrincipalName", "UserName", "UserDisplayName",
    "HostedMachineName", "WindowsConnectionSetting", "FunctionalLevel", "DnsName", "Uid", "VdaUpgrade",
    "VdaUpgradeState", "ProvisioningType")
SEARCH_OPERATORS = (
    "Equals", "NotEquals", "LessThan", "GreaterThan", "Like", "NotLike", "StartsWith", "NotStartsWith", "EndsWith",
    "None", "Any", "Contains", "ContainsLike", "ContainsStartsWith", "ContainsEndsWith", "NotContains", "In", "NotIn",
    "IsWithin", "IsNotWithin", "LessThanOrEquals", "GreaterThanOrEquals")
GROUP_TYPES = ("And", "Or")
SORT_DIRECTIONS = ("Ascending", "Descending")
SESSION_SUPPORT_MESSAGE = "The 'SessionSupport' must be included in search filters."


def _names(ref):
    """Name, full name and id of a catalog or delivery group (what a filter value may give)."""
    if ref is None:
        return []
    return [ref.name, getattr(ref, "full_name", ref.name), ref.id]


# Property -> (kind, value of a rendered machine model).  Kinds: text, names (any of a list matches), list, int, bool.
EVALUATED = {
    "MachineName": ("text", lambda machine, body: body["Name"]),
    "DnsName": ("text", lambda machine, body: body["DnsName"]),
    "Uid": ("int", lambda machine, body: body["Uid"]),
    "MachineCatalog": ("names", lambda machine, body: _names(machine.catalog)),
    "DeliveryGroup": ("names", lambda machine, body: _names(machine.delivery_group)),
    "Tags": ("list", lambda machine, body: [tag.name for tag in machine.tags]),
    "SupportedPowerActions": ("list", lambda machine, body: body["SupportedPowerActions"]),
    "PowerState": ("text", lambda machine, body: body["PowerState"]),
    "RegistrationState": ("text", lambda machine, body: body["RegistrationState"]),
    "SummaryState": ("text", lambda machine, body: body["SummaryState"]),
    "FaultState": ("text", lambda machine, body: body["FaultState"]),
    "SessionSupport": ("text", lambda machine, body: body["SessionSupport"]),
    "AllocationType": ("text", lambda machine, body: body["AllocationType"]),
    "ProvisioningType": ("text", lambda machine, body: body["ProvisioningType"]),
    "OSType": ("text", lambda machine, body: body["OSType"]),
    "AgentVersion": ("text", lambda machine, body: body["AgentVersion"]),
    "InMaintenanceMode": ("bool", lambda machine, body: body["InMaintenanceMode"]),
    "PowerActionPending": ("bool", lambda machine, body: body["PowerActionPending"]),
    "DrainingUntilShutdown": ("bool", lambda machine, body: body["DrainingUntilShutdown"]),
    "IsAssigned": ("bool", lambda machine, body: body["IsAssigned"]),
    "SessionCount": ("int", lambda machine, body: body["SessionCount"]),
    "LoadIndex": ("int", lambda machine, body: body["LoadIndex"]),
}


def bad_request(message):
    """ApiError 400 with an ErrorData body."""
    return ApiError(400, models.error_data(message, "InvalidArgument"))


def _split_values(value):
    """The values of an In/NotIn filter: a JSON array of strings, or a comma-separated list."""
    text = value.strip()
    if text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError as exc:
            raise bad_request("The value '%s' is not a valid list." % value) from exc
        if not isinstance(values, list):
            raise bad_request("The value '%s' is not a valid list." % value)
        return [str(item) for item in values]
    return [part.strip() for part in text.split(",") if part.strip()]


def _number(value, name):
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise bad_request("The value '%s' is not valid for %s." % (value, name)) from exc


def _moment(value, name):
    """Epoch seconds of a time value: RFC 3339 (``2024-05-02T06:14:09Z``) or the broker's ``5/2/2024 6:14:09 AM``."""
    text = (value or "").strip()
    for parse in (lambda: datetime.fromisoformat(text.replace("Z", "+00:00")),
                  lambda: datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p")):
        try:
            moment = parse()
        except ValueError:
            continue
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()
    raise bad_request("The value '%s' is not a valid time for %s." % (value, name))


def _boolean(value, name):
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad_request("The value '%s' is not valid for %s." % (value, name))


class Filter:
    """One MachineAndSessionSearchFilterRequestModel, checked once and applied to many machines (or sessions)."""

    def __init__(self, spec, evaluated=None):
        evaluated = EVALUATED if evaluated is None else evaluated
        if not isinstance(spec, dict):
            raise bad_request("A search filter must be an object.")
        self.name = spec.get("Property")
        operator = spec.get("Operator")
        if self.name not in SEARCH_PROPERTIES:
            raise bad_request("The search property '%s' is not valid." % self.name)
        if operator not in SEARCH_OPERATORS:
            raise bad_request("The search operator '%s' is not valid." % operator)
        if self.name not in evaluated:
            raise bad_request("The simulator does not evaluate the search property '%s'." % self.name)
        self.kind, self.getter = evaluated[self.name]
        value = spec.get("Value")
        if value is not None and not isinstance(value, str):
            raise bad_request("The search Value must be a string.")
        self.operator, self.value = operator, value
        self.negate = operator in ("NotEquals", "NotContains", "NotIn", "NotStartsWith")
        self.test = self._compile(operator, value if value is not None else "")

    def _compile(self, operator, value):
        """A function of the property's value for ``operator`` (its negation applied in ``matches``)."""
        kind, name = self.kind, self.name
        if operator in ("In", "NotIn"):
            wanted = {item.lower() for item in _split_values(value)}
            if kind == "int":
                wanted = {_number(item, name) for item in wanted}
            elif kind == "bool":
                wanted = {_boolean(item, name) for item in wanted}
            return lambda actual: self._any(actual, lambda one: (one.lower() if isinstance(one, str) else one) in wanted)
        if operator in ("Equals", "NotEquals"):
            if kind == "int":
                number = _number(value, name)
                return lambda actual: actual == number
            if kind == "bool":
                flag = _boolean(value, name)
                return lambda actual: actual is flag
            text = value.lower()
            return lambda actual: self._any(actual, lambda one: one.lower() == text)
        if operator in ("LessThan", "GreaterThan", "LessThanOrEquals", "GreaterThanOrEquals") and kind in ("int", "time"):
            number = _number(value, name) if kind == "int" else _moment(value, name)
            compare = {"LessThan": lambda a: a < number, "GreaterThan": lambda a: a > number,
                       "LessThanOrEquals": lambda a: a <= number, "GreaterThanOrEquals": lambda a: a >= number}[operator]
            return lambda actual: actual is not None and compare(actual)
        if kind in ("text", "names", "list"):
            text = value.lower()
            if operator in ("Contains", "NotContains"):
                if kind == "list":
                    return lambda actual: any(one.lower() == text for one in actual)
                return lambda actual: self._any(actual, lambda one: text in one.lower())
            if operator in ("StartsWith", "NotStartsWith"):
                return lambda actual: self._any(actual, lambda one: one.lower().startswith(text))
            if operator == "EndsWith":
                return lambda actual: self._any(actual, lambda one: one.lower().endswith(text))
        raise bad_request("The simulator does not evaluate the operator '%s' on '%s'." % (operator, name))

    def _any(self, actual, test):
        """Apply ``test`` to a value, or to each value of a name or list property (null never matches)."""
        if self.kind in ("names", "list"):
            return any(test(one) for one in actual if one is not None)
        return actual is not None and test(actual)

    def matches(self, machine, body):
        """True when the machine (and its rendered model) passes the filter."""
        result = self.test(self.getter(machine, body))
        return not result if self.negate else result


def _group_type(spec, key):
    value = spec.get(key) or "And"
    if value not in GROUP_TYPES:
        raise bad_request("The value '%s' is not valid for %s." % (value, key))
    return value


def _filters(spec, evaluated, key="SearchFilters"):
    filters = spec.get(key) or []
    if not isinstance(filters, list):
        raise bad_request("%s must be a list." % key)
    return [Filter(item, evaluated) for item in filters]


class Group:
    """A MachineAndSessionSearchFilterGroupRequestModel: its filters combined by SearchFilterGroupType, its nested
    groups by SearchFilterGroupsType, the two parts And-ed."""

    def __init__(self, spec, evaluated=None):
        if not isinstance(spec, dict):
            raise bad_request("A search filter group must be an object.")
        evaluated = EVALUATED if evaluated is None else evaluated
        self.filters = _filters(spec, evaluated)
        self.filters_type = _group_type(spec, "SearchFilterGroupType")
        self.groups = [Group(item, evaluated) for item in spec.get("SearchFilterGroups") or []]
        self.groups_type = _group_type(spec, "SearchFilterGroupsType")

    def names(self):
        """Every property named in the group, nested groups included."""
        return {item.name for item in self.filters} | {name for group in self.groups for name in group.names()}

    def matches(self, machine, body):
        """True when the machine passes the group."""
        combine = all if self.filters_type == "And" else any
        if self.filters and not combine(item.matches(machine, body) for item in self.filters):
            return False
        combine = all if self.groups_type == "And" else any
        return not self.groups or combine(group.matches(machine, body) for group in self.groups)


class Search:
    """A whole MachineAndSessionSearchRequestModel: top-level filters (And), groups, basic string, sort order."""

    evaluated = EVALUATED

    def __init__(self, body):
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        self.root = Group({"SearchFilters": body.get("SearchFilters"), "SearchFilterGroupType": "And",
                           "SearchFilterGroups": body.get("SearchFilterGroups"),
                           "SearchFilterGroupsType": body.get("SearchFilterGroupsType")}, self.evaluated)
        self.check_names(self.root.names())
        # A Tags filter that all must pass (not negated) matches no machine without tags: those are passed over at once.
        self.needs_tags = any(item.name == "Tags" and not item.negate for item in self.root.filters)
        basic = body.get("BasicSearchString")
        if basic is not None and not isinstance(basic, str):
            raise bad_request("BasicSearchString must be a string.")
        self.basic = basic.lower() if basic else None
        criteria = list(body.get("SortCriteriaItems") or [])
        if body.get("SortCriteria"):
            criteria.insert(0, body["SortCriteria"])
        self.sort = []
        for criterion in criteria:
            name = criterion.get("Property") if isinstance(criterion, dict) else None
            direction = criterion.get("SortDirection") if isinstance(criterion, dict) else None
            if name not in self.evaluated or direction not in SORT_DIRECTIONS:
                raise bad_request("A sort criterion needs an evaluated Property and SortDirection Ascending or Descending.")
            self.sort.append((name, direction == "Descending"))

    @staticmethod
    def check_names(names):
        """A machine search must name SessionSupport (the spec's rule)."""
        if "SessionSupport" not in names:
            raise bad_request(SESSION_SUPPORT_MESSAGE)

    def _basic_match(self, machine, body):
        texts = [body["Name"], body["DnsName"], body["IPAddress"], machine.catalog.name,
                 machine.delivery_group.name if machine.delivery_group else None]
        return any(self.basic in text.lower() for text in texts if text)

    def run(self, machines, now):
        """The models of the matching machines, in the requested order (else the site's)."""
        found = []
        for machine in machines:
            if self.needs_tags and not machine.tags:
                continue
            body = LazyMachineModel(machine, now)
            if self.root.matches(machine, body) and (self.basic is None or self._basic_match(machine, body)):
                found.append((machine, body.rendered()))
        for name, descending in reversed(self.sort):
            kind, getter = EVALUATED[name]
            found.sort(key=lambda pair, getter=getter, kind=kind: _sort_key(getter(*pair), kind), reverse=descending)
        return [body for _machine, body in found]


class LazyMachineModel:
    """A machine's rendered model, rendered on first use: most session filters never read it, and a filter on the
    machine's own facts (its tags, its catalog) rejects most machines of a large site without rendering them."""

    __slots__ = ("machine", "now", "_body")

    def __init__(self, machine, now):
        self.machine = machine
        self.now = now
        self._body = None

    def rendered(self):
        if self._body is None:
            self._body = models.machine_model(self.machine, self.now, detail=False)
        return self._body

    def __getitem__(self, key):
        return self.rendered()[key]


def _machine_property(getter):
    """A machine property's getter for a session: the value of the machine that hosts it."""
    return lambda pair, body: getter(pair[0], body)


def _user_names(session):
    return [session.user, session.user.rpartition("\\")[2]]


# The session search's properties: every machine property, and the session's own (these take precedence).
SESSION_EVALUATED = dict(((name, (kind, _machine_property(getter))) for name, (kind, getter) in EVALUATED.items()), **{
    "SessionState": ("text", lambda pair, body: pair[1].state),
    # Times compare in whole seconds, as the API shows them.
    "SessionStateChangeTime": ("time", lambda pair, body: int(pair[1].state_changed)),
    "StartTime": ("time", lambda pair, body: int(pair[1].started)),
    "UserName": ("names", lambda pair, body: _user_names(pair[1])),
    "AppState": ("text", lambda pair, body: "Active" if pair[1].session_type == "Application" else "Desktop"),
    "Uid": ("int", lambda pair, body: pair[1].uid),
})


class SessionSearch(Search):
    """``POST /Sessions/$search``: the same model over the site's sessions; it needs no SessionSupport filter.

    ``Uid`` is the session's, ``UserName`` its user's (``DOMAIN\\user`` or ``user``), ``SessionStateChangeTime`` and
    ``StartTime`` compare as times (RFC 3339 or the broker's form); ``BasicSearchString`` also looks at the user.
    """

    evaluated = SESSION_EVALUATED

    @staticmethod
    def check_names(names):
        """Any property will do."""

    def _scope(self, site):
        """The only machines whose sessions can match (in the site's order), when And-ed filters or Or-groups name
        catalogs, delivery groups or machines with Equals; None: every machine of the site."""
        # Each filter that every match must pass alone, and each Or-group of which a match must pass one filter.
        needed = [[item] for item in self.root.filters]
        if self.root.groups_type == "And":
            for group in self.root.groups:
                if group.filters_type == "Or":
                    needed += [group.filters] if group.filters else []
                else:
                    needed += [[item] for item in group.filters]
        allowed = None
        for filters in needed:
            named = _machines_named(site, filters)
            if named is not None:
                allowed = named if allowed is None else allowed & named
        return None if allowed is None else sorted(allowed, key=lambda machine: machine.uid)

    def run(self, site, now):  # pylint: disable=arguments-renamed
        """``(machine, session)`` of the matching sessions, in the requested order (else machine by machine)."""
        found = []
        scope = self._scope(site)
        for machine in site.machines if scope is None else scope:
            if not machine.sessions:
                continue
            machine.refresh(now)
            body = LazyMachineModel(machine, now)
            for session in machine.sessions:
                pair = (machine, session)
                if self.root.matches(pair, body) and (self.basic is None or self._basic_session_match(pair, body)):
                    found.append((pair, body))
        for name, descending in reversed(self.sort):
            kind, getter = self.evaluated[name]
            found.sort(key=lambda item, getter=getter, kind=kind: _sort_key(getter(*item), kind), reverse=descending)
        return [pair for pair, _body in found]

    def _basic_session_match(self, pair, body):
        return self.basic in pair[1].user.lower() or self._basic_match(pair[0], body)


def _machines_named(site, filters):
    """The set of machines that one of ``filters`` names (each an Equals on a catalog, delivery group or machine
    name), or None when one of them is anything else."""
    machines = set()
    for item in filters:
        if item.operator != "Equals" or item.name not in ("MachineCatalog", "DeliveryGroup", "MachineName"):
            return None
        value = (item.value or "").lower()
        if item.name == "MachineName":
            machine = site.find_machine(value)
            machines.update([machine] if machine is not None and machine.name.lower() == value else [])
            continue
        for owner in site.catalogs if item.name == "MachineCatalog" else site.delivery_groups:
            if value in (name.lower() for name in _names(owner)):
                machines.update(owner.machines)
    return machines


def _sort_key(value, kind):
    """Nulls first; names and lists by their first entry; text without case."""
    if kind in ("names", "list"):
        value = value[0] if value else None
    if value is None:
        return (0, "")
    return (1, value.lower() if isinstance(value, str) else value)
