# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired state: what differs between an object and its entry, the plan, its writes in $batch waves, the result.

No HTTP here: the requests are the client's BatchRequests and travel through DaaSClient.batch. A module turns each
entry of its list option into a Change (plan_change), sends them with apply_changes (nothing in check mode) and
returns converged_result.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule, capped_list

ACTIONS = ('create', 'update', 'delete', 'none')


def set_fields(entry, options):
    """{API property: value} of the entry's options that are set; ``options`` maps option name -> API property."""
    return dict((prop, entry[option]) for option, prop in options.items() if entry.get(option) is not None)


class Reference(str):
    """An object the API answers as a reference ({Id, Name}), shown by its name; equal to its name or Id in any case.

    So an entry may name it either way (as the API's ``nameOrId`` takes it) and still compare equal.
    """

    def __new__(cls, ref):
        ref = ref if isinstance(ref, dict) else {}
        text = super(Reference, cls).__new__(cls, ref.get('Name') or ref.get('Id') or '')
        text.ref = ref
        return text

    def __eq__(self, other):
        return isinstance(other, str) and (other.lower() == self.lower() or is_named(self.ref, other))

    def __ne__(self, other):
        return not self == other

    __hash__ = str.__hash__


def differences(current, wanted):
    """(before, after): the properties of ``wanted`` whose value differs from ``current``'s, both sides."""
    changed = [prop for prop, value in wanted.items() if current.get(prop) != value]
    return dict((prop, current.get(prop)) for prop in changed), dict((prop, wanted[prop]) for prop in changed)


class Change(object):
    """One object's way to its desired state.

    ``key`` names it in results and diff ("Group/Name"); ``action`` is create, update, delete or none; ``before`` and
    ``after`` hold only the properties that differ (all of them on create and delete); ``waves`` are lists of
    BatchRequests, wave i of every change travels before wave i+1 of any; ``details`` go into its result.
    """

    def __init__(self, key, action, before=None, after=None, waves=None, **details):
        self.key = key
        self.action = action
        self.before = before or {}
        self.after = after or {}
        self.waves = [list(wave) for wave in waves or [] if wave]
        self.details = details
        self.error = None
        # How many of its writes the API accepted (a failed change may be half done).
        self.applied = 0

    @property
    def changed(self):
        return self.action != 'none'

    def result(self, check_mode):
        status = 'failed' if self.error else ('unchanged' if not self.changed else
                                              ('would %s' % self.action if check_mode else self.action + 'd'))
        result = dict(key=self.key, action=self.action, status=status)
        if self.changed:
            result.update(before=self.before, after=self.after)
        if self.error:
            result['reason'] = str(self.error)
        result.update(self.details)
        return result


def failed_change(key, error):
    """The Change of an object that could not be read: nothing to do, and the read's error."""
    change = Change(key, 'none')
    change.error = error
    return change


def plan_change(key, current, current_view, wanted, state, create, update, delete, **details):
    """The Change of one entry.

    ``current`` is the API object (None: absent) and ``current_view`` its comparable properties; ``wanted`` the
    properties the entry sets. create() and delete() give the waves of requests of their action, update(after) those
    that write the differing properties.
    """
    if state == 'absent':
        if current is None:
            return Change(key, 'none', **details)
        return Change(key, 'delete', before=current_view, waves=delete(), **details)
    if current is None:
        return Change(key, 'create', after=wanted, waves=create(), **details)
    before, after = differences(current_view, wanted)
    if not after:
        return Change(key, 'none', **details)
    return Change(key, 'update', before=before, after=after, waves=update(after), **details)


def apply_changes(client, changes, check_mode):
    """Send the changes' writes, wave by wave, each wave as $batch requests; nothing in check mode.

    A change whose write failed keeps the error and sends none of its later waves. Returns the changes.
    """
    if check_mode:
        return changes
    for wave in range(max([len(change.waves) for change in changes] or [0])):
        sending = [change for change in changes if change.error is None and wave < len(change.waves)]
        requests = [(change, request) for change in sending for request in change.waves[wave]]
        for (change, _request), outcome in zip(requests, client.batch([request for _change, request in requests])):
            if outcome.error is None:
                change.applied += 1
            elif change.error is None:
                change.error = outcome.error
    return changes


def converged_result(daas, changes, what, **more):
    """The module's result; fails the task, with the result, naming the first objects that failed."""
    check_mode = daas.check_mode
    results = [change.result(check_mode) for change in changes]
    output = dict(changed=any(c.changed and (check_mode or c.error is None or c.applied) for c in changes),
                  results=results,
                  diff=dict(before=dict((c.key, c.before) for c in changes if c.changed),
                            after=dict((c.key, c.after) for c in changes if c.changed)),
                  summary=dict((action, sum(1 for change in changes if change.action == action)) for action in ACTIONS),
                  **more)
    failed = [change for change in changes if change.error]
    if failed:
        daas.fail('%s failed for %d of %d: %s' % (what, len(failed), len(changes),
                                                  capped_list('%s: %s' % (c.key, c.error) for c in failed)), **output)
    return output


def one_per_key(daas, entries, key_of, option):
    """Fail when two entries of ``option`` name the same object (case-insensitive); entries are returned as given."""
    seen = {}
    for position, entry in enumerate(entries):
        key = key_of(entry).lower()
        if key in seen:
            daas.fail('%s[%d] and %s[%d] both describe %s: give each object once'
                      % (option, seen[key], option, position, key_of(entry)))
        seen[key] = position
    return entries


def find_named(objects, name_or_id):
    """The object whose Name or Id is ``name_or_id`` (case-insensitive), or None."""
    return next((obj for obj in objects if is_named(obj, name_or_id)), None)


def read_groups(client, groups, part):
    """{group as given: [objects] or DaaSError}: one collection of each delivery group, read in $batch GETs."""
    groups = list(dict.fromkeys(groups))
    paths = [client.delivery_group_path(group, part) for group in groups]
    read = client.read_many(paths)
    return dict((group, read[path]) for group, path in zip(groups, paths))


def converge_group_items(daas, entries, option, part, properties, view):
    """The Changes that bring named objects of delivery groups (reboot schedules, power time schemes) to ``entries``.

    Each entry has delivery_group, name, state and the options of ``properties`` (option -> API property);
    view(api object) gives its comparable properties, the same shape as set_fields gives for an entry. Returns the
    Changes, sent unless in check mode.
    """
    client = daas.client
    one_per_key(daas, entries, lambda entry: '%s/%s' % (entry['delivery_group'], entry['name']), option)
    current_of = read_groups(client, [entry['delivery_group'] for entry in entries], part)
    changes = []
    for entry in entries:
        group, name = entry['delivery_group'], entry['name']
        key = '%s/%s' % (group, name)
        items = current_of[group]
        if not isinstance(items, list):
            changes.append(failed_change(key, items))
            continue
        current = find_named(items, name)
        wanted = set_fields(entry, properties)
        item_id = current.get('Id') if current else None
        changes.append(plan_change(
            key, current, view(current) if current else None, wanted, entry['state'],
            create=lambda entry=entry, wanted=wanted: [[client.group_item_create(
                entry['delivery_group'], part, dict(wanted, Name=entry['name']))]],
            update=lambda after, group=group, item_id=item_id: [[client.group_item_update(group, part, item_id, after)]],
            delete=lambda group=group, item_id=item_id: [[client.group_item_delete(group, part, item_id)]],
            id=item_id))
    return apply_changes(client, changes, daas.check_mode)


def run_group_items_module(argument_spec, option, part, properties, view, checked_entries, what):
    """The whole of a module that keeps named objects of delivery groups (see converge_group_items) as declared.

    checked_entries(daas) returns the entries of ``option`` in the API's form (or fails the task in one line);
    ``what`` names the objects in a failure ("Reboot schedules failed for 1 of 3: ...").
    """
    def execute(daas):
        changes = converge_group_items(daas, checked_entries(daas), option, part, properties, view)
        return converged_result(daas, changes, what)

    DaaSModule(argument_spec=argument_spec, supports_check_mode=True).run(execute)


def is_named(obj, name):
    """True when ``name`` is the object's Name or Id (without regard to case)."""
    return str(name).lower() in (str(obj.get('Name', '')).lower(), str(obj.get('Id', '')).lower())


def members_after(current, wanted, exclusive):
    """(after, missing, extra) of a membership: ``current`` names as read, ``wanted`` names or Ids as given.

    current and wanted are [{Name, Id}] and [str]; ``after`` is the sorted names the object would have, ``missing``
    the wanted ones not there yet, ``extra`` the current ones to take off (only when ``exclusive``).
    """
    missing = [name for name in dict.fromkeys(wanted) if not any(is_named(member, name) for member in current)]
    extra = [member for member in current if exclusive and not any(is_named(member, name) for name in wanted)]
    kept = [member['Name'] for member in current if member not in extra]
    return sorted(kept + missing, key=str.lower), missing, extra
