# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory plugin: the machines of a Citrix DaaS site as Ansible hosts and groups."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: machines
short_description: Citrix DaaS machines as Ansible hosts and groups
version_added: 0.1.0
description:
  - Reads the machines of a Citrix DaaS site and makes each one an Ansible host, with its properties as host
    variables and groups by machine catalog and delivery group.
  - The inventory source is a YAML file whose name ends in C(citrix.yml) or C(citrix.yaml) (for example
    C(prod.citrix.yml)) and that sets O(plugin=citrix_cloud.daas.machines).
  - The plugin signs in once per run and reads the machines a page of 1000 at a time, asking the API only for the
    properties it uses. With O(catalogs) or O(delivery_groups) it reads only the machines of those; the property
    filters (O(power_state), O(registration_state), O(in_maintenance_mode), O(max_session_count), O(tags)) are
    applied to what it reads.
  - Host variables (with the default O(vars_prefix)) are C(citrix_id), C(citrix_name), C(citrix_dns_name),
    C(citrix_ip_address), C(citrix_catalog) and C(citrix_catalog_id), C(citrix_delivery_group) and
    C(citrix_delivery_group_id), C(citrix_zone) and C(citrix_zone_id), C(citrix_power_state),
    C(citrix_registration_state), C(citrix_summary_state), C(citrix_session_count), C(citrix_in_maintenance_mode),
    C(citrix_maintenance_mode_reason), C(citrix_tags), C(citrix_os_type), C(citrix_session_support),
    C(citrix_fault_state), C(citrix_power_action_pending) and C(citrix_agent_version), plus one per
    O(extra_properties). A property the API does not return is set to V(null). Text from the API is marked unsafe,
    so it is never templated.
  - "Hosts are also given C(ansible_host) from O(ansible_host_from), and, with O(default_groups), join the groups
    C(citrix_catalog_<catalog>) and C(citrix_delivery_group_<delivery group>): the name in lower case, every character
    other than a letter, a digit or C(_) replaced by C(_) (C(Finance-Pooled) gives C(citrix_catalog_finance_pooled))."
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
extends_documentation_fragment:
  - citrix_cloud.daas.inventory
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin; it makes the file an inventory source of this plugin.
    type: str
    required: true
    choices: [citrix_cloud.daas.machines]
  catalogs:
    description:
      - Only read the machines of these machine catalogs, given by name or ID (C(Folder\Name) or C(Folder|Name) for a
        catalog in an admin folder). Each catalog's machines are listed by the API, not filtered afterwards.
      - The inventory fails, naming it, when a catalog does not exist.
    type: list
    elements: str
    default: []
  delivery_groups:
    description:
      - Only read the machines of these delivery groups, given by name or ID.
      - Without O(catalogs), each group's machines are listed by the API and the inventory fails, naming it, when a
        group does not exist. With O(catalogs), a machine of those catalogs is kept when its delivery group's name or ID
        is one of these, compared without regard to case.
    type: list
    elements: str
    default: []
  power_state:
    description:
      - Only machines in one of these power states, for example V(On), V(Off), V(Suspended). Compared without regard to case.
    type: list
    elements: str
    default: []
  registration_state:
    description:
      - Only machines in one of these registration states, for example V(Registered), V(Unregistered). Compared without
        regard to case.
    type: list
    elements: str
    default: []
  in_maintenance_mode:
    description:
      - Only machines that are (V(true)) or are not (V(false)) in maintenance mode. Unset means both.
    type: bool
  max_session_count:
    description:
      - Only machines with at most this many sessions; V(0) keeps the idle machines. Must be 0 or more.
    type: int
  tags:
    description:
      - Only machines that carry at least one of these tags. Compared without regard to case.
    type: list
    elements: str
    default: []
  hostnames:
    description:
      - Where the inventory hostname of a machine comes from, in order of preference; the first one that is set and
        not already taken names the host.
      - V(dns_name) is C(DnsName), V(short_name) the machine name without its domain (C(DEMOLAB\FIN-001) gives
        C(FIN-001)), V(name) the machine name C(DOMAIN\NAME), V(id) the machine ID, V(ip_address) C(IPAddress).
      - "Duplicates: machines are named in the order of their machine name (then ID), so the result does not depend on
        the order the API lists them in. A machine whose preferred names are all empty or already taken by an earlier
        machine is named by its ID, which is unique, and the run shows a warning that lists such machines."
    type: list
    elements: str
    choices: [dns_name, short_name, name, id, ip_address]
    default: [dns_name, short_name, name, id]
  ansible_host_from:
    description:
      - Where C(ansible_host) comes from, in order of preference; the first that is set is used.
      - An empty list sets no C(ansible_host), so the inventory hostname is used to connect.
    type: list
    elements: str
    choices: [ip_address, dns_name]
    default: [ip_address, dns_name]
  vars_prefix:
    description:
      - The prefix of the host variables made from the machine's properties.
      - Letters, digits and C(_), not starting with a digit; may be empty.
    type: str
    default: citrix_
  extra_properties:
    description:
      - More properties of the machine model (C(MachineResponseModel)) to read and set as host variables, named as the
        API spells them, for example V(LastDeregistrationReason) or V(SupportedPowerActions).
      - The variable is the property in snake case after O(vars_prefix), for example C(citrix_last_deregistration_reason).
    type: list
    elements: str
    default: []
  default_groups:
    description:
      - Whether to put each host in the groups C(citrix_catalog_<catalog>) and C(citrix_delivery_group_<delivery group>)
        (see the description for how the names are made).
    type: bool
    default: true
notes:
  - With O(cache=true), a run that finds the inventory in the cache sends no request at all; the cache holds the
    machines' properties, never a credential.
  - In AWX or Automation Platform, an inventory source of type "Sourced from a Project" that points to the file, with a
    credential of the collection's credential type, sets the E(CITRIX_*) variables the connection options read.
seealso:
  - module: citrix_cloud.daas.machine_info
  - plugin: ansible.builtin.constructed
    plugin_type: inventory
'''

EXAMPLES = r'''
# prod.citrix.yml: every machine; the API client comes from the CITRIX_* environment variables.
plugin: citrix_cloud.daas.machines

# windows.citrix.yml: the registered, idle Windows VDAs of two catalogs, in groups by power state and tag.
plugin: citrix_cloud.daas.machines
region: eu
catalogs:
  - W11-Pooled
  - Apps\Shared-2022
registration_state: [Registered]
max_session_count: 0
hostnames: [dns_name, short_name]
keyed_groups:
  - key: citrix_power_state
    prefix: power
  - key: citrix_tags
    prefix: tag
groups:
  idle: citrix_session_count == 0
compose:
  ansible_connection: "'winrm'"

# cached.citrix.yml: reuse the machines for an hour, with the client secret vault-encrypted in the file.
plugin: citrix_cloud.daas.machines
customer_id: mycustomer
client_id: 0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b
client_secret: !vault |
  $ANSIBLE_VAULT;1.1;AES256
  ...
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/citrix_inventory
cache_timeout: 3600
'''

import re
from urllib.parse import quote

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSClient
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import machine_filter as rules_filter

# The machine properties the plugin reads by default (the fields= of every listing).
DEFAULT_PROPERTIES = (
    'Id', 'Name', 'DnsName', 'IPAddress', 'MachineCatalog', 'DeliveryGroup', 'Zone', 'PowerState',
    'RegistrationState', 'SummaryState', 'SessionCount', 'InMaintenanceMode', 'MaintenanceModeReason', 'Tags',
    'OSType', 'SessionSupport', 'FaultState', 'PowerActionPending', 'AgentVersion',
)
# Reference properties ({Id, Name}) -> the variable of their name; the ID goes in <variable>_id.
REFERENCES = {'MachineCatalog': 'catalog', 'DeliveryGroup': 'delivery_group', 'Zone': 'zone'}
HOSTNAME_SOURCES = {
    'dns_name': lambda machine: machine.get('DnsName'),
    'short_name': lambda machine: short_name(machine.get('Name')),
    'name': lambda machine: machine.get('Name'),
    'id': lambda machine: machine.get('Id'),
    'ip_address': lambda machine: machine.get('IPAddress'),
}
ADDRESS_SOURCES = {'ip_address': 'IPAddress', 'dns_name': 'DnsName'}
PROPERTY_NAME = re.compile(r'[A-Za-z][A-Za-z0-9]*\Z')
VARS_PREFIX = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)?\Z')
FILE_SUFFIXES = ('citrix.yml', 'citrix.yaml')
RENAMED_SHOWN = 5


def snake_case(name):
    """An API property name in snake case: IPAddress -> ip_address, InMaintenanceMode -> in_maintenance_mode."""
    name = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', name)
    return re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', name).lower()


def short_name(name):
    """The machine name without its domain: DOMAIN\\NAME -> NAME."""
    return str(name).rpartition('\\')[2] if name else name


def group_suffix(name):
    """A name as part of a group name: lower case, anything but letters, digits and _ replaced by _."""
    return re.sub(r'[^a-z0-9_]', '_', str(name).lower())


def reference_matches(reference, wanted):
    """True when a {Id, Name} reference has one of the wanted names or IDs (without regard to case)."""
    if not isinstance(reference, dict):
        return False
    wanted = set(value.lower() for value in wanted)
    return any(str(reference.get(key) or '').lower() in wanted for key in ('Id', 'Name'))


def machine_filter(power_state=(), registration_state=(), in_maintenance_mode=None, max_session_count=None, tags=(),
                   delivery_groups=()):
    """A predicate that tells whether a machine passes every filter that is set (the modules' rules, and the
    delivery groups when the catalogs were listed)."""
    passes = rules_filter(power_state or None, registration_state or None, in_maintenance_mode, max_session_count, tags)

    def matches(machine):
        if delivery_groups and not reference_matches(machine.get('DeliveryGroup'), delivery_groups):
            return False
        return passes(machine)
    return matches


def host_variables(machine, properties, prefix):
    """The host variables of a machine: each property in snake case after the prefix, API text marked unsafe."""
    variables = {}
    for prop in properties:
        value = machine.get(prop)
        if prop in REFERENCES:
            reference = value if isinstance(value, dict) else {}
            variables[prefix + REFERENCES[prop]] = reference.get('Name')
            variables[prefix + REFERENCES[prop] + '_id'] = reference.get('Id')
        else:
            variables[prefix + snake_case(prop)] = value
    return wrap_var(variables)


def assign_hostnames(machines, preferences):
    """[(hostname, machine)] in the order of machine name then ID, and the machines named by their ID instead."""
    taken = set()
    named = []
    renamed = []
    for machine in sorted(machines, key=lambda m: (str(m.get('Name') or '').lower(), str(m['Id']))):
        candidates = [HOSTNAME_SOURCES[source](machine) for source in preferences]
        hostname = next((str(c) for c in candidates if c and str(c) not in taken), None)
        if hostname is None:
            hostname = str(machine['Id'])
            renamed.append(machine)
        taken.add(hostname)
        named.append((hostname, machine))
    return named, renamed


def path_segment(name):
    """A name or ID for a URL path: DOMAIN\\NAME and Folder\\Name are written with |, everything percent-encoded."""
    return quote(str(name).replace('\\', '|'), safe='')


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Citrix DaaS machines as hosts, grouped by catalog and delivery group, with constructed groups and a cache."""

    NAME = 'citrix_cloud.daas.machines'

    def verify_file(self, path):
        """Accept YAML files whose name ends in citrix.yml or citrix.yaml."""
        return super(InventoryModule, self).verify_file(path) and path.endswith(FILE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        self._check_options()
        properties = self._properties()
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache')
        machines = None
        if use_cache and cache:
            machines = self._cache.get(cache_key)
        if machines is None:
            try:
                machines = self._read_machines(properties)
            except DaaSError as err:
                raise AnsibleParserError('%s: %s' % (self.NAME, err)) from None
            if use_cache:
                self._cache[cache_key] = machines
        self._populate(machines, properties)

    def _text_option(self, name):
        """A string option; an empty value (an empty environment variable) counts as unset."""
        value = self.get_option(name)
        return str(value) if value else None

    def _check_options(self):
        """Fail in one line naming the option when an option's value cannot be used."""
        problems = []
        if not self._text_option('customer_id'):
            problems.append('customer_id is required: set it in the inventory file or the CITRIX_CUSTOMER_ID environment variable')
        if not self._text_option('token') and not (self._text_option('client_id') and self._text_option('client_secret')):
            problems.append('client_id and client_secret (or token) are required to sign in: set them in the inventory file '
                            'or CITRIX_CLIENT_ID and CITRIX_CLIENT_SECRET (or CITRIX_ACCESS_TOKEN)')
        if self.get_option('max_session_count') is not None and self.get_option('max_session_count') < 0:
            problems.append('max_session_count must be 0 or more, got %s' % self.get_option('max_session_count'))
        if not self.get_option('hostnames'):
            problems.append('hostnames must name at least one of %s' % ', '.join(sorted(HOSTNAME_SOURCES)))
        if not VARS_PREFIX.match(self.get_option('vars_prefix') or ''):
            problems.append('vars_prefix must be letters, digits and _ not starting with a digit, got %r' % self.get_option('vars_prefix'))
        wrong = [name for name in self.get_option('extra_properties') if not PROPERTY_NAME.match(str(name))]
        if wrong:
            problems.append('extra_properties must be property names of the machine model such as SupportedPowerActions, '
                            'got %s' % ', '.join(repr(str(name)) for name in wrong))
        if problems:
            raise AnsibleParserError('%s: %s' % (self.NAME, '; '.join(problems)))

    def _properties(self):
        """The properties to read: the defaults and extra_properties, each once (matched without regard to case)."""
        properties = list(DEFAULT_PROPERTIES)
        known = set(prop.lower() for prop in properties)
        for prop in self.get_option('extra_properties'):
            if prop.lower() not in known:
                known.add(prop.lower())
                properties.append(str(prop))
        return properties

    def _client(self):
        return DaaSClient(
            customer_id=self._text_option('customer_id'),
            client_id=self._text_option('client_id'),
            client_secret=self._text_option('client_secret'),
            token=self._text_option('token'),
            site_id=self._text_option('site_id'),
            region=self._text_option('region') or 'us',
            api_url=self._text_option('api_url'),
            auth_url=self._text_option('auth_url'),
            validate_certs=self.get_option('validate_certs'),
            ca_path=self._text_option('ca_path'),
            timeout=self.get_option('timeout'),
            retries=self.get_option('retries'),
        )

    def _listings(self):
        """(kind, path) of each listing to read: the chosen catalogs, else the chosen delivery groups, else the site."""
        if self.get_option('catalogs'):
            return [('catalog', name, '/MachineCatalogs/%s/Machines' % path_segment(name)) for name in self.get_option('catalogs')]
        if self.get_option('delivery_groups'):
            return [('delivery group', name, '/DeliveryGroups/%s/Machines' % path_segment(name))
                    for name in self.get_option('delivery_groups')]
        return [(None, None, '/Machines')]

    def _read_machines(self, properties):
        """The machines that pass the filters, each once and with only the properties asked for."""
        matches = machine_filter(
            power_state=self.get_option('power_state'),
            registration_state=self.get_option('registration_state'),
            in_maintenance_mode=self.get_option('in_maintenance_mode'),
            max_session_count=self.get_option('max_session_count'),
            tags=self.get_option('tags'),
            # Delivery groups are listed by the API unless catalogs are; then they are compared here.
            delivery_groups=self.get_option('delivery_groups') if self.get_option('catalogs') else (),
        )
        params = {'fields': ','.join(properties)}
        client = self._client()
        try:
            machines = {}
            for kind, name, path in self._listings():
                try:
                    for machine in client.iter_items(path, params):
                        if isinstance(machine, dict) and machine.get('Id') and matches(machine):
                            machines.setdefault(machine['Id'], dict((prop, machine.get(prop)) for prop in properties))
                except DaaSError as err:
                    if err.status == 404 and kind:
                        raise DaaSError("%s '%s' was not found" % (kind, name), status=404, method='GET',
                                        url=(err.url or path).split('?')[0], transaction_id=err.transaction_id) from None
                    raise
            return list(machines.values())
        finally:
            client.close()

    def _populate(self, machines, properties):
        prefix = self.get_option('vars_prefix') or ''
        strict = self.get_option('strict')
        named, renamed = assign_hostnames(machines, self.get_option('hostnames'))
        if renamed:
            shown = ', '.join('%s (%s)' % (machine.get('Name'), machine['Id']) for machine in renamed[:RENAMED_SHOWN])
            more = ' and %d more' % (len(renamed) - RENAMED_SHOWN) if len(renamed) > RENAMED_SHOWN else ''
            self.display.warning('%s: %d machine(s) named by their ID because their preferred hostnames were empty or taken: %s%s'
                                 % (self.NAME, len(renamed), shown, more))
        address_sources = [ADDRESS_SOURCES[source] for source in self.get_option('ansible_host_from')]
        compose, groups, keyed_groups = (self.get_option(name) for name in ('compose', 'groups', 'keyed_groups'))
        for hostname, machine in named:
            self.inventory.add_host(hostname)
            for name, value in host_variables(machine, properties, prefix).items():
                self.inventory.set_variable(hostname, name, value)
            address = next((machine.get(prop) for prop in address_sources if machine.get(prop)), None)
            if address:
                self.inventory.set_variable(hostname, 'ansible_host', wrap_var(address))
            if self.get_option('default_groups'):
                for prop, kind in (('MachineCatalog', 'catalog'), ('DeliveryGroup', 'delivery_group')):
                    reference = machine.get(prop)
                    if isinstance(reference, dict) and reference.get('Name'):
                        group = self.inventory.add_group('citrix_%s_%s' % (kind, group_suffix(reference['Name'])))
                        self.inventory.add_child(group, hostname)
            if compose or groups or keyed_groups:
                host_vars = self.inventory.get_host(hostname).get_vars()
                self._set_composite_vars(compose, host_vars, hostname, strict=strict)
                self._add_host_to_composed_groups(groups, host_vars, hostname, strict=strict)
                self._add_host_to_keyed_groups(keyed_groups, host_vars, hostname, strict=strict)
