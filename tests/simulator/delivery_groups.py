"""A delivery group's day-2 objects: reboot schedules, power time schemes, tags and membership.

Bodies follow the spec's RebootScheduleRequestModel/ResponseModel, PowerTimeSchemeRequestModel/ResponseModel,
TagsRequestModel, RefsRequestModel and DeliveryGroupAddMachinesRequestModel. A bad request is answered 400 with
ErrorData naming the property, a missing group, schedule, scheme, tag or machine 404, a duplicate name 409.
"""

import re
import uuid

from . import models
from .daas import _delivery_group, _json_object, _tag, bad_request, not_found, page
from .responses import ApiError, json_response

FREQUENCIES = ("Daily", "Weekly", "Monthly", "Once")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKS = ("First", "Second", "Third", "Fourth", "Last")
SCHEME_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Weekdays", "Weekend")
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
# RebootScheduleRequestModel: property -> (check, defaults on create).
SCHEDULE_INTEGERS = ("FrequencyFactor", "RebootDurationMinutes", "WarningDurationMinutes",
                     "WarningRepeatIntervalMinutes")
SCHEDULE_BOOLEANS = ("Enabled", "IgnoreMaintenanceMode", "UseNaturalReboot")
SCHEDULE_STRINGS = ("Name", "Description", "WarningMessage", "WarningTitle")
SCHEDULE_DEFAULTS = {"Description": "", "Enabled": True, "IgnoreMaintenanceMode": False, "UseNaturalReboot": False,
                     "FrequencyFactor": 1, "RebootDurationMinutes": 0, "WarningDurationMinutes": 0,
                     "WarningRepeatIntervalMinutes": 0, "WarningMessage": "", "WarningTitle": "",
                     "DaysInWeek": [], "WeekInMonth": "Unknown", "DayInMonth": "Unknown", "StartDate": None,
                     "RestrictToTag": None}


def _conflict(message, error_type):
    return ApiError(409, models.error_data(message, error_type))


def _one_of(body, key, allowed):
    value = body[key]
    if value not in allowed:
        raise bad_request("%s '%s' is not valid: use one of %s." % (key, value, ", ".join(allowed)))
    return value


def _typed(body, key, kind, label):
    if not isinstance(body[key], kind) or (kind is int and isinstance(body[key], bool)):
        raise bad_request("%s must be %s." % (key, label))
    return body[key]


def _time_of_day(value, key):
    match = TIME_OF_DAY.match(value) if isinstance(value, str) else None
    if not match:
        raise bad_request("%s '%s' is not a time of day (HH:MM or HH:MM:SS)." % (key, value))
    return "%s:%s:%s" % (match.group(1), match.group(2), match.group(3) or "00")


def _schedule_fields(ctx, body):
    """The checked properties of a RebootScheduleRequestModel (only those it carries)."""
    fields = {}
    for key in body:
        if key in ("Id", "Day"):
            continue
        if key in SCHEDULE_STRINGS:
            fields[key] = _typed(body, key, str, "a string")
        elif key in SCHEDULE_BOOLEANS:
            fields[key] = _typed(body, key, bool, "true or false")
        elif key in SCHEDULE_INTEGERS:
            fields[key] = _typed(body, key, int, "an integer")
            if fields[key] < 0:
                raise bad_request("%s must not be negative." % key)
        elif key == "Frequency":
            fields[key] = _one_of(body, key, FREQUENCIES)
        elif key == "WeekInMonth":
            fields[key] = _one_of(body, key, WEEKS)
        elif key == "DayInMonth":
            fields[key] = _one_of(body, key, DAYS)
        elif key == "DaysInWeek":
            days = body[key]
            if not isinstance(days, list) or any(day not in DAYS for day in days):
                raise bad_request("DaysInWeek must be a list of %s." % ", ".join(DAYS))
            fields[key] = [day for day in DAYS if day in days]
        elif key == "StartTime":
            fields[key] = _time_of_day(body[key], key)
        elif key == "StartDate":
            if not isinstance(body[key], str) or not DATE.match(body[key]):
                raise bad_request("StartDate '%s' is not a date (YYYY-MM-DD)." % body[key])
            fields[key] = body[key]
        elif key == "RestrictToTag":
            fields[key] = None if body[key] in (None, "") else _tag_or_400(ctx, body[key]).id
        else:
            raise bad_request("The property '%s' is not part of RebootScheduleRequestModel." % key)
    if "Name" in fields and not fields["Name"].strip():
        raise bad_request("The reboot schedule Name must not be empty.")
    return fields


def _tag_or_400(ctx, name_or_id):
    tag = ctx.site.find_tag(str(name_or_id))
    if tag is None:
        raise bad_request("RestrictToTag: the tag '%s' does not exist." % name_or_id, "ObjectNotFound")
    return tag


def _check_schedule(schedule):
    """The rules between properties, on the schedule as it would be stored."""
    frequency = schedule["Frequency"]
    if frequency == "Weekly" and not schedule["DaysInWeek"]:
        raise bad_request("A Weekly reboot schedule needs DaysInWeek.")
    if frequency == "Monthly" and "Unknown" in (schedule["WeekInMonth"], schedule["DayInMonth"]):
        raise bad_request("A Monthly reboot schedule needs WeekInMonth and DayInMonth.")
    if frequency == "Once" and not schedule["StartDate"]:
        raise bad_request("A reboot schedule that runs Once needs StartDate.")
    if schedule["WarningDurationMinutes"] and not schedule["WarningMessage"]:
        raise bad_request("WarningMessage is required when WarningDurationMinutes is more than 0.")


def _schedule(ctx, group, name_or_id):
    key = name_or_id.lower()
    found = next((s for s in group.reboot_schedules if key in (s["Id"].lower(), s["Name"].lower())), None)
    if found is None:
        raise not_found("Reboot schedule", name_or_id)
    return found


def _schedule_model(site, group, schedule):
    body = dict(schedule)
    tag = next((t for t in site.tags if t.id == schedule["RestrictToTag"]), None)
    body["RestrictToTag"] = {"Id": tag.id, "Uid": tag.uid, "Name": tag.name} if tag else None
    body["DeliveryGroup"] = models.ref(group)
    return body


async def list_group_schedules(ctx):
    """GET /DeliveryGroups/{nameOrId}/RebootSchedules."""
    group = _delivery_group(ctx)
    return json_response(200, page(ctx, group.reboot_schedules, lambda s: _schedule_model(ctx.site, group, s)))


async def list_all_schedules(ctx):
    """GET /RebootSchedules: every group's schedules in one collection."""
    items = [_schedule_model(ctx.site, group, s) for group in ctx.site.delivery_groups for s in group.reboot_schedules]
    return json_response(200, {"Items": items, "ContinuationToken": None})


async def get_schedule(ctx):
    """GET /DeliveryGroups/{nameOrId}/RebootSchedules/{scheduleNameOrId}."""
    group = _delivery_group(ctx)
    return json_response(200, _schedule_model(ctx.site, group, _schedule(ctx, group, ctx.args[1])))


async def head_schedule(ctx):
    """HEAD /DeliveryGroups/{nameOrId}/RebootSchedules/{name}: 204 when it exists."""
    group = _delivery_group(ctx)
    _schedule(ctx, group, ctx.args[1])
    return json_response(204)


def _unique_schedule_name(group, name, own=None):
    if any(s is not own and s["Name"].lower() == name.lower() for s in group.reboot_schedules):
        raise _conflict("A reboot schedule named '%s' already exists in delivery group '%s'." % (name, group.name),
                        "RebootScheduleNameAlreadyExists")


async def create_schedule(ctx):
    """POST /DeliveryGroups/{nameOrId}/RebootSchedules: 200 RebootScheduleResponseModel."""
    group = _delivery_group(ctx)
    fields = _schedule_fields(ctx, await _json_object(ctx))
    for required in ("Name", "Frequency", "StartTime"):
        if required not in fields:
            raise bad_request("The reboot schedule %s is required." % required)
    _unique_schedule_name(group, fields["Name"])
    schedule = dict(SCHEDULE_DEFAULTS, Id=str(uuid.uuid4()), **fields)
    _check_schedule(schedule)
    group.reboot_schedules.append(schedule)
    return json_response(200, _schedule_model(ctx.site, group, schedule))


async def patch_schedule(ctx):
    """PATCH /DeliveryGroups/{nameOrId}/RebootSchedules/{scheduleNameOrId}: 200 with the schedule."""
    group = _delivery_group(ctx)
    schedule = _schedule(ctx, group, ctx.args[1])
    fields = _schedule_fields(ctx, await _json_object(ctx))
    if "Name" in fields:
        _unique_schedule_name(group, fields["Name"], own=schedule)
    changed = dict(schedule, **fields)
    _check_schedule(changed)
    schedule.update(changed)
    return json_response(200, _schedule_model(ctx.site, group, schedule))


async def delete_schedule(ctx):
    """DELETE /DeliveryGroups/{nameOrId}/RebootSchedules/{scheduleNameOrId}: 204."""
    group = _delivery_group(ctx)
    schedule = _schedule(ctx, group, ctx.args[1])
    group.reboot_schedules.remove(schedule)
    return json_response(204)


# ----- power time schemes ---------------------------------------------------------------------


def _scheme_fields(body):
    """The checked properties of a PowerTimeSchemeRequestModel (only those it carries)."""
    fields = {}
    for key in body:
        value = body[key]
        if key in ("Name", "DisplayName"):
            fields[key] = _typed(body, key, str, "a string")
        elif key == "PoolUsingPercentage":
            fields[key] = _typed(body, key, bool, "true or false")
        elif key == "DaysOfWeek":
            if not isinstance(value, list) or not value or any(day not in SCHEME_DAYS for day in value):
                raise bad_request("DaysOfWeek must be a non-empty list of %s." % ", ".join(SCHEME_DAYS))
            fields[key] = list(value)
        elif key == "PeakTimeRanges":
            if not isinstance(value, list) or any(not isinstance(r, str) or not TIME_RANGE.match(r) for r in value):
                raise bad_request("PeakTimeRanges must be a list of time ranges (HH:MM-HH:MM).")
            fields[key] = list(value)
        elif key == "PoolSizeSchedule":
            fields[key] = [_pool_size(item) for item in value] if isinstance(value, list) else _pool_size(None)
        elif key in ("PeakHours", "PoolSize"):
            kind = bool if key == "PeakHours" else int
            if not isinstance(value, list) or len(value) != 24 or any(not isinstance(v, kind) for v in value):
                raise bad_request("%s must be a list of 24 values, one for each hour." % key)
            fields[key] = list(value)
        else:
            raise bad_request("The property '%s' is not part of PowerTimeSchemeRequestModel." % key)
    if "Name" in fields and not fields["Name"].strip():
        raise bad_request("The power time scheme Name must not be empty.")
    return fields


def _pool_size(item):
    if not isinstance(item, dict) or not isinstance(item.get("TimeRange"), str) or \
            not TIME_RANGE.match(item["TimeRange"]) or not isinstance(item.get("PoolSize"), int) or \
            isinstance(item.get("PoolSize"), bool) or item["PoolSize"] < 0:
        raise bad_request("PoolSizeSchedule must be a list of {TimeRange: HH:MM-HH:MM, PoolSize: 0 or more}.")
    return {"TimeRange": item["TimeRange"], "PoolSize": item["PoolSize"]}


def _covered_days(days):
    covered = set()
    for day in days:
        covered.update({"Weekdays": SCHEME_DAYS[1:6], "Weekend": ("Saturday", "Sunday")}.get(day, (day,)))
    return covered


def _scheme(group, name_or_id):
    key = name_or_id.lower()
    found = next((s for s in group.power_time_schemes if key in (s["Id"].lower(), s["Name"].lower())), None)
    if found is None:
        raise not_found("Power time scheme", name_or_id)
    return found


def _check_scheme(group, scheme):
    """Names are unique in the group and no day is covered by two of its schemes."""
    for other in group.power_time_schemes:
        if other is scheme or other["Id"] == scheme["Id"]:
            continue
        if other["Name"].lower() == scheme["Name"].lower():
            raise _conflict("A power time scheme named '%s' already exists in delivery group '%s'."
                            % (scheme["Name"], group.name), "PowerTimeSchemeNameAlreadyExists")
        overlap = _covered_days(other["DaysOfWeek"]) & _covered_days(scheme["DaysOfWeek"])
        if overlap:
            raise _conflict("DaysOfWeek: %s already covered by power time scheme '%s'."
                            % (", ".join(sorted(overlap)), other["Name"]), "PowerTimeSchemeDaysOverlap")


async def list_schemes(ctx):
    """GET /DeliveryGroups/{nameOrId}/PowerTimeSchemes."""
    group = _delivery_group(ctx)
    return json_response(200, page(ctx, group.power_time_schemes, dict))


async def get_scheme(ctx):
    """GET /DeliveryGroups/{nameOrId}/PowerTimeSchemes/{schemeNameOrId}."""
    return json_response(200, dict(_scheme(_delivery_group(ctx), ctx.args[1])))


async def create_scheme(ctx):
    """POST /DeliveryGroups/{nameOrId}/PowerTimeSchemes: 200 PowerTimeSchemeResponseModel."""
    group = _delivery_group(ctx)
    fields = _scheme_fields(await _json_object(ctx))
    for required in ("Name", "DaysOfWeek"):
        if required not in fields:
            raise bad_request("The power time scheme %s is required." % required)
    scheme = dict({"DisplayName": fields["Name"], "PeakTimeRanges": [], "PoolSizeSchedule": [],
                   "PoolUsingPercentage": False, "PeakHours": [False] * 24, "PoolSize": [0] * 24},
                  Id=str(uuid.uuid4()), **fields)
    _check_scheme(group, scheme)
    group.power_time_schemes.append(scheme)
    return _scheme_answer(ctx, "CreatePowerTimeScheme", group, scheme)


async def patch_scheme(ctx):
    """PATCH /DeliveryGroups/{nameOrId}/PowerTimeSchemes/{schemeNameOrId}: 200 with the scheme."""
    group = _delivery_group(ctx)
    scheme = _scheme(group, ctx.args[1])
    changed = dict(scheme, **_scheme_fields(await _json_object(ctx)))
    _check_scheme(group, changed)
    scheme.update(changed)
    return _scheme_answer(ctx, "UpdatePowerTimeScheme", group, scheme)


def _scheme_answer(ctx, job_type, group, scheme):
    if ctx.flag("async"):
        return ctx.accepted(ctx.site.new_job(
            ctx.client["client_id"], job_type, ctx.now, [{"Name": "DeliveryGroup", "Value": group.id}],
            duration=float(ctx.sim.estate.timings["job"]),
            result_location="/DeliveryGroups/%s/PowerTimeSchemes/%s" % (group.id, scheme["Id"])))
    return json_response(200, dict(scheme))


async def delete_scheme(ctx):
    """DELETE /DeliveryGroups/{nameOrId}/PowerTimeSchemes/{schemeNameOrId}: 204."""
    group = _delivery_group(ctx)
    group.power_time_schemes.remove(_scheme(group, ctx.args[1]))
    return json_response(204)


# ----- tags of delivery groups ----------------------------------------------------------------


def _group_tags(ctx, group):
    return {"Items": [ctx.fields(models.tag_model(tag, 0)) for tag in group.tags], "ContinuationToken": None}


async def get_group_tags(ctx):
    """GET /DeliveryGroups/{nameOrId}/Tags."""
    return json_response(200, _group_tags(ctx, _delivery_group(ctx)))


async def add_group_tag(ctx):
    """POST /DeliveryGroups/{nameOrId}/Tags/{tagNameOrId}: 200 with the group's tags (already there: no duplicate)."""
    group = _delivery_group(ctx)
    tag = _tag(ctx, ctx.args[1])
    if tag not in group.tags:
        group.tags.append(tag)
    return json_response(200, _group_tags(ctx, group))


async def remove_group_tag(ctx):
    """DELETE /DeliveryGroups/{nameOrId}/Tags/{tagNameOrId}: 204; 404 when the group does not carry it."""
    group = _delivery_group(ctx)
    tag = _tag(ctx, ctx.args[1])
    if tag not in group.tags:
        raise ApiError(404, models.error_data("Delivery group '%s' does not have the tag '%s'." % (group.name, tag.name),
                                              "ObjectNotFound"))
    group.tags.remove(tag)
    return json_response(204)


async def set_group_tags(ctx):
    """PUT /DeliveryGroups/{nameOrId}/Tags (TagsRequestModel ``Items``): the group carries exactly those tags."""
    group = _delivery_group(ctx)
    items = (await _json_object(ctx)).get("Items")
    if not isinstance(items, list) or any(not isinstance(item, str) for item in items):
        raise bad_request("Items must be a list of tag names or Ids.")
    group.tags = list(dict.fromkeys(_tag(ctx, item) for item in items))
    return json_response(204)


async def tag_delivery_groups(ctx):
    """GET /Tags/{nameOrId}/DeliveryGroups."""
    tag = _tag(ctx, ctx.args[0])
    groups = [group for group in ctx.site.delivery_groups if tag in group.tags]
    return json_response(200, page(ctx, groups, lambda group: models.delivery_group_model(group, ctx.now)))


async def set_tag_delivery_groups(ctx):
    """PUT /Tags/{nameOrId}/DeliveryGroups (RefsRequestModel): exactly these groups carry the tag; 204."""
    tag = _tag(ctx, ctx.args[0])
    items = (await _json_object(ctx)).get("Items")
    if not isinstance(items, list) or any(not isinstance(item, str) for item in items):
        raise bad_request("Items must be a list of delivery group names or Ids.")
    wanted = []
    for item in items:
        group = ctx.site.find_delivery_group(item)
        if group is None:
            raise not_found("Delivery group", item)
        wanted.append(group)
    for group in ctx.site.delivery_groups:
        if group in wanted and tag not in group.tags:
            group.tags.append(tag)
        elif group not in wanted and tag in group.tags:
            group.tags.remove(tag)
    return json_response(204)


async def tag_machines(ctx):
    """GET /Tags/{nameOrId}/Machines."""
    tag = _tag(ctx, ctx.args[0])
    machines = [machine for machine in ctx.site.machines if machine.tags and machine.has_tag(tag)]
    return json_response(200, page(ctx, machines, lambda machine: models.machine_model(machine, ctx.now, detail=False)))


async def patch_tag(ctx):
    """PATCH /Tags/{nameOrId} (TagRequestModel): its name or description; 204."""
    tag = _tag(ctx, ctx.args[0])
    body = await _json_object(ctx)
    if "Description" in body:
        if body["Description"] is not None and not isinstance(body["Description"], str):
            raise bad_request("The tag Description must be a string.")
        tag.description = body["Description"]
    if body.get("Name") not in (None, tag.name):
        if not isinstance(body["Name"], str) or not body["Name"].strip():
            raise bad_request("The tag Name must not be empty.")
        if ctx.site.find_tag(body["Name"]) is not None:
            raise _conflict("A tag named '%s' already exists." % body["Name"], "TagAlreadyExists")
        tag.name = body["Name"]
    return json_response(204)


# ----- membership -----------------------------------------------------------------------------


async def add_machines(ctx):
    """POST /DeliveryGroups/{nameOrId}/Machines (DeliveryGroupAddMachinesRequestModel).

    ``Count`` free machines of the catalog, or the machines of ``AssignMachinesToUsers`` (with their users), join the
    group; 400 when the catalog has too few free machines or a machine is not the catalog's or is in another group.
    """
    group = _delivery_group(ctx)
    body = await _json_object(ctx)
    catalog_name = body.get("MachineCatalog")
    if not isinstance(catalog_name, str) or not catalog_name:
        raise bad_request("MachineCatalog is required.")
    catalog = ctx.site.find_catalog(catalog_name)
    if catalog is None:
        raise not_found("Machine catalog", catalog_name)
    if catalog.session_support != group.session_support:
        raise bad_request("Machine catalog '%s' is %s; delivery group '%s' is %s." % (
            catalog.name, catalog.session_support, group.name, group.session_support), "IncompatibleSessionSupport")
    joining = _assigned(ctx, catalog, body.get("AssignMachinesToUsers") or [])
    count = body.get("Count")
    if count is not None:
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise bad_request("Count must be an integer of 1 or more.")
        free = [m for m in catalog.machines if m.delivery_group is None and m not in dict(joining)]
        if len(free) < count:
            raise bad_request("Machine catalog '%s' has %d machines not in a delivery group; Count is %d."
                              % (catalog.name, len(free), count), "NotEnoughMachines")
        joining.extend((machine, []) for machine in free[:count])
    if not joining:
        raise bad_request("Give Count or AssignMachinesToUsers.")
    for machine, users in joining:
        machine.delivery_group = group
        machine.assigned_users = list(users)
        group.machines.append(machine)
    if ctx.flag("async"):
        return ctx.accepted(ctx.site.new_job(
            ctx.client["client_id"], "AddMachinesToDeliveryGroup", ctx.now, [{"Name": "DeliveryGroup", "Value": group.id}],
            duration=float(ctx.sim.estate.timings["job"]), result_location="/DeliveryGroups/%s" % group.id))
    return json_response(200, models.delivery_group_model(group, ctx.now, detail=True))


def _assigned(ctx, catalog, assignments):
    """[(machine, users)] of AssignMachinesToUsers, each machine of ``catalog`` and in no delivery group."""
    if not isinstance(assignments, list):
        raise bad_request("AssignMachinesToUsers must be a list.")
    joining = []
    for entry in assignments:
        users = entry.get("Users") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not isinstance(entry.get("Machine"), str) or \
                not isinstance(users or [], list):
            raise bad_request("AssignMachinesToUsers items are {Machine, Users}.")
        machine = ctx.machine(entry["Machine"].replace("\\", "|"))
        if machine.catalog is not catalog:
            raise bad_request("Machine '%s' is not in machine catalog '%s'." % (machine.name, catalog.name),
                              "MachineNotInCatalog")
        if machine.delivery_group is not None:
            raise bad_request("Machine '%s' is already in delivery group '%s'." % (
                machine.name, machine.delivery_group.name), "MachineAlreadyInDeliveryGroup")
        joining.append((machine, users or []))
    return joining


async def remove_machine(ctx):
    """DELETE /DeliveryGroups/{nameOrId}/Machines/{machineNameOrId}: 204 (202 with async=true)."""
    group = _delivery_group(ctx)
    machine = ctx.machine(ctx.args[1])
    if machine.delivery_group is not group:
        raise bad_request("Machine '%s' is not in delivery group '%s'." % (machine.name, group.name),
                          "MachineNotInDeliveryGroup")
    if machine.sessions:
        raise _conflict("Machine '%s' has %d sessions; it cannot leave the delivery group."
                        % (machine.name, len(machine.sessions)), "MachineHasSessions")
    group.machines.remove(machine)
    machine.delivery_group = None
    machine.assigned_users = []
    if ctx.flag("async"):
        return ctx.accepted(ctx.site.new_job(
            ctx.client["client_id"], "RemoveMachinesFromDeliveryGroup", ctx.now,
            [{"Name": "DeliveryGroup", "Value": group.id}, {"Name": "Machine", "Value": machine.id}],
            duration=float(ctx.sim.estate.timings["job"]), result_location="/DeliveryGroups/%s" % group.id))
    return json_response(204)


def group_state(site, group):
    """A delivery group's day-2 objects as the control endpoint ``/_sim/state`` shows them."""
    return {"Id": group.id, "Name": group.name, "Tags": [tag.name for tag in group.tags],
            "RebootSchedules": [_schedule_model(site, group, s) for s in group.reboot_schedules],
            "PowerTimeSchemes": [dict(s) for s in group.power_time_schemes],
            "Machines": [{"Name": m.name, "AssignedUsers": list(m.assigned_users)} for m in group.machines]}


ROUTES = [
    ("GET", ("rebootschedules",), list_all_schedules),
    ("GET", ("deliverygroups", None, "rebootschedules"), list_group_schedules),
    ("POST", ("deliverygroups", None, "rebootschedules"), create_schedule),
    ("GET", ("deliverygroups", None, "rebootschedules", None), get_schedule),
    ("HEAD", ("deliverygroups", None, "rebootschedules", None), head_schedule),
    ("PATCH", ("deliverygroups", None, "rebootschedules", None), patch_schedule),
    ("DELETE", ("deliverygroups", None, "rebootschedules", None), delete_schedule),
    ("GET", ("deliverygroups", None, "powertimeschemes"), list_schemes),
    ("POST", ("deliverygroups", None, "powertimeschemes"), create_scheme),
    ("GET", ("deliverygroups", None, "powertimeschemes", None), get_scheme),
    ("PATCH", ("deliverygroups", None, "powertimeschemes", None), patch_scheme),
    ("DELETE", ("deliverygroups", None, "powertimeschemes", None), delete_scheme),
    ("GET", ("deliverygroups", None, "tags"), get_group_tags),
    ("PUT", ("deliverygroups", None, "tags"), set_group_tags),
    ("POST", ("deliverygroups", None, "tags", None), add_group_tag),
    ("DELETE", ("deliverygroups", None, "tags", None), remove_group_tag),
    ("POST", ("deliverygroups", None, "machines"), add_machines),
    ("DELETE", ("deliverygroups", None, "machines", None), remove_machine),
    ("GET", ("tags", None, "deliverygroups"), tag_delivery_groups),
    ("PUT", ("tags", None, "deliverygroups"), set_tag_delivery_groups),
    ("GET", ("tags", None, "machines"), tag_machines),
    ("PATCH", ("tags", None), patch_tag),
]
