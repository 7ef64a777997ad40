#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep Citrix DaaS tags, and the delivery groups and machines that carry them, in a desired state."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: tag
version_added: 0.1.0
short_description: Keep Citrix DaaS tags, and which delivery groups and machines carry them, as declared
description:
  - Creates or deletes tags of the site, sets their description, and puts each on the delivery groups and machines
    listed for it.
  - By default a tag is only added to the objects listed; with O(tags[].exclusive=true) it is also taken off every
    other delivery group (or machine) of the site, so that exactly the listed ones carry it.
  - One task reads the site's tags once and which objects carry each tag with C($batch) GET requests; the writes travel
    in C($batch) requests. A second run with the same entries sends only reads.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
options:
  tags:
    description: The tags, one entry each, found by O(tags[].name) (or Id) without regard to case.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The tag's C(Name).
        type: str
        required: true
      state:
        description:
          - V(present) creates the tag when it does not exist and puts it on the objects listed.
          - V(absent) deletes the tag from the site, which takes it off every object that carries it.
        type: str
        choices: [present, absent]
        default: present
      description:
        description: C(Description); left as it is when not set.
        type: str
      delivery_groups:
        description:
          - The delivery groups, by name or Id, that carry the tag. Not set, the tag's delivery groups are left alone.
        type: list
        elements: str
      machines:
        description:
          - The machines, by name (V(DOMAIN\\NAME)) or Id, that carry the tag. Not set, the tag's machines are left alone.
        type: list
        elements: str
      exclusive:
        description:
          - V(true) takes the tag off the delivery groups and machines not listed (only for the lists that are set);
            V(false) only adds it.
        type: bool
        default: false
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.ACTIONS
attributes:
  diff_mode:
    details:
      - Keyed by tag name. Shows only what differs, C(Description), C(DeliveryGroups) or C(Machines) (sorted names),
        before and after.
seealso:
  - module: citrix_cloud.daas.delivery_group_info
  - module: citrix_cloud.daas.machine_maintenance
'''

EXAMPLES = r'''
- name: Exactly these delivery groups carry the tag; two more machines carry it too
  citrix_cloud.daas.tag:
    tags:
      - name: finance
        description: Finance department
        delivery_groups: [Finance-Desktops]
        exclusive: true
      - name: reboot-ok
        machines:
          - DEMOLAB\FIN-001
          - DEMOLAB\FIN-002

- name: Delete a tag from the site
  citrix_cloud.daas.tag:
    tags:
      - name: old-project
        state: absent
'''

RETURN = r'''
results:
  description: One entry per tag, in the order of O(tags).
  returned: always
  type: list
  elements: dict
  contains:
    key:
      description: The tag's name as given.
      type: str
      sample: finance
    action:
      description: V(create), V(update), V(delete) or V(none).
      type: str
      sample: update
    status:
      description: V(created), V(updated), V(deleted), V(would create) (and so on, in check mode), V(unchanged) or V(failed).
      type: str
      sample: updated
    id:
      description: The tag's C(Id) as read; V(null) for a tag that did not exist.
      type: str
      sample: 5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716
    before:
      description: What differs, as read.
      type: dict
      returned: when changed
      sample: {DeliveryGroups: [Finance-Desktops, Shared-Apps]}
    after:
      description: What differs, as written.
      type: dict
      returned: when changed
      sample: {DeliveryGroups: [Finance-Desktops]}
    reason:
      description: Why the tag failed, in one line.
      type: str
      returned: when failed
      sample: "HTTP 404 ...: Delivery group 'Finance' was not found."
summary:
  description: How many tags each action concerned.
  returned: always
  type: dict
  sample: {create: 1, update: 1, delete: 0, none: 1}
'''

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule
from ansible_collections.citrix_cloud.daas.plugins.module_utils._declarative import (
    apply_changes,
    converged_result,
    failed_change,
    find_named,
    members_after,
    one_per_key,
    plan_change,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError

# option -> (the tag's members as the API spells them, and as a result shows them)
MEMBERS = dict(delivery_groups='DeliveryGroups', machines='Machines')


def tag_spec():
    entry = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        description=dict(type='str'),
        delivery_groups=dict(type='list', elements='str'),
        machines=dict(type='list', elements='str'),
        exclusive=dict(type='bool', default=False),
    )
    return dict(tags=dict(type='list', elements='dict', required=True, options=entry))


class TagPlan(object):
    """One entry's tag: what is read, what it should be, and the writes that get it there."""

    def __init__(self, client, entry, current, members):
        self.client = client
        self.entry = entry
        self.current = current
        self.members = members
        self.missing = {}
        self.extra = {}

    def views(self):
        """(current view, wanted): Description and the sorted names of each member list the entry sets."""
        entry, current = self.entry, self.current or {}
        shown, wanted = {'Description': current.get('Description') or ''}, {}
        if entry['description'] is not None:
            wanted['Description'] = entry['description']
        for option, members in MEMBERS.items():
            if entry[option] is None:
                continue
            read = self.members.get(members, [])
            shown[members] = sorted((member['Name'] for member in read), key=str.lower)
            wanted[members], self.missing[members], self.extra[members] = members_after(
                read, entry[option], entry['exclusive'])
        return shown, wanted

    def member_writes(self, after):
        tag, client, writes = self.entry['name'], self.client, []
        groups = 'DeliveryGroups'
        if groups in after and self.entry['exclusive']:
            writes.append(client.tag_delivery_groups_write(tag, after[groups]))
        elif groups in after:
            writes.extend(client.group_tag_add(group, tag) for group in self.missing[groups])
        if 'Machines' in after:
            writes.extend(client.machine_tag_write(machine, tag, True) for machine in self.missing['Machines'])
            writes.extend(client.machine_tag_write(member['Id'], tag, False) for member in self.extra['Machines'])
        return writes

    def change(self):
        entry, client = self.entry, self.client
        shown, wanted = self.views()
        body = dict(Name=entry['name'])
        if entry['description'] is not None:
            body['Description'] = entry['description']
        return plan_change(
            entry['name'], self.current, shown if self.current else None, wanted, entry['state'],
            create=lambda: [[client.tag_create(body)], self.member_writes(wanted)],
            update=lambda after: [[client.tag_update(self.current['Id'], {'Description': after['Description']})]
                                  if 'Description' in after else [], self.member_writes(after)],
            delete=lambda: [[client.tag_delete(self.current['Id'])]],
            id=self.current.get('Id') if self.current else None)


def read_members(client, entries, tags):
    """{(tag id, members): [objects] or DaaSError} for the member lists the entries set, in $batch GETs."""
    wanted = []
    for entry in entries:
        current = find_named(tags, entry['name'])
        if current is not None and entry['state'] == 'present':
            wanted.extend((current['Id'], members) for option, members in MEMBERS.items() if entry[option] is not None)
    read = client.read_many([client.tag_path(tag_id, members) for tag_id, members in wanted])
    return dict(((tag_id, members), read[client.tag_path(tag_id, members)]) for tag_id, members in wanted)


def main():
    daas = DaaSModule(argument_spec=tag_spec(), supports_check_mode=True)

    def execute(daas):
        client = daas.client
        entries = one_per_key(daas, daas.params['tags'], lambda entry: entry['name'], 'tags')
        tags = client.list_tags()
        members_of = read_members(client, entries, tags)
        changes = []
        for entry in entries:
            current = find_named(tags, entry['name'])
            members = dict((members, members_of.get((current['Id'], members), [])) for members in MEMBERS.values()) \
                if current else {}
            failed = [read for read in members.values() if isinstance(read, DaaSError)]
            changes.append(failed_change(entry['name'], failed[0]) if failed else
                           TagPlan(client, entry, current, members).change())
        return converged_result(daas, apply_changes(client, changes, daas.check_mode), 'Tags')

    daas.run(execute)


if __name__ == '__main__':
    main()
