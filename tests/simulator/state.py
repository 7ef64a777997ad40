"""The stateful model of a Citrix DaaS estate on a simulated clock.

Machines are evaluated lazily: a power action stores its start time and a list
of phases, and ``Machine.refresh(now)`` applies whatever the clock has passed
(deregistration, sessions logged off, the final state, the job's outcome).
Nothing runs per machine in the background, so large estates cost nothing
while idle.

Power actions follow the broker:

* reboot: PowerActionPending -> TurningOff (deregistered, ``AgentShutdown``) ->
  Off -> TurningOn -> On (unregistered) -> registered again; the job completes
  once the machine has registered.
* shutdown: -> TurningOff -> Off.  start: -> TurningOn -> On -> registered.
  suspend: -> Suspending -> Suspended (deregistered, ``AgentSuspended``; sessions
  are kept).  resume: -> Resuming -> On -> registered.
* Sessions on a reboot or shutdown: a *forced* action logs every session off
  when the machine starts turning off and counts them in ``SessionsLost``.  A
  non-forced action waits, as the broker does, until no session is left on the
  machine before it turns the machine off (the job stays ``InProgress`` and can
  be cancelled); no session is lost.
* An action whose kind is listed in the machine's ``fail_power_actions`` (or
  whose job type the run-time ``JobBehaviour`` fails) ends with the job
  ``Failed`` and the machine unchanged.  One listed in ``hang_power_actions``
  (or whose job type ``JobBehaviour`` hangs) never ends: the machine stays
  ``PowerActionPending`` and the job ``InProgress`` until it is cancelled.  An action that does not
  apply to the current power state (reboot of an Off machine) fails with
  ``PowerActionIgnored``; one that is already in effect (start of an On machine)
  completes at once.  A second action while one is pending fails with
  ``PowerActionInProgress``.
"""

import itertools
import math
import time
import uuid
from datetime import datetime, timezone

from .scenario import DOMAIN_PASSWORD, DOMAIN_USER

ID_NAMESPACE = uuid.UUID("6f1c2e0a-5b7d-4c1e-9a3f-2d4b6c8e0f11")

ACTION_JOB_TYPES = {
    "start": "StartMachines",
    "shutdown": "ShutDownMachines",
    "reboot": "RebootMachines",
    "suspend": "SuspendMachines",
    "resume": "ResumeMachines",
}
# A machine supports an action if any of these SupportedPowerActions is listed.
ACTION_REQUIREMENTS = {
    "start": ("PowerOn",),
    "shutdown": ("Shutdown", "PowerOff"),
    "reboot": ("Restart", "Reset"),
    "suspend": ("SuspendResume",),
    "resume": ("SuspendResume",),
}
ACTION_NAMES = {"start": "TurnOn", "shutdown": "Shutdown", "reboot": "Restart", "suspend": "Suspend", "resume": "Resume"}
DEFAULT_SUPPORTED_ACTIONS = ["PowerOn", "PowerOff", "Shutdown", "Restart", "Reset", "SuspendResume"]
DEFAULT_TIMINGS = {"pending": 2, "turning_off": 8, "powered_off": 4, "turning_on": 12, "registering": 14,
                   "suspending": 6, "resuming": 6, "failure": 4, "job": 2}
TERMINAL_JOB_STATES = ("Complete", "CompleteWithWarning", "Failed", "Canceled")
# The current SDK's MaintenanceModeReason enum; any other scenario reason (free text for humans) reads as Administrator.
MAINTENANCE_REASONS = ("Unknown", "None", "Administrator", "MaxFailedRegistrations")


def stable_id(*parts):
    """Return a GUID derived from ``parts`` so ids survive a reset."""
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(str(part) for part in parts)))


def to_datetime(timestamp):
    """Simulated epoch seconds -> aware UTC datetime."""
    return datetime.fromtimestamp(timestamp, timezone.utc)


def raw_time(timestamp):
    """The broker's raw form, e.g. ``5/2/2024 6:14:09 AM``."""
    moment = to_datetime(timestamp)
    hour = moment.hour % 12 or 12
    return "%d/%d/%d %d:%02d:%02d %s" % (moment.month, moment.day, moment.year, hour, moment.minute, moment.second,
                                         "AM" if moment.hour < 12 else "PM")


def clock_time(timestamp):
    """A clock time such as ``6:50:19 PM`` (the /me ``ExpiryTime`` form)."""
    return raw_time(timestamp).split(" ", 1)[1]


def rfc3339(timestamp):
    """RFC 3339 in UTC, e.g. ``2024-05-02T06:14:09Z``."""
    return to_datetime(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")


def job_time(timestamp):
    """The job time form, e.g. ``2020-10-12T07:21:37.815+00:00``."""
    return to_datetime(timestamp).isoformat(timespec="milliseconds")


class SimClock:
    """A clock that runs ``scale`` times faster than real time, starting at the real time."""

    def __init__(self, scale=1.0):
        self.scale = float(scale)
        self._origin_wall = time.time()
        self._origin_mono = time.monotonic()

    def now(self):
        """Simulated epoch seconds."""
        return self._origin_wall + (time.monotonic() - self._origin_mono) * self.scale


SESSION_STATES = ("Unknown", "Connected", "Active", "Disconnected")
MESSAGE_STYLES = ("Unknown", "Critical", "Question", "Exclamation", "Information")


class Session:
    """One user session on a machine.

    ``messages`` are the messages it received (``$sendMessage``); a user with ``logoff_after_messages`` N logs off on
    their own when the N-th arrives (None: the user stays whatever the warnings).
    """

    _uids = itertools.count(1000)

    def __init__(self, user, started, state="Active", session_type="Desktop", state_changed=None,
                 logoff_after_messages=None):
        self.id = str(uuid.uuid4())
        self.uid = next(self._uids)
        self.user = user
        self.started = started
        self.state_changed = started if state_changed is None else state_changed
        self.state = state
        self.session_type = session_type
        self.hidden = False
        self.messages = []
        self.logoff_after_messages = logoff_after_messages

    @classmethod
    def from_spec(cls, entry, now, session_type):
        """A session from a scenario or control entry: ``user``, ``state``, ``minutes_in_state`` (default 30),
        ``logoff_after_messages``."""
        state = entry.get("state", "Active")
        if state not in SESSION_STATES:
            raise ValueError("session state must be one of %s, got %r" % (", ".join(SESSION_STATES), state))
        minutes = float(entry.get("minutes_in_state", 30))
        after = entry.get("logoff_after_messages")
        if after is not None and (isinstance(after, bool) or not isinstance(after, int) or after < 1):
            raise ValueError("logoff_after_messages must be a positive integer or null")
        changed = now - minutes * 60
        return cls(entry["user"], changed, state, session_type, changed, after)

    def describe(self, machine):
        """The control API's view: who, where, state, the messages received and the user's behaviour."""
        return {"Id": self.id, "Machine": machine.name, "User": self.user, "State": self.state,
                "StateChangeTime": rfc3339(self.state_changed), "IsHidden": self.hidden,
                "LogoffAfterMessages": self.logoff_after_messages, "Messages": list(self.messages)}


class Catalog:
    """A machine catalog."""

    def __init__(self, site, uid, spec):
        self.site = site
        self.uid = uid
        self.name = spec["name"]
        self.folder = spec.get("folder")
        self.full_name = "%s\\%s" % (self.folder.replace("|", "\\"), self.name) if self.folder else self.name
        self.id = spec.get("id") or stable_id(site.id, "catalog", self.full_name)
        self.session_support = spec.get("session_support", "SingleSession")
        self.allocation_type = spec.get("allocation_type", "Random")
        self.provisioning_type = spec.get("provisioning_type", "MCS")
        self.persist_changes = spec.get("persist_changes", "Discard")
        self.description = spec.get("description", "")
        self.is_power_managed = spec.get("power_managed", True)
        self.machines = []

    def path_names(self):
        """Names under which the catalog can be addressed in a path."""
        names = {self.id.lower(), self.full_name.lower()}
        if self.folder:
            names.add(("%s|%s" % (self.folder, self.name)).lower())
        else:
            names.add(self.name.lower())
        return names


class DeliveryGroup:
    """A delivery group."""

    def __init__(self, site, uid, spec):
        self.site = site
        self.uid = uid
        self.name = spec["name"]
        self.id = spec.get("id") or stable_id(site.id, "deliverygroup", self.name)
        self.description = spec.get("description", "")
        self.delivery_type = spec.get("delivery_type", "DesktopsOnly")
        self.session_support = spec.get("session_support", "SingleSession")
        self.machines = []
        # Its day-2 objects (tests/simulator/delivery_groups.py): request-model dicts, and Tag objects of the site.
        self.reboot_schedules = []
        self.power_time_schemes = []
        self.tags = []


class Tag:
    """A site tag (TagResponseModel); machines refer to the object, the API shows its name."""

    def __init__(self, uid, name, tag_id, description=None):
        self.uid = uid
        self.name = name
        self.id = tag_id
        self.description = description

    def path_names(self):
        """Names under which the tag can be addressed in a path (id or name, any case)."""
        return {self.id.lower(), self.name.lower()}


class PowerAction:
    """A power action in progress on one machine (see the module docstring)."""

    def __init__(self, kind, force, requested, phases, final, job=None, failure=None):
        self.kind = kind
        self.force = force
        self.requested = requested
        self.start = requested
        self.phases = phases
        self.final = final
        self.job = job
        self.failure = failure
        self.waiting_since = None
        self.next_phase = 0

    @property
    def total(self):
        """Simulated seconds from start to the end of the action."""
        return sum(phase["seconds"] for phase in self.phases)

    def phase_offset(self, index):
        """Seconds from the start of the action to the start of phase ``index``."""
        return sum(phase["seconds"] for phase in self.phases[:index])


class Machine:
    """A VDA machine with its power, registration and session state."""

    def __init__(self, site, uid, spec, catalog, group, now):
        self.site = site
        self.uid = uid
        self.name = spec["name"]
        self.id = spec.get("id") or stable_id(site.id, "machine", self.name.lower())
        domain, _sep, short = self.name.rpartition("\\")
        self.dns_name = spec.get("dns_name") or "%s.%s.example" % (short.lower(), (domain or "demolab").lower())
        self.sid = spec.get("sid") or "S-1-5-21-3623811015-3361044348-30300820-%d" % (1100 + uid)
        self.ip_address = spec.get("ip_address") or "10.0.%d.%d" % (uid // 250, uid % 250 + 4)
        self.catalog = catalog
        self.delivery_group = group
        self.power_state = spec.get("power_state", "On")
        default_registration = "Registered" if self.power_state == "On" else "Unregistered"
        self.registration_state = spec.get("registration_state", default_registration)
        self.in_maintenance = bool(spec.get("maintenance", False))
        reason = spec.get("maintenance_reason")
        self.maintenance_reason = reason if reason in MAINTENANCE_REASONS and reason != "None" else "Administrator"
        # Tag objects of the site, in the order they were added (the Site fills this in from the scenario's names).
        self.tags = []
        # The users a static desktop is assigned to (DeliveryGroupAddMachinesRequestModel's AssignMachinesToUsers).
        self.assigned_users = list(spec.get("assigned_users") or [])
        # A machine of a catalog that is not power-managed supports no power action unless the scenario says so.
        default_actions = DEFAULT_SUPPORTED_ACTIONS if catalog.is_power_managed else []
        self.supported_power_actions = list(spec.get("supported_power_actions", default_actions))
        self.fail_power_actions = set(spec.get("fail_power_actions", []))
        self.hang_power_actions = set(spec.get("hang_power_actions", []))
        self.fail_error_code = spec.get("fail_error_code", "PowerActionsNotSupported")
        self.os_type = spec.get("os_type", "Windows 2022" if catalog.session_support == "MultiSession" else "Windows 11")
        self.agent_version = spec.get("agent_version", "2311.0.0.1")
        self.last_deregistration = None
        self.last_deregistration_reason = None
        if self.registration_state != "Registered":
            self.last_deregistration = now - 3600 * 20
            self.last_deregistration_reason = "PowerOff" if self.power_state == "Off" else "AgentShutdown"
        self.failure_reason = None
        self.sessions = []
        self.action = None
        self.sessions_lost = 0
        self.power_action_counts = {}
        for entry in self._session_specs(spec.get("sessions", 0)):
            self.sessions.append(Session.from_spec(entry, now, self.session_type))
        site.sessions_added += len(self.sessions)

    @property
    def session_type(self):
        """SessionType of the sessions it hosts."""
        return "Application" if self.catalog.session_support == "MultiSession" else "Desktop"

    @property
    def maintenance_mode_reason(self):
        """MaintenanceModeReason as the current SDK's enum: the reason while in maintenance, else ``None``."""
        return self.maintenance_reason if self.in_maintenance else "None"

    def set_maintenance(self, enabled):
        """Maintenance mode on (through the API: reason ``Administrator``) or off."""
        self.in_maintenance = enabled
        self.maintenance_reason = "Administrator"

    def has_tag(self, tag):
        """True when ``tag`` (a Tag) is directly applied to the machine."""
        return any(own is tag for own in self.tags)

    def _session_specs(self, sessions):
        if isinstance(sessions, int):
            return [{"user": "DEMOLAB\\user%02d" % (index + 1)} for index in range(sessions)]
        return [entry if isinstance(entry, dict) else {"user": entry} for entry in sessions]

    def path_names(self):
        """Names under which the machine can be addressed (``DOMAIN|NAME``, name, id, SID)."""
        return {self.id.lower(), self.name.lower(), self.name.replace("\\", "|").lower(), self.sid.lower()}

    # ----- life cycle -------------------------------------------------------------------------

    def refresh(self, now):
        """Apply every event of the pending power action that the clock has passed."""
        action = self.action
        while action is not None and action.waiting_since is None:
            if action.next_phase < len(action.phases):
                offset = action.phase_offset(action.next_phase)
                if now < action.start + offset:
                    return
                phase = action.phases[action.next_phase]
                if phase.get("logoff") and self.sessions:
                    if not action.force:
                        # The broker waits for the users; the action resumes at this phase.
                        action.waiting_since = action.start + offset
                        return
                    self.sessions_lost += len(self.sessions)
                    self.site.estate.sessions_lost += len(self.sessions)
                    self._record_ended(self.sessions, action.start + offset, "power action")
                    self.sessions = []
                if phase.get("deregister"):
                    self.registration_state = "Unregistered"
                    self.last_deregistration = action.start + offset
                    self.last_deregistration_reason = phase["deregister"]
                action.next_phase += 1
                continue
            end = action.start + action.total
            if now < end:
                return
            self._finish(action, end)
            return

    def _finish(self, action, end):
        self.action = None
        if action.final:
            self.power_state, self.registration_state = action.final
        if action.failure:
            self.failure_reason = action.failure[1]
        if action.job is not None:
            if action.failure:
                action.job.finish(end, "Failed", error=action.failure)
            else:
                action.job.finish(end, "Complete")

    def resume_waiting_action(self, now):
        """Let a non-forced action that waited for sessions carry on (called when sessions end)."""
        action = self.action
        if action is not None and action.waiting_since is not None and not self.sessions:
            action.start += now - action.waiting_since
            action.waiting_since = None
            self.refresh(now)

    def current(self, now):
        """Return ``(power_state, registration_state, power_action_pending)`` at ``now``."""
        self.refresh(now)
        action = self.action
        if action is None:
            return self.power_state, self.registration_state, False
        phase = action.phases[max(action.next_phase - 1, 0)]
        return phase["power"], self.registration_state, phase["pending"]

    def can_accept_session(self, now):
        """True when a user could log on: powered on, registered, not in maintenance."""
        power, registration, _pending = self.current(now)
        return power == "On" and registration == "Registered" and not self.in_maintenance

    def add_session(self, now, user=None, **spec):
        """Log a user on; returns the new session (``spec``: Session.from_spec's other keys; by default a new
        ``Active`` session, ``minutes_in_state`` 0)."""
        self.refresh(now)
        entry = dict({"minutes_in_state": 0}, **spec)
        entry["user"] = user or "DEMOLAB\\user%02d" % (len(self.sessions) + 1)
        session = Session.from_spec(entry, now, self.session_type)
        self.sessions.append(session)
        self.site.sessions_added += 1
        return session

    def _record_ended(self, sessions, when, cause):
        """Note sessions that ended in the estate's log; ``cause``: ``api`` (a logoff through the API), ``user`` (the
        user logged off: after a message, or a control call or trigger), ``power action`` (a forced reboot)."""
        for session in sessions:
            self.site.estate.ended_sessions.append(dict(session.describe(self), EndTime=rfc3339(when), EndedBy=cause))

    def end_session(self, session, now, cause):
        """Log one session off (``cause`` as in _record_ended); a waiting non-forced action then carries on."""
        self.refresh(now)
        if session in self.sessions:
            self.sessions.remove(session)
            self._record_ended([session], now, cause)
        self.resume_waiting_action(now)

    def end_sessions(self, now, cause="user"):
        """Log every session off (users leaving, or an administrator's logoff)."""
        self.refresh(now)
        ended = len(self.sessions)
        self._record_ended(self.sessions, now, cause)
        self.sessions = []
        self.resume_waiting_action(now)
        return ended

    def disconnect_session(self, session, now):
        """The user's client goes away: the session stays, Disconnected since now."""
        if session.state != "Disconnected":
            session.state = "Disconnected"
            session.state_changed = now

    def send_message(self, session, now, title, text, style):
        """Deliver a message; the user logs off on their own at the N-th when told to (``logoff_after_messages``)."""
        session.messages.append({"Title": title, "Text": text, "Style": style, "Time": rfc3339(now)})
        self.site.estate.messages_sent += 1
        after = session.logoff_after_messages
        if after is not None and len(session.messages) >= after:
            self.end_session(session, now, "user")


def _phase(seconds, power, pending=True, **events):
    phase = {"seconds": seconds, "power": power, "pending": pending}
    phase.update(events)
    return phase


def plan_power_action(machine, kind, timings, delay=0, outcome=None):
    """Return ``(phases, final, failure)`` for ``kind`` applied to ``machine`` as it is now.

    ``failure`` is ``(error_code, error_string)`` for an action that will fail.  ``outcome`` is
    ``("fail", error_code)`` or ``("hang", None)`` from the run-time job behaviour, else None.
    """
    seconds = {key: float(value) for key, value in timings.items()}
    wait = [_phase(seconds["pending"] + delay, machine.power_state)]
    if kind in machine.hang_power_actions or (outcome and outcome[0] == "hang"):
        return [_phase(math.inf, machine.power_state)], None, None
    if kind in machine.fail_power_actions or (outcome and outcome[0] == "fail"):
        return ([_phase(seconds["pending"] + delay + seconds["failure"], machine.power_state)], None,
                ((outcome and outcome[1]) or machine.fail_error_code,
                 "The hypervisor did not carry out the power action %s on machine %s." % (ACTION_NAMES[kind], machine.name)))
    state = machine.power_state
    boot = [_phase(seconds["turning_on"], "TurningOn"), _phase(seconds["registering"], "On", pending=False)]
    if kind == "reboot" and state == "On":
        phases = wait + [_phase(seconds["turning_off"], "TurningOff", logoff=True, deregister="AgentShutdown"),
                         _phase(seconds["powered_off"], "Off")] + boot
        return phases, ("On", "Registered"), None
    if kind == "shutdown" and state in ("On", "Suspended"):
        return wait + [_phase(seconds["turning_off"], "TurningOff", logoff=True, deregister="AgentShutdown")], \
            ("Off", "Unregistered"), None
    if kind == "start" and state == "Off":
        return wait + boot, ("On", "Registered"), None
    if (kind in ("start", "resume")) and state == "Suspended":
        return wait + [_phase(seconds["resuming"], "Resuming"), _phase(seconds["registering"], "On", pending=False)], \
            ("On", "Registered"), None
    if kind == "suspend" and state == "On":
        return wait + [_phase(seconds["suspending"], "Suspending", deregister="AgentSuspended")], \
            ("Suspended", "Unregistered"), None
    already = {"start": ("On",), "shutdown": ("Off",), "suspend": ("Suspended",), "resume": ("On",)}
    if state in already.get(kind, ()):
        return [_phase(0.5, state)], None, None
    return ([_phase(1, state)], None,
            ("PowerActionIgnored", "The power action %s does not apply to machine %s in power state %s."
             % (ACTION_NAMES[kind], machine.name, state)))


class Job:
    """A Citrix job (JobResponseModel), owned by the API client that started it."""

    def __init__(self, site, owner, job_type, created, parameters, **options):
        self.id = str(uuid.uuid4())
        self.site = site
        self.owner = owner
        self.type = job_type
        self.created = created
        self.parameters = parameters
        self.duration = options.get("duration")
        self.outcome = options.get("outcome", "Complete")
        self.cancellable = options.get("cancellable", False)
        self.results = options.get("results")
        self.result_location = options.get("result_location")
        self.machine = options.get("machine")
        self.error = options.get("error")
        self.sub_jobs = options.get("sub_jobs", [])
        self.status = None
        self.ended = None

    def finish(self, when, status, error=None):
        """Record the job's end."""
        if self.status is None:
            self.status = status
            self.ended = when
            self.error = error or self.error

    def evaluate(self, now):
        """Return ``(status, progress_percent, started, ended)`` at ``now``."""
        if self.machine is not None:
            self.machine.refresh(now)
        elif self.status is None and now >= self.created + self.duration:
            self.finish(self.created + self.duration, self.outcome)
        started = self.created + min(0.5, (self.duration or 1) / 4)
        if self.status is not None:
            return self.status, 100, min(started, self.ended), self.ended
        if now < started:
            return "NotStarted", 0, None, None
        if self.machine is not None and self.machine.action is not None:
            action = self.machine.action
            if action.waiting_since is not None:
                return "InProgress", 10, started, None
            progress = (now - action.start) / max(action.total, 0.001)
        else:
            progress = (now - self.created) / max(self.duration, 0.001)
        return "InProgress", max(1, min(99, int(progress * 100))), started, None

    def is_cancellable(self, now):
        """Cancellable while it has not ended (power jobs: until the machine starts turning off)."""
        status = self.evaluate(now)[0]
        if status in TERMINAL_JOB_STATES:
            return False
        if self.machine is not None:
            action = self.machine.action
            return action is not None and (action.waiting_since is not None or action.next_phase <= 1)
        return self.cancellable

    def cancel(self, now):
        """Cancel the job (and a power action that has not yet touched the machine)."""
        if self.machine is not None and self.machine.action is not None and self.machine.action.job is self:
            self.machine.action = None
        self.finish(now, "Canceled")


class Site:
    """A DaaS site (Citrix-InstanceId) with its catalogs, delivery groups, machines and jobs."""

    def __init__(self, estate, spec, index, now):
        self.estate = estate
        self.name = spec.get("name", "cloudxdsite%d" % (index + 1))
        self.id = spec.get("id") or stable_id(estate.customer_id, "site", self.name)
        zone_name = spec.get("zone", "Primary")
        self.zone = {"Id": stable_id(self.id, "zone", zone_name), "Uid": 1, "Name": zone_name}
        self.catalogs = []
        self.delivery_groups = []
        self.machines = []
        self.jobs = {}
        self.tags = []
        self._tag_uids = itertools.count(1)
        self._by_path_name = {}
        # Session id -> machine, rebuilt when sessions were added since (ended sessions are checked at lookup).
        self.sessions_added = 0
        self._session_index = {}
        self._session_index_at = -1
        uids = itertools.count(1)
        for tag_spec in spec.get("tags") or []:
            tag_spec = tag_spec if isinstance(tag_spec, dict) else {"name": tag_spec}
            if self.find_tag(tag_spec["name"]) is None:
                self.add_tag(tag_spec["name"], tag_spec.get("description"), tag_spec.get("id"))
        for group_spec in spec.get("delivery_groups") or []:
            self.delivery_groups.append(DeliveryGroup(self, len(self.delivery_groups) + 1, group_spec))
        for catalog_spec in spec.get("catalogs") or []:
            catalog = Catalog(self, len(self.catalogs) + 1, catalog_spec)
            self.catalogs.append(catalog)
            for machine_spec in catalog_spec.get("machines") or []:
                group_name = machine_spec.get("delivery_group", catalog_spec.get("delivery_group"))
                group = self._group_named(group_name, catalog.session_support) if group_name else None
                machine = Machine(self, next(uids), machine_spec, catalog, group, now)
                for tag_name in machine_spec.get("tags") or []:
                    # Scenario tags become site tags on first use.
                    tag = self.find_tag(tag_name) or self.add_tag(tag_name)
                    if not machine.has_tag(tag):
                        machine.tags.append(tag)
                catalog.machines.append(machine)
                if group is not None:
                    group.machines.append(machine)
                self.machines.append(machine)
                for key in machine.path_names():
                    self._by_path_name[key] = machine

    def _group_named(self, name, session_support):
        for group in self.delivery_groups:
            if group.name == name:
                return group
        group = DeliveryGroup(self, len(self.delivery_groups) + 1, {"name": name, "session_support": session_support})
        self.delivery_groups.append(group)
        return group

    def find_machine(self, name_or_id):
        """Machine by id, SID, ``DOMAIN|NAME`` (or ``DOMAIN\\NAME``), or None."""
        return self._by_path_name.get(name_or_id.lower())

    def find_catalog(self, name_or_id):
        """Catalog by id, name or ``Folder|Name``, or None."""
        key = name_or_id.lower()
        return next((catalog for catalog in self.catalogs if key in catalog.path_names()), None)

    def find_delivery_group(self, name_or_id):
        """Delivery group by id or name, or None."""
        key = name_or_id.lower()
        return next((group for group in self.delivery_groups if key in (group.id.lower(), group.name.lower())), None)

    def find_tag(self, name_or_id):
        """Tag by id or name (case-insensitive), or None."""
        key = name_or_id.lower()
        return next((tag for tag in self.tags if tag.id.lower() == key), None) or \
            next((tag for tag in self.tags if tag.name.lower() == key), None)

    def add_tag(self, name, description=None, tag_id=None):
        """Create a site tag; scenario tags get an id derived from the name, API-created ones a new GUID."""
        tag = Tag(next(self._tag_uids), name, tag_id or stable_id(self.id, "tag", name.lower()), description)
        self.tags.append(tag)
        return tag

    def delete_tag(self, tag):
        """Delete a tag and take it off every machine and delivery group."""
        self.tags.remove(tag)
        for group in self.delivery_groups:
            if tag in group.tags:
                group.tags.remove(tag)
        for machine in self.machines:
            if machine.tags and machine.has_tag(tag):
                machine.tags = [own for own in machine.tags if own is not tag]

    def tag_machine_counts(self):
        """``{tag id: number of machines carrying it}`` in one pass over the machines."""
        counts = {tag.id: 0 for tag in self.tags}
        for machine in self.machines:
            for tag in machine.tags:
                counts[tag.id] = counts.get(tag.id, 0) + 1
        return counts

    def find_session(self, session_id):
        """Return ``(machine, session)`` for a session id (any case), or ``(None, None)``."""
        if self._session_index_at != self.sessions_added:
            self._session_index = dict((session.id, (machine, session)) for machine in self.machines
                                       for session in machine.sessions)
            self._session_index_at = self.sessions_added
        machine, session = self._session_index.get(session_id.lower(), (None, None))
        if machine is None:
            return None, None
        machine.refresh(self.estate.clock.now())
        if session not in machine.sessions:
            return None, None
        return machine, session

    def new_job(self, owner, job_type, now, parameters, scripted=False, **options):
        """Create and register a job (``register=False``: a SubJob, seen only in its parent).

        The run-time job behaviour may make it fail or never end, except ``scripted`` ones.
        """
        outcome = None if scripted or "machine" in options else self.estate.job_behaviour.outcome(job_type, parameters)
        if outcome and outcome[0] == "hang":
            options["duration"] = math.inf
        elif outcome:
            options.update(outcome="Failed", error=(outcome[1], "The job %s failed." % job_type))
        register = options.pop("register", True)
        job = Job(self, owner, job_type, now, parameters, **options)
        if register:
            self.jobs[job.id] = job
        return job

    def start_power_action(self, machine, kind, owner, now, force=False, delay=0, make_job=False):
        """Queue a power action on ``machine``; returns the job (or None without ``make_job``).

        Raises ``PowerActionBusy`` when the machine already has an action pending and no job was requested.
        """
        machine.refresh(now)
        if machine.action is not None and not make_job:
            # Rejected (409), so not counted: the counters count accepted actions.
            raise PowerActionBusy(machine.name)
        machine.power_action_counts[kind] = machine.power_action_counts.get(kind, 0) + 1
        self.estate.power_actions += 1
        parameters = [{"Name": "Id", "Value": machine.id}, {"Name": "Name", "Value": machine.name}]
        options = {"result_location": "/Machines/%s" % machine.id}
        if machine.action is not None:
            return self.new_job(owner, ACTION_JOB_TYPES[kind], now, parameters, scripted=True, duration=1, outcome="Failed",
                                error=("PowerActionInProgress", "A power action is already in progress on machine %s."
                                       % machine.name), **options)
        job = self.new_job(owner, ACTION_JOB_TYPES[kind], now, parameters, machine=machine, **options) \
            if make_job else None
        outcome = self.estate.job_behaviour.outcome(ACTION_JOB_TYPES[kind], parameters)
        phases, final, failure = plan_power_action(machine, kind, self.estate.timings, delay, outcome)
        machine.failure_reason = None
        machine.action = PowerAction(kind, force, now, phases, final, job, failure)
        machine.refresh(now)
        return job


class JobBehaviour:
    """Run-time job outcomes set through ``/_sim/jobs/behaviour``: job types that fail or never end.

    ``{"fail": {"types": [...], "machines": [...], "error_code": ...}, "hang": {"types": [...], "machines": [...]}}``;
    ``machines`` (names or ids, optional) limits a rule to jobs whose ``Parameters`` name one of them.
    """

    def __init__(self, settings=None):
        self.settings = settings or {}
        self.rules = []
        for kind in ("fail", "hang"):
            rule = self.settings.get(kind)
            if rule is None:
                continue
            if not isinstance(rule, dict) or not isinstance(rule.get("types"), list) or not rule["types"]:
                raise ValueError("%s needs a non-empty list of job types in 'types'" % kind)
            machines = rule.get("machines")
            if machines is not None and not isinstance(machines, list):
                raise ValueError("%s.machines must be a list of machine names or ids" % kind)
            self.rules.append((kind, {str(name).lower() for name in rule["types"]},
                               None if machines is None else {str(name).lower() for name in machines},
                               rule.get("error_code", "UnknownError") if kind == "fail" else None))

    def outcome(self, job_type, parameters):
        """``("fail", error_code)``, ``("hang", None)`` or None for a new job of ``job_type``."""
        for kind, types, machines, error_code in self.rules:
            if job_type.lower() not in types:
                continue
            if machines is None or any(str(parameter.get("Value", "")).lower() in machines for parameter in parameters):
                return kind, error_code
        return None


DEPLOYMENTS = ("cloud", "on_premises")
# The customer of an on-premises site (API.md 13.3).
ON_PREMISES_CUSTOMER = "CitrixOnPremises"


def domain_users(users):
    """The API clients of an on-premises site: its domain users (``DOMAIN\\user``), keyed by their lower-case name."""
    return dict((user["username"].lower(), {"client_id": user["username"].lower(), "client_secret": user["password"],
                                            "display_name": user.get("display_name", user["username"]),
                                            "sid": user.get("sid")})
                for user in users)


class PowerActionBusy(Exception):
    """A machine already has a power action pending."""


class Estate:
    """Everything a scenario describes: customer, API clients, sites, resource locations."""

    def __init__(self, scenario, clock, deployment=None):
        self.clock = clock
        self.scenario = scenario
        customer = scenario.get("customer") or {}
        self.deployment = deployment or scenario.get("deployment") or "cloud"
        if self.deployment not in DEPLOYMENTS:
            raise ValueError("deployment must be one of %s, got %r" % (", ".join(DEPLOYMENTS), self.deployment))
        self.on_premises = self.deployment == "on_premises"
        self.customer_id = ON_PREMISES_CUSTOMER if self.on_premises else customer.get("id", "democustomer")
        self.customer_name = customer.get("name")
        self.display_name = customer.get("display_name", "DaaS automation")
        self.is_csp = bool(customer.get("csp", False))
        if self.on_premises:
            self.clients = domain_users(scenario.get("domain_users") or [
                {"username": DOMAIN_USER, "password": DOMAIN_PASSWORD, "display_name": self.display_name}])
        else:
            self.clients = {entry["client_id"]: entry for entry in scenario.get("api_clients") or []}
        self.token_lifetime = int(scenario.get("token_lifetime_seconds", 3600))
        self.timings = dict(DEFAULT_TIMINGS, **(scenario.get("power_timings") or {}))
        self.resource_locations = [
            {"id": entry.get("id") or stable_id(self.customer_id, "rl", entry["name"]), "name": entry["name"],
             "internalOnly": bool(entry.get("internal_only", False)), "timeZone": entry.get("time_zone", "GMT Standard Time"),
             "readOnly": bool(entry.get("read_only", False))}
            for entry in scenario.get("resource_locations") or []]
        self.sessions_lost = 0
        self.power_actions = 0
        # The most machines of one site in maintenance mode at the same time (a cap across runs shows here).
        self.most_in_maintenance = 0
        # Site id -> its machines in maintenance mode (see note_maintenance).
        self._in_maintenance = {}
        # Maintenance mode switched off through the API on a machine with a power action pending.
        self.lifted_with_action_pending = 0
        self.notifications = []
        # Sessions that ended (Session.describe + EndTime, EndedBy) and the count of messages delivered.
        self.ended_sessions = []
        self.messages_sent = 0
        self.job_behaviour = JobBehaviour()
        now = clock.now()
        self.sites = [Site(self, spec, index, now) for index, spec in enumerate(scenario.get("sites") or [])]

    def note_maintenance(self, site, change):
        """Count the site's machines in maintenance mode after a change of maintenance mode (``change``: +1, -1 or 0
        machines), counted once per site and then kept up to date, so that a write costs the same on any estate."""
        if site.id in self._in_maintenance:
            self._in_maintenance[site.id] += change
        else:
            self._in_maintenance[site.id] = sum(1 for m in site.machines if m.in_maintenance)
        self.most_in_maintenance = max(self.most_in_maintenance, self._in_maintenance[site.id])

    def find_site(self, site_id):
        """Site by id (case-insensitive) or None."""
        key = site_id.lower()
        return next((site for site in self.sites if site.id.lower() == key), None)

    def find_machine(self, name_or_id):
        """``(site, machine)`` in any site, or ``(None, None)``."""
        for site in self.sites:
            machine = site.find_machine(name_or_id)
            if machine is not None:
                return site, machine
        return None, None
