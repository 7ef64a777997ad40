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
  - Host variables (with the default O(vars_prefix)) are those that O(host_vars) chooses, by default C(citrix_id),
    C(citrix_name), C(citrix_power_state), C(citrix_registration_state), C(citrix_session_count),
    C(citrix_in_maintenance_mode), C(citrix_catalog), C(citrix_delivery_group) and C(citrix_tags), plus one per
    O(extra_properties). Every host has every chosen variable; a property the API does not return is V(null). Text
    from the API is marked unsafe, so it is never templated.
  - "Hosts are also given C(ansible_host) from O(ansible_host_from), and, with O(default_groups), join the groups
    C(citrix_catalog_<catalog>) and C(citrix_delivery_group_<delivery group>): the name in lower case, every character
    other than a letter, a digit or C(_) replaced by C(_) (C(Finance-Pooled) gives C(citrix_catalog_finance_pooled))."
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.daas.inventory
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
  host_vars:
    description:
      - The host variables to set, named without O(vars_prefix). Each is a property of the machine in snake case;
        C(catalog), C(delivery_group) and C(zone) are the names of the machine's catalog (with its admin folders, as
        Studio shows it), delivery group and zone,
        C(catalog_id), C(delivery_group_id) and C(zone_id) their IDs.
      - The plugin reads, and the cache holds, only the properties these variables, O(hostnames),
        O(ansible_host_from), O(default_groups), O(extra_properties) and the filters need. Every variable costs memory
        and time on each host, so large sites keep this list short (see the notes).
    type: list
    elements: str
    choices: [id, name, dns_name, ip_address, catalog, catalog_id, delivery_group, delivery_group_id, zone, zone_id,
              power_state, registration_state, summary_state, session_count, in_maintenance_mode,
              maintenance_mode_reason, tags, os_type, session_support, fault_state, power_action_pending, agent_version]
    default: [id, name, power_state, registration_state, session_count, in_maintenance_mode, catalog, delivery_group, tags]
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
  - "A failed source is only a warning for ansible-core: C(ansible-inventory) and C(ansible-playbook) go on with an empty
    inventory and exit 0. For a cron job or a script to fail, set E(ANSIBLE_INVENTORY_UNPARSED_FAILED=true) (C([inventory])
    C(unparsed_is_failed) in C(ansible.cfg): fail when no source could be read) or
    E(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true) (C(any_unparsed_is_failed): fail when any source could not be
    read). C(enable_plugins = citrix_cloud.daas.machines) keeps the other plugins' warnings from following this one's."
  - >-
    The plugin's own failure is one line that starts with C(citrix_cloud.daas.machines:). Before any request it refuses
    an unknown option (naming the closest known one), a value that is not of its option's type (V(maybe) for a
    boolean) and a state that is not one of the API's; YAML reads an unquoted V(On) or V(Off) as a boolean, so quote it
    (C(power_state: ["On"])).
  - C(citrix_catalog) and the group C(citrix_catalog_<catalog>) name the catalog with its admin folders as Studio
    shows them (C(Finance\Finance-Shared)); for these names the plugin reads the catalogs once per run.
  - With O(cache=true), a run that finds the inventory in the cache sends no request at all; the cache holds the
    properties the plugin reads, never a credential. A run whose options need other properties than the cached ones
    reads the API again and replaces the cache.
  - Memory and time grow with hosts times variables. With the default O(host_vars), C(ansible-inventory --list) of a
    20,000-machine site stays under 250 MB; with all 22 it takes about 400 MB.
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
---
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
---
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

import difflib
import re
from collections.abc import Mapping
from operator import itemgetter

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.citrix_cloud.daas.plugins.module_utils._connection import (
    FALSE_TEXTS,
    OPTIONS,
    TRUE_TEXTS,
    ConnectionSettingsError,
    connection_settings,
    new_client,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import (
    POWER_STATES,
    REGISTRATION_STATES,
    state_problem,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import machine_filter as rules_filter
from ansible_collections.citrix_cloud.daas.plugins.module_utils._texts import one_line, studio_name

# A column is what the plugin keeps of a machine: an API property, or Property.Key for a key of a reference {Id, Name}.
# Host variables (named without the prefix) -> their column.
HOST_VAR_COLUMNS = {
    'id': 'Id', 'name': 'Name', 'dns_name': 'DnsName', 'ip_address': 'IPAddress',
    'catalog': 'MachineCatalog.Name', 'catalog_id': 'MachineCatalog.Id',
    'delivery_group': 'DeliveryGroup.Name', 'delivery_group_id': 'DeliveryGroup.Id',
    'zone': 'Zone.Name', 'zone_id': 'Zone.Id',
    'power_state': 'PowerState', 'registration_state': 'RegistrationState', 'summary_state': 'SummaryState',
    'session_count': 'SessionCount', 'in_maintenance_mode': 'InMaintenanceMode',
    'maintenance_mode_reason': 'MaintenanceModeReason', 'tags': 'Tags', 'os_type': 'OSType',
    'session_support': 'SessionSupport', 'fault_state': 'FaultState', 'power_action_pending': 'PowerActionPending',
    'agent_version': 'AgentVersion',
}
# Columns whose values are the machine's own; the others repeat across machines (states, catalogs, groups).
UNIQUE_COLUMNS = ('Id', 'Name', 'DnsName', 'IPAddress')
HOSTNAME_COLUMNS = {'dns_name': 'DnsName', 'short_name': 'Name', 'name': 'Name', 'id': 'Id', 'ip_address': 'IPAddress'}
ADDRESS_COLUMNS = {'ip_address': 'IPAddress', 'dns_name': 'DnsName'}
GROUP_COLUMNS = (('catalog', 'MachineCatalog.Name'), ('delivery_group', 'DeliveryGroup.Name'))
# The property each filter option reads (the delivery groups only when catalogs are listed).
FILTER_PROPERTIES = {
    'power_state': 'PowerState', 'registration_state': 'RegistrationState', 'in_maintenance_mode': 'InMaintenanceMode',
    'max_session_count': 'SessionCount', 'tags': 'Tags',
}
# The machine properties that host_vars can show, by their name in lower case.
KNOWN_PROPERTIES = dict((column.split('.')[0].lower(), column.split('.')[0]) for column in HOST_VAR_COLUMNS.values())
PROPERTY_NAME = re.compile(r'[A-Za-z][A-Za-z0-9]*\Z')
VARS_PREFIX = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)?\Z')
FILE_SUFFIXES = ('citrix.yml', 'citrix.yaml')
RENAMED_SHOWN = 5
# The API's states that the state filters take.
STATE_OPTIONS = {'power_state': POWER_STATES, 'registration_state': REGISTRATION_STATES}


def _type_problem(name, value, definition):
    """Why a value written in the file cannot be of its option's type (before ansible-core converts it), or None."""
    kind = definition.get('type') or 'str'
    if value is None:
        return None
    if kind in ('bool', 'boolean'):
        if isinstance(value, bool) or str(value).strip().lower() in TRUE_TEXTS + FALSE_TEXTS:
            return None
        return '%s must be true or false, got %r' % (name, value)
    if kind in ('int', 'integer'):
        if not isinstance(value, bool) and re.match(r'\s*-?[0-9]+\s*\Z', str(value)):
            return None
        return '%s must be a whole number, got %r' % (name, value)
    if kind == 'float':
        try:
            if isinstance(value, bool):
                raise ValueError
            float(value)
        except (TypeError, ValueError):
            return '%s must be a number, got %r' % (name, value)
        return None
    if kind == 'list':
        if isinstance(value, Mapping):
            return '%s must be a list, got a mapping' % name
        # A text is a comma-separated list, as ansible-core reads it.
        items = value if isinstance(value, list) else [part.strip() for part in value.split(',')] if isinstance(value, str) else [value]
        for item in items:
            if name in STATE_OPTIONS:
                problem = state_problem(name, item, STATE_OPTIONS[name])
                if problem:
                    return problem
            elif definition.get('elements') == 'str' and not isinstance(item, str):
                return '%s must be a list of texts, got %r' % (name, item)
        return None
    if kind == 'dict' and not isinstance(value, Mapping):
        return '%s must be a mapping, got %r' % (name, value)
    return None


def option_problems(config, definitions):
    """What is wrong with the options as written in the inventory file: unknown names and values of the wrong type."""
    known = dict(definitions)
    known.update((alias, definition) for definition in definitions.values() for alias in definition.get('aliases') or [])
    problems = []
    for name in config:
        if name not in known:
            close = difflib.get_close_matches(str(name), list(known), 1)
            problems.append('unknown option %r%s' % (name, ' (did you mean %s?)' % close[0] if close else ''))
        else:
            problems.append(_type_problem(name, config[name], known[name]))
    return [problem for problem in problems if problem]


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


def with_catalog_full_name(machine, full_names):
    """The machine with its catalog's name replaced by the one in `full_names` (by catalog id), when there is one."""
    catalog = machine.get('MachineCatalog')
    if not full_names or not isinstance(catalog, dict) or catalog.get('Id') not in full_names:
        return machine
    machine['MachineCatalog'] = dict(catalog, Name=full_names[catalog['Id']])
    return machine


def column_value(machine, column):
    """The value of a column in an API machine; None when the property (or the reference) is missing."""
    prop, _dot, key = column.partition('.')
    value = machine.get(prop)
    if key:
        return value.get(key) if isinstance(value, dict) else None
    return value


class Columns(object):
    """The columns the plugin keeps of each machine, and a machine as a row: a tuple of their values."""

    def __init__(self, names):
        self.names = list(dict.fromkeys(names))
        self._positions = dict((name, position) for position, name in enumerate(self.names))

    def row(self, machine):
        return tuple(column_value(machine, name) for name in self.names)

    def getter(self, name):
        """A function that gives a row's value of the column."""
        return itemgetter(self._positions[name])

    def properties(self):
        """The API properties of the columns, each once, for fields=."""
        return list(dict.fromkeys(name.partition('.')[0] for name in self.names))


def assign_hostnames(rows, columns, preferences):
    """[(hostname, row)] in the order of machine name then ID, and the rows of the machines named by their ID instead."""
    name_of, id_of = columns.getter('Name'), columns.getter('Id')
    sources = [(columns.getter(HOSTNAME_COLUMNS[source]), source == 'short_name') for source in preferences]
    taken = set()
    named = []
    renamed = []
    for row in sorted(rows, key=lambda r: (str(name_of(r) or '').lower(), str(id_of(r)))):
        candidates = (short_name(get(row)) if short else get(row) for get, short in sources)
        hostname = next((str(c) for c in candidates if c and str(c) not in taken), None)
        if hostname is None:
            hostname = str(id_of(row))
            renamed.append(row)
        taken.add(hostname)
        named.append((hostname, row))
    return named, renamed


def keep_as_is(value):
    """The value itself (for ansible-core versions that need nothing marked unsafe)."""
    return value


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Citrix DaaS machines as hosts, grouped by catalog and delivery group, with constructed groups and a cache."""

    NAME = 'citrix_cloud.daas.machines'

    def verify_file(self, path):
        """Accept YAML files whose name ends in citrix.yml or citrix.yaml."""
        return super(InventoryModule, self).verify_file(path) and path.endswith(FILE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._check_file(path)
        try:
            self._read_config_data(path)
        except AnsibleError as err:
            raise AnsibleParserError('%s: %s' % (self.NAME, one_line(err.message))) from None
        self._check_options()
        variables = self._host_var_columns()
        columns = self._columns(variables)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache')
        cached = self._cache.get(cache_key) if use_cache and cache else None
        # A cache written with other columns (other options) is read again.
        if isinstance(cached, dict) and cached.get('columns') == columns.names:
            rows = cached['machines']
        else:
            rows = self._read_machines(columns)
            if use_cache:
                self._cache[cache_key] = {'columns': columns.names, 'machines': rows}
        self._populate(rows, columns, variables)

    def _check_file(self, path):
        """Fail in one line on an unknown option or a value of the wrong type, before ansible-core converts the values
        (it would read validate_certs: maybe as false)."""
        try:
            config = self.loader.load_from_file(path, cache='none')
        except AnsibleError:
            return  # _read_config_data says what is wrong with the file
        if not isinstance(config, Mapping) or config.get('plugin') not in (getattr(self, '_redirected_names', None) or [self.NAME]):
            return
        definitions = C.config.get_configuration_definitions(plugin_type='inventory', name=self._load_name)
        problems = option_problems(config, definitions)
        if problems:
            raise AnsibleParserError('%s: %s' % (self.NAME, '; '.join(problems)))

    def _check_options(self):
        """Fail in one line naming the option when an option's value cannot be used."""
        problems = []
        try:
            self._connection = connection_settings(dict((name, self.get_option(name)) for name in OPTIONS))
        except ConnectionSettingsError as err:
            problems.append(str(err))
        if self.get_option('max_session_count') is not None and self.get_option('max_session_count') < 0:
            problems.append('max_session_count must be 0 or more, got %s' % self.get_option('max_session_count'))
        if not self.get_option('hostnames'):
            problems.append('hostnames must name at least one of %s' % ', '.join(sorted(HOSTNAME_COLUMNS)))
        if not VARS_PREFIX.match(self.get_option('vars_prefix') or ''):
            problems.append('vars_prefix must be letters, digits and _ not starting with a digit, got %r' % self.get_option('vars_prefix'))
        wrong = [name for name in self.get_option('extra_properties') if not PROPERTY_NAME.match(str(name))]
        if wrong:
            problems.append('extra_properties must be property names of the machine model such as SupportedPowerActions, '
                            'got %s' % ', '.join(repr(str(name)) for name in wrong))
        if problems:
            raise AnsibleParserError('%s: %s' % (self.NAME, '; '.join(problems)))

    def _host_var_columns(self):
        """{variable without the prefix: column}: host_vars, then extra_properties (a known property in the API's
        spelling), each variable once."""
        variables = dict((name, HOST_VAR_COLUMNS[name]) for name in self.get_option('host_vars'))
        for prop in self.get_option('extra_properties'):
            prop = KNOWN_PROPERTIES.get(str(prop).lower(), str(prop))
            variables.setdefault(snake_case(prop), prop)
        return variables

    def _columns(self, variables):
        """The columns that the host variables, names, addresses and default groups need; the machine's name and ID
        first (they order the machines), extra properties last."""
        extras = set(variables.values()) - set(HOST_VAR_COLUMNS.values())
        names = ['Id', 'Name']
        names.extend(HOSTNAME_COLUMNS[source] for source in self.get_option('hostnames'))
        names.extend(ADDRESS_COLUMNS[source] for source in self.get_option('ansible_host_from'))
        names.extend(column for column in variables.values() if column not in extras)
        if self.get_option('default_groups'):
            names.extend(column for _kind, column in GROUP_COLUMNS)
        names.extend(column for column in variables.values() if column in extras)
        return Columns(names)

    def _fields(self, columns):
        """The fields of every listing: the properties of the columns and of the filters that are set."""
        properties = columns.properties()
        extras = [prop for prop in properties if prop not in KNOWN_PROPERTIES.values()]
        wanted = [prop for prop in properties if prop not in extras]
        wanted.extend(prop for option, prop in FILTER_PROPERTIES.items()
                      if self.get_option(option) not in (None, []))
        if self.get_option('catalogs') and self.get_option('delivery_groups'):
            wanted.append('DeliveryGroup')
        return list(dict.fromkeys(wanted + extras))

    def _scopes(self):
        """(kind, name) of each listing to read: the chosen catalogs, else the chosen delivery groups, else the site."""
        if self.get_option('catalogs'):
            return [('catalog', name) for name in self.get_option('catalogs')]
        if self.get_option('delivery_groups'):
            return [('delivery group', name) for name in self.get_option('delivery_groups')]
        return [(None, None)]

    def _read_machines(self, columns):
        """The rows of the machines that pass the filters, each machine once, read a page at a time."""
        matches = machine_filter(
            power_state=self.get_option('power_state'),
            registration_state=self.get_option('registration_state'),
            in_maintenance_mode=self.get_option('in_maintenance_mode'),
            max_session_count=self.get_option('max_session_count'),
            tags=self.get_option('tags'),
            # Delivery groups are listed by the API unless catalogs are; then they are compared here.
            delivery_groups=self.get_option('delivery_groups') if self.get_option('catalogs') else (),
        )
        fields = self._fields(columns)
        client = new_client(self._connection)
        try:
            full_names = self._catalog_full_names(client, columns)
            rows = {}
            # Each page becomes rows as it arrives: only the rows are kept, never a page nor the API's machines.
            for kind, name in self._scopes():
                for machine in client.scope_machines(kind, name, fields):
                    if isinstance(machine, dict) and machine.get('Id') and matches(machine):
                        rows.setdefault(machine['Id'], columns.row(with_catalog_full_name(machine, full_names)))
            return list(rows.values())
        except DaaSError as err:
            raise AnsibleParserError('%s: %s' % (self.NAME, err)) from None
        except (AttributeError, LookupError, TypeError, ValueError) as err:
            # An answer of an unexpected shape: one line, never a traceback nor a secret.
            raise AnsibleParserError(client._scrub('%s: unexpected error: %s: %s' % (
                self.NAME, type(err).__name__, one_line(err, None)))) from None
        finally:
            for warning in client.warnings:
                self.display.warning('%s: %s' % (self.NAME, warning))
            client.close()

    @staticmethod
    def _catalog_full_names(client, columns):
        """{catalog id: its name with its admin folder, as Studio shows it} when a column shows catalog names (a
        machine's reference names its catalog without the folder); else {}."""
        if 'MachineCatalog.Name' not in columns.names:
            return {}
        return dict((catalog.get('Id'), studio_name(catalog.get('FullName') or catalog.get('Name')))
                    for catalog in client.list_catalogs() if isinstance(catalog, dict))

    def _populate(self, rows, columns, variables):
        prefix = self.get_option('vars_prefix') or ''
        strict = self.get_option('strict')
        named, renamed = assign_hostnames(rows, columns, self.get_option('hostnames'))
        if renamed:
            name_of, id_of = columns.getter('Name'), columns.getter('Id')
            shown = ', '.join('%s (%s)' % (name_of(row), id_of(row)) for row in renamed[:RENAMED_SHOWN])
            more = ' and %d more' % (len(renamed) - RENAMED_SHOWN) if len(renamed) > RENAMED_SHOWN else ''
            self.display.warning('%s: %d machine(s) named by their ID because their preferred hostnames were empty or taken: %s%s'
                                 % (self.NAME, len(renamed), shown, more))
        # ansible-core 2.19 and later never trust text from an inventory plugin as a template (trusted_by_default);
        # earlier versions need it marked unsafe.
        unsafe = keep_as_is if getattr(self, 'trusted_by_default', True) is False else wrap_var
        setters = [(prefix + name, columns.getter(column), column in HOST_VAR_COLUMNS.values() and column not in UNIQUE_COLUMNS)
                   for name, column in variables.items()]
        addresses = [columns.getter(ADDRESS_COLUMNS[source]) for source in self.get_option('ansible_host_from')]
        default_groups = [(kind, columns.getter(column)) for kind, column in GROUP_COLUMNS] if self.get_option('default_groups') else []
        compose, groups, keyed_groups = (self.get_option(name) for name in ('compose', 'groups', 'keyed_groups'))
        shared = {}
        for hostname, row in named:
            self.inventory.add_host(hostname)
            host = self.inventory.get_host(hostname)
            # Set on the host itself: the inventory's set_variable in ansible-core 2.19 stores a copy of every value
            # tagged with its origin, more than half of the inventory's memory at 20,000 machines. These values are
            # the API's JSON texts, numbers, booleans and lists, and are never trusted as templates.
            for name, value_of, repeats in setters:
                value = value_of(row)
                if repeats and isinstance(value, (str, int)):
                    # One object for each repeated value: the hosts of a catalog share its name, idle hosts their 0.
                    host.set_variable(name, shared.setdefault((name, type(value), value), unsafe(value)))
                else:
                    host.set_variable(name, unsafe(value))
            address = next((value for value in (address_of(row) for address_of in addresses) if value), None)
            if address:
                host.set_variable('ansible_host', unsafe(address))
            for kind, name_of in default_groups:
                if name_of(row):
                    group = self.inventory.add_group('citrix_%s_%s' % (kind, group_suffix(name_of(row))))
                    self.inventory.add_child(group, hostname)
            if compose or groups or keyed_groups:
                host_vars = host.get_vars()
                if compose:
                    self._set_composite_vars(compose, host_vars, hostname, strict=strict)
                    host_vars = host.get_vars()
                self._add_host_to_composed_groups(groups, host_vars, hostname, strict=strict, fetch_hostvars=False)
                self._add_host_to_keyed_groups(keyed_groups, host_vars, hostname, strict=strict, fetch_hostvars=False)
