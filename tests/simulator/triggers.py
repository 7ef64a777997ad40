"""Triggers set through ``/_sim/triggers``: after the N-th matching request (or batch item), change the estate once.

Counting is by requests, never by time, so a test that uses a trigger does not depend on timing.
"""

import re

from .state import Session

# freeze: every later request waits, unserved, until the triggers are deleted (a kill lands between two writes).
ACTIONS = ("add_session", "end_sessions", "maintenance_on", "maintenance_off", "expire_tokens", "freeze",
           "logoff_after_messages")
MACHINE_ACTIONS = ("add_session", "end_sessions", "maintenance_on", "maintenance_off", "logoff_after_messages")
# What a new session of add_session may be given (Session.from_spec's keys).
SESSION_KEYS = ("state", "minutes_in_state", "logoff_after_messages")


class TriggerError(ValueError):
    """A trigger definition that cannot be used."""


class Trigger:
    """One trigger: what it counts (method, and a path regex or a machine's path) and what it does once due."""

    def __init__(self, spec, find_machine):
        self.spec = dict(spec)
        self.action = spec.get("action", "add_session")
        if self.action not in ACTIONS:
            raise TriggerError("action must be one of %s" % ", ".join(ACTIONS))
        # A machine trigger counts GETs unless told otherwise (its original form); a path trigger any method.
        method = str(spec.get("method") or ("*" if spec.get("path_regex") is not None else "GET")).upper()
        self.method = None if method == "*" else method
        try:
            self.count = int(spec.get("count", 1))
        except (TypeError, ValueError) as exc:
            raise TriggerError("count must be a positive integer") from exc
        if self.count < 1:
            raise TriggerError("count must be a positive integer")
        self.machine = None
        if spec.get("machine") is not None:
            self.machine = find_machine(str(spec["machine"]))
            if self.machine is None:
                raise TriggerError("machine %r not found" % spec["machine"])
        elif self.action in MACHINE_ACTIONS:
            raise TriggerError("action %s needs a machine" % self.action)
        self.path_regex = None
        if spec.get("path_regex") is not None:
            try:
                self.path_regex = re.compile(str(spec["path_regex"]))
            except re.error as exc:
                raise TriggerError("path_regex is not a valid regular expression: %s" % exc) from exc
        elif self.machine is None:
            raise TriggerError("a trigger needs a path_regex or a machine")
        self.user = spec.get("user")
        self.session = dict((key, spec[key]) for key in SESSION_KEYS if spec.get(key) is not None)
        try:
            Session.from_spec(dict(self.session, user="probe"), 0.0, "Desktop")
        except (TypeError, ValueError) as exc:
            raise TriggerError(str(exc)) from exc
        if self.action == "logoff_after_messages":
            after = spec.get("logoff_after_messages")
            if after is not None and (isinstance(after, bool) or not isinstance(after, int) or after < 1):
                raise TriggerError("logoff_after_messages must be a positive integer or null")
        self.seen = 0
        self.fired = False

    def matches(self, method, path):
        """True when the request counts: same method, and the regex matches (or the path is the machine's)."""
        if self.method is not None and method != self.method:
            return False
        if self.path_regex is not None:
            return self.path_regex.search(path) is not None
        parts = path.strip("/").split("/")
        return len(parts) == 4 and [part.lower() for part in parts[:3]] == ["cvad", "manage", "machines"] \
            and parts[3].lower() in self.machine.path_names()

    def fire(self, sim):
        """Carry out the action once."""
        self.fired = True
        now = sim.now()
        machine = self.machine
        if self.action == "expire_tokens":
            sim.expire_tokens()
        elif self.action == "freeze":
            sim.freeze()
        elif self.action == "add_session":
            if machine.can_accept_session(now):
                machine.add_session(now, self.user, **self.session)
        elif self.action == "logoff_after_messages":
            # From now on the machine's users (or only ``user``) log off at their N-th message, or stay (null).
            for session in machine.sessions:
                if self.user is None or session.user.lower() == str(self.user).lower():
                    session.logoff_after_messages = self.spec.get("logoff_after_messages")
        elif self.action == "end_sessions":
            machine.end_sessions(now)
        else:
            # As an administrator would, in Studio: maintenance mode only, no tag.
            was = machine.in_maintenance
            machine.set_maintenance(self.action == "maintenance_on")
            site, _machine = sim.estate.find_machine(machine.id)
            sim.estate.note_maintenance(site, int(machine.in_maintenance) - int(was))

    def describe(self):
        """The definition as given, with the count so far and whether it fired."""
        return dict(self.spec, seen=self.seen, fired=self.fired)
