# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the inventory plugin citrix_cloud.daas.machines, over a scripted HTTP conversation."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import sys
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, inventory_loader
from ansible.template import Templar

from ansible_collections.citrix_cloud.daas.plugins.inventory import machines as plugin_module
from ansible_collections.citrix_cloud.daas.plugins.inventory.machines import (
    Columns,
    assign_hostnames,
    column_value,
    group_suffix,
    machine_filter,
    short_name,
    snake_case,
)

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19: every string given to the templar is a template
    def trust_as_template(text):
        return text

# tests/unit/plugins/inventory/ -> the directory that holds ansible_collections/
COLLECTIONS = os.path.abspath(os.path.join(os.path.dirname(__file__), *(['..'] * 7)))
API = 'https://api.example.test'
SECRET = 'unit-client-secret-7c1d'
TOKEN = 'unit-bearer-token-55aa'
SIGN_IN = API + '/cctrustoauth2/democustomer/tokens/clients'
LEAN_VARS = ['citrix_catalog', 'citrix_delivery_group', 'citrix_id', 'citrix_in_maintenance_mode', 'citrix_name',
             'citrix_power_state', 'citrix_registration_state', 'citrix_session_count', 'citrix_tags']
ALL_HOST_VARS = list(plugin_module.HOST_VAR_COLUMNS)
CONFIG = dict(plugin='citrix_cloud.daas.machines', customer_id='democustomer', client_id='client-1',
              client_secret=SECRET, api_url=API, auth_url=API)


def ref(name):
    return {'Id': 'id-' + group_suffix(name), 'Uid': 1, 'Name': name}


def machine(name, dns=None, ip=None, catalog='Finance-Pooled', group='Finance-Desktops', power='On',
            registration='Registered', maintenance=False, sessions=0, tags=None):
    return {'Id': 'id-' + group_suffix(name), 'Name': name, 'DnsName': dns, 'IPAddress': ip,
            'MachineCatalog': ref(catalog), 'DeliveryGroup': ref(group) if group else None,
            'Zone': ref('Primary'), 'PowerState': power, 'RegistrationState': registration, 'SummaryState': 'Available',
            'SessionCount': sessions, 'InMaintenanceMode': maintenance, 'MaintenanceModeReason': 'None',
            'Tags': tags or [], 'OSType': 'Windows 11', 'SessionSupport': 'SingleSession', 'FaultState': 'None',
            'PowerActionPending': False, 'AgentVersion': '2311.0.0.1', 'Sid': 'S-1-5-21-1', 'LoadIndex': None}


MACHINES = [
    machine('DEMOLAB\\FIN-001', dns='fin-001.demolab.example', ip='10.0.0.1', tags=['reboot-ok']),
    machine('DEMOLAB\\FIN-002', dns='', power='Off', registration='Unregistered'),
    machine('OTHER\\FIN-001', ip='10.0.0.3', catalog='Apps-Shared', group=None, maintenance=True, sessions=2,
            tags=['Reboot-OK']),
    machine('DEMOLAB\\APP-01', dns='app-01.demolab.example', catalog='Apps-Shared', group='Shared Apps', sessions=3,
            tags=['large']),
]


class FakeApi(object):
    """The API's answers: sign-in, /me, and machine listings paged by limit and a continuation token."""

    def __init__(self, requests_mock, machines):
        self.mock = requests_mock
        self.listings = {'/cvad/manage/machines': machines}
        requests_mock.post(SIGN_IN, json={'access_token': TOKEN, 'token_type': 'bearer', 'expires_in': '3600'})
        requests_mock.get(API + '/cvad/manage/me', json={'Customers': [{'Id': 'democustomer', 'Sites': [{'Id': 'site-1', 'Name': 's'}]}]})
        requests_mock.get(re.compile(re.escape(API) + r'/cvad/manage/(Machines|MachineCatalogs/[^/]+/Machines|DeliveryGroups/[^/]+/Machines)'),
                          json=self.page)
        requests_mock.get(API + '/cvad/manage/MachineCatalogs', json=self.catalogs)
        requests_mock.get(API + '/cvad/manage/DeliveryGroups', json={'Items': [ref('Finance-Desktops')]})
        # Catalog name -> its admin folder.
        self.folders = {}

    def catalogs(self, request, context):
        names = sorted(set(m['MachineCatalog']['Name'] for listing in self.listings.values() for m in listing))
        return {'Items': [dict(ref(name), FullName='%s\\%s' % (self.folders[name], name) if name in self.folders else name)
                          for name in names]}

    def page(self, request, context):
        path = unquote(urlsplit(request.url).path).lower()
        if path not in self.listings:
            context.status_code = 404
            return {'ErrorMessage': 'Not found', 'ErrorType': 'ObjectNotFound'}
        query = parse_qs(urlsplit(request.url).query)
        limit = int(query['limit'][0])
        offset = int(query.get('continuationToken', ['0'])[0])
        fields = query['fields'][0].split(',')
        items = [dict((key, value) for key, value in item.items() if key in fields)
                 for item in self.listings[path][offset:offset + limit]]
        more = offset + limit < len(self.listings[path])
        return {'Items': items, 'ContinuationToken': str(offset + limit) if more else None}

    def add_listing(self, path, machines):
        self.listings['/cvad/manage' + path.lower()] = machines

    def calls(self, path_part=''):
        """(method, path, query) of every request whose path contains path_part."""
        return [(r.method, urlsplit(r.url).path, parse_qs(urlsplit(r.url).query)) for r in self.mock.request_history
                if path_part.lower() in urlsplit(r.url).path.lower()]


@pytest.fixture(name='api')
def fixture_api(requests_mock):
    return FakeApi(requests_mock, MACHINES)


@pytest.fixture(scope='module', autouse=True)
def fixture_plugin_loader():
    """Let Ansible's plugin loader find the collection (for its options and doc fragments).

    Packages of the collection that a plain import loaded as namespace packages (no __file__) are dropped, so that
    the collection loader imports them again its own way; the modules themselves stay as they are.
    """
    init_plugin_loader([COLLECTIONS])
    for name in [name for name, module in sys.modules.items()
                 if name.startswith('ansible_collections') and getattr(module, '__file__', None) is None]:
        del sys.modules[name]


@pytest.fixture(autouse=True)
def fixture_no_citrix_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith('CITRIX_'):
            monkeypatch.delenv(name)


def run_inventory(tmp_path, overrides=None, cache=True, file_name='test.citrix.yml'):
    """Parse an inventory file of CONFIG with overrides; return the InventoryData."""
    config = dict(CONFIG)
    config.update(overrides or {})
    path = tmp_path / file_name
    path.write_text(yaml.safe_dump({k: v for k, v in config.items() if v is not None}))
    inventory = InventoryData()
    plugin = inventory_loader.get('citrix_cloud.daas.machines')
    assert plugin.verify_file(str(path))
    plugin.parse(inventory, DataLoader(), str(path), cache=cache)
    if config.get('cache'):
        plugin.update_cache_if_changed()  # as the inventory manager does after each source
    return inventory


def hostvars(inventory, host):
    return inventory.get_host(host).get_vars()


def group_hosts(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


# ---- pure rules ----------------------------------------------------------------------------------

@pytest.mark.parametrize('name, expected', [
    ('IPAddress', 'ip_address'), ('InMaintenanceMode', 'in_maintenance_mode'), ('OSType', 'os_type'),
    ('DnsName', 'dns_name'), ('FormattedLastDeregistrationTime', 'formatted_last_deregistration_time'), ('Id', 'id'),
])
def test_snake_case(name, expected):
    assert snake_case(name) == expected


def test_short_name_drops_the_domain():
    assert short_name('DEMOLAB\\FIN-001') == 'FIN-001'
    assert short_name('FIN-001') == 'FIN-001'
    assert short_name(None) is None


def test_tags_match_without_regard_to_case():
    assert machine_filter(tags=['reboot-ok'])({'Tags': ['Reboot-OK']})
    assert not machine_filter(tags=['reboot-ok'])({'Tags': ['large']})
    assert not machine_filter(tags=['reboot-ok'])({'Tags': None})


NAMING = Columns(['Id', 'Name', 'DnsName', 'IPAddress'])
ROWS = [NAMING.row(m) for m in MACHINES]


def test_hostnames_follow_the_preferences_and_resolve_duplicates_by_name_order():
    named, renamed = assign_hostnames(ROWS, NAMING, ['dns_name', 'short_name', 'name', 'id'])
    assert named == [
        ('app-01.demolab.example', ROWS[3]),
        ('fin-001.demolab.example', ROWS[0]),
        ('FIN-002', ROWS[1]),
        ('FIN-001', ROWS[2]),
    ]
    assert renamed == []


def test_hostnames_do_not_depend_on_the_order_of_the_api():
    preferences = ['short_name']
    assert assign_hostnames(ROWS, NAMING, preferences) == assign_hostnames(list(reversed(ROWS)), NAMING, preferences)


def test_a_machine_whose_preferred_names_are_taken_is_named_by_its_id():
    named, renamed = assign_hostnames(ROWS, NAMING, ['short_name'])
    assert dict((row[1], hostname) for hostname, row in named) == {
        'DEMOLAB\\APP-01': 'APP-01', 'DEMOLAB\\FIN-001': 'FIN-001', 'DEMOLAB\\FIN-002': 'FIN-002',
        'OTHER\\FIN-001': MACHINES[2]['Id']}
    assert renamed == [ROWS[2]]


def test_a_row_keeps_only_its_columns_and_the_named_keys_of_references():
    columns = Columns(['Id', 'Name', 'MachineCatalog.Name', 'DeliveryGroup.Id', 'Id', 'LoadIndex', 'Tags'])
    assert columns.names == ['Id', 'Name', 'MachineCatalog.Name', 'DeliveryGroup.Id', 'LoadIndex', 'Tags']
    assert columns.properties() == ['Id', 'Name', 'MachineCatalog', 'DeliveryGroup', 'LoadIndex', 'Tags']
    row = columns.row(MACHINES[2])
    assert row == (MACHINES[2]['Id'], 'OTHER\\FIN-001', 'Apps-Shared', None, None, ['Reboot-OK'])
    assert columns.getter('MachineCatalog.Name')(row) == 'Apps-Shared'
    assert column_value({'Zone': 'not a reference'}, 'Zone.Name') is None


def test_machine_filter_combines_every_filter_that_is_set():
    def kept(**filters):
        matches = machine_filter(**filters)
        return [m['Name'] for m in MACHINES if matches(m)]
    assert kept() == [m['Name'] for m in MACHINES]
    assert kept(power_state=['on']) == ['DEMOLAB\\FIN-001', 'OTHER\\FIN-001', 'DEMOLAB\\APP-01']
    assert kept(registration_state=['UNREGISTERED']) == ['DEMOLAB\\FIN-002']
    assert kept(in_maintenance_mode=True) == ['OTHER\\FIN-001']
    assert kept(in_maintenance_mode=False, max_session_count=0) == ['DEMOLAB\\FIN-001', 'DEMOLAB\\FIN-002']
    assert kept(tags=['REBOOT-ok']) == ['DEMOLAB\\FIN-001', 'OTHER\\FIN-001']
    assert kept(delivery_groups=['shared apps', 'id-nothing']) == ['DEMOLAB\\APP-01']
    assert kept(delivery_groups=['id-finance_desktops'], power_state=['Off']) == ['DEMOLAB\\FIN-002']


@pytest.mark.parametrize('name, accepted', [
    ('prod.citrix.yml', True), ('citrix.yaml', True), ('prod_citrix.yml', True),
    ('prod.yml', False), ('citrix.yml.bak', False), ('citrix.json', False),
])
def test_verify_file_accepts_names_that_end_in_citrix_yml(tmp_path, name, accepted):
    path = tmp_path / name
    path.write_text('plugin: citrix_cloud.daas.machines\n')
    assert bool(inventory_loader.get('citrix_cloud.daas.machines').verify_file(str(path))) is accepted


# ---- a run against the scripted API ---------------------------------------------------------------

def test_one_sign_in_one_read_of_the_catalogs_and_one_page_per_thousand_machines_with_trimmed_fields(tmp_path, requests_mock):
    many = [machine('DEMOLAB\\VDI-%05d' % n, dns='vdi-%05d.demolab.example' % n) for n in range(2500)]
    api = FakeApi(requests_mock, many)
    inventory = run_inventory(tmp_path)
    assert len(inventory.hosts) == 2500
    expected = [('POST', '/cctrustoauth2/democustomer/tokens/clients'), ('GET', '/cvad/manage/me'),
                ('GET', '/cvad/manage/MachineCatalogs')]
    assert [call[:2] for call in api.calls()] == expected + [('GET', '/cvad/manage/Machines')] * 3
    for _method, _path, query in api.calls('/Machines'):
        assert query['limit'] == ['1000']
        assert query['fields'] == ['Id,Name,DnsName,IPAddress,PowerState,RegistrationState,SessionCount,InMaintenanceMode,'
                                   'MachineCatalog,DeliveryGroup,Tags']


@pytest.mark.parametrize('overrides, fields', [
    (dict(host_vars=['power_state'], hostnames=['short_name'], ansible_host_from=[], default_groups=False), 'Id,Name,PowerState'),
    (dict(host_vars=['zone_id', 'agent_version'], hostnames=['id'], ansible_host_from=['dns_name'], default_groups=False,
          registration_state=['Registered'], max_session_count=0, extra_properties=['sid']),
     'Id,Name,DnsName,Zone,AgentVersion,RegistrationState,SessionCount,sid'),
    (dict(host_vars=[], hostnames=['name'], ansible_host_from=[], catalogs=['Finance-Pooled'], delivery_groups=['x'],
          tags=['a'], in_maintenance_mode=False),
     'Id,Name,MachineCatalog,DeliveryGroup,InMaintenanceMode,Tags'),
])
def test_fields_are_what_the_variables_names_groups_and_filters_need(tmp_path, api, overrides, fields):
    api.add_listing('/MachineCatalogs/Finance-Pooled/Machines', MACHINES)
    run_inventory(tmp_path, overrides)
    assert [query['fields'] for _method, _path, query in api.calls('/Machines')] == [[fields]]


def test_hosts_variables_and_ansible_host(tmp_path, api):
    inventory = run_inventory(tmp_path)
    assert sorted(inventory.hosts) == ['FIN-001', 'FIN-002', 'app-01.demolab.example', 'fin-001.demolab.example']
    fin = hostvars(inventory, 'fin-001.demolab.example')
    assert sorted(name for name in fin if name.startswith('citrix_')) == LEAN_VARS
    assert fin['ansible_host'] == '10.0.0.1'
    assert fin['citrix_power_state'] == 'On'
    assert fin['citrix_registration_state'] == 'Registered'
    assert fin['citrix_session_count'] == 0
    assert fin['citrix_in_maintenance_mode'] is False
    assert fin['citrix_catalog'] == 'Finance-Pooled'
    assert fin['citrix_delivery_group'] == 'Finance-Desktops'
    assert fin['citrix_tags'] == ['reboot-ok']
    assert fin['citrix_id'] == MACHINES[0]['Id']
    assert fin['citrix_name'] == 'DEMOLAB\\FIN-001'
    assert hostvars(inventory, 'FIN-001')['citrix_delivery_group'] is None
    assert hostvars(inventory, 'app-01.demolab.example')['ansible_host'] == 'app-01.demolab.example'
    assert 'ansible_host' not in hostvars(inventory, 'FIN-002')


def test_every_host_var_is_prefixed_snake_case_with_references_flattened(tmp_path, api):
    inventory = run_inventory(tmp_path, dict(host_vars=ALL_HOST_VARS, vars_prefix='vdi_'))
    variables = hostvars(inventory, 'FIN-001')
    assert sorted(name for name in variables if name.startswith('vdi_')) == sorted('vdi_' + name for name in ALL_HOST_VARS)
    assert variables['vdi_name'] == 'OTHER\\FIN-001'
    assert variables['vdi_catalog'] == 'Apps-Shared'
    assert variables['vdi_catalog_id'] == 'id-apps_shared'
    assert variables['vdi_delivery_group'] is None and variables['vdi_delivery_group_id'] is None
    assert variables['vdi_zone'] == 'Primary' and variables['vdi_zone_id'] == 'id-primary'
    assert variables['vdi_in_maintenance_mode'] is True
    assert variables['vdi_session_count'] == 2
    assert variables['vdi_tags'] == ['Reboot-OK']
    assert variables['vdi_ip_address'] == '10.0.0.3'
    assert variables['vdi_dns_name'] is None
    assert variables['vdi_os_type'] == 'Windows 11'
    assert variables['vdi_power_action_pending'] is False
    assert variables['vdi_agent_version'] == '2311.0.0.1'


def test_hosts_share_the_stored_value_of_a_repeated_property(tmp_path, api):
    inventory = run_inventory(tmp_path)
    first, second = (inventory.get_host(name).vars for name in ('fin-001.demolab.example', 'FIN-002'))
    assert first['citrix_catalog'] == second['citrix_catalog'] == 'Finance-Pooled'
    assert first['citrix_catalog'] is second['citrix_catalog']
    assert first['citrix_session_count'] is second['citrix_session_count']
    assert first['citrix_in_maintenance_mode'] is second['citrix_in_maintenance_mode'] is False


def test_ansible_host_from_and_extra_properties_and_prefix(tmp_path, api):
    inventory = run_inventory(tmp_path, dict(ansible_host_from=['dns_name'], hostnames=['name'], vars_prefix='',
                                             extra_properties=['Sid', 'LoadIndex', 'sid', 'powerstate', 'OSType']))
    other = hostvars(inventory, 'OTHER\\FIN-001')
    assert 'ansible_host' not in other
    assert other['sid'] == 'S-1-5-21-1'
    assert other['load_index'] is None
    assert other['power_state'] == 'On'
    assert other['os_type'] == 'Windows 11'
    fields = api.calls('/Machines')[0][2]['fields'][0].split(',')
    assert fields[-2:] == ['Sid', 'LoadIndex']
    assert fields.count('PowerState') == 1 and 'OSType' in fields
    inventory = run_inventory(tmp_path, dict(ansible_host_from=[]))
    assert 'ansible_host' not in hostvars(inventory, 'fin-001.demolab.example')


def test_values_from_the_api_are_never_templated(tmp_path, requests_mock):
    FakeApi(requests_mock, [machine('DEMOLAB\\EVIL', dns='evil.example', tags=['{{ 6 * 7 }}'])])
    inventory = run_inventory(tmp_path)
    variables = hostvars(inventory, 'evil.example')
    templar = Templar(loader=DataLoader(), variables=variables)
    assert templar.template(trust_as_template('{{ citrix_tags[0] }}')) == '{{ 6 * 7 }}'


def test_default_groups_are_sanitised_catalog_and_delivery_group_names(tmp_path, api):
    inventory = run_inventory(tmp_path)
    assert group_hosts(inventory, 'citrix_catalog_finance_pooled') == ['FIN-002', 'fin-001.demolab.example']
    assert group_hosts(inventory, 'citrix_catalog_apps_shared') == ['FIN-001', 'app-01.demolab.example']
    assert group_hosts(inventory, 'citrix_delivery_group_shared_apps') == ['app-01.demolab.example']
    assert group_hosts(inventory, 'citrix_delivery_group_finance_desktops') == ['FIN-002', 'fin-001.demolab.example']
    inventory = run_inventory(tmp_path, dict(default_groups=False))
    assert not [group for group in inventory.groups if group.startswith('citrix_')]


def test_constructed_compose_groups_and_keyed_groups(tmp_path, api):
    inventory = run_inventory(tmp_path, dict(
        compose={'idle': 'citrix_session_count == 0'},
        groups={'busy': 'citrix_session_count > 0', 'composed_idle': 'idle'},
        keyed_groups=[{'key': 'citrix_power_state', 'prefix': 'power'}, {'key': 'citrix_tags', 'prefix': 'tag'}]))
    assert hostvars(inventory, 'FIN-002')['idle'] is True
    assert group_hosts(inventory, 'busy') == ['FIN-001', 'app-01.demolab.example']
    assert group_hosts(inventory, 'composed_idle') == ['FIN-002', 'fin-001.demolab.example']
    assert group_hosts(inventory, 'power_Off') == ['FIN-002']
    assert group_hosts(inventory, 'tag_reboot_ok') == ['fin-001.demolab.example']
    assert group_hosts(inventory, 'tag_Reboot_OK') == ['FIN-001']


def test_strict_fails_on_an_undefined_variable(tmp_path, api):
    with pytest.raises(Exception, match='no_such_variable'):
        run_inventory(tmp_path, dict(strict=True, groups={'never': 'no_such_variable > 0'}))


def test_catalogs_are_listed_by_the_api_and_delivery_groups_compared_here(tmp_path, api):
    api.add_listing('/MachineCatalogs/Finance-Pooled/Machines', MACHINES[:2])
    api.add_listing('/MachineCatalogs/Apps|Shared/Machines', MACHINES[2:])
    inventory = run_inventory(tmp_path, dict(catalogs=['Finance-Pooled', 'Apps\\Shared'], delivery_groups=['SHARED APPS']))
    assert sorted(inventory.hosts) == ['app-01.demolab.example']
    paths = [path for _method, path, _query in api.calls('/Machines')]
    assert paths == ['/cvad/manage/MachineCatalogs/Finance-Pooled/Machines', '/cvad/manage/MachineCatalogs/Apps%7CShared/Machines']


def test_delivery_groups_alone_are_listed_by_the_api_each_machine_once(tmp_path, api):
    api.add_listing('/DeliveryGroups/Finance-Desktops/Machines', MACHINES[:2])
    api.add_listing('/DeliveryGroups/id-finance_desktops/Machines', MACHINES[:2])
    inventory = run_inventory(tmp_path, dict(delivery_groups=['Finance-Desktops', 'id-finance_desktops'], power_state=['On']))
    assert sorted(inventory.hosts) == ['fin-001.demolab.example']
    assert len(api.calls('/DeliveryGroups/')) == 2
    assert not api.calls('/cvad/manage/Machines')


def test_an_unknown_catalog_fails_naming_it(tmp_path, api):
    with pytest.raises(AnsibleParserError, match=r"^citrix_cloud.daas.machines: catalog 'Nope' was not found; the catalogs are: Apps-Shared, Finance-Pooled: "
                                                 r"HTTP 404 on GET "
                                                 r"https://api.example.test/cvad/manage/MachineCatalogs/Nope/Machines\?\S+: Not found "
                                                 r"\(transaction [-0-9a-f]+\)$"):
        run_inventory(tmp_path, dict(catalogs=['Nope']))


def test_a_failed_sign_in_is_one_line_without_the_secret(tmp_path, requests_mock):
    requests_mock.post(SIGN_IN, status_code=400, text='{"error": "invalid_client", "error_description": "bad secret %s"}' % SECRET)
    with pytest.raises(AnsibleParserError) as failure:
        run_inventory(tmp_path)
    message = str(failure.value)
    assert message.startswith('citrix_cloud.daas.machines: Sign-in failed: check customer_id, client_id and client_secret')
    assert SECRET not in message and '\n' not in message


def test_connection_options_fall_back_to_the_environment(tmp_path, api, monkeypatch):
    monkeypatch.setenv('CITRIX_CUSTOMER_ID', 'democustomer')
    monkeypatch.setenv('CITRIX_CLIENT_ID', 'client-1')
    monkeypatch.setenv('CITRIX_CLIENT_SECRET', SECRET)
    monkeypatch.setenv('CITRIX_API_URL', API)
    monkeypatch.setenv('CITRIX_AUTH_URL', API)
    monkeypatch.setenv('CITRIX_SITE_ID', 'site-from-env')
    inventory = run_inventory(tmp_path, dict(customer_id=None, client_id=None, client_secret=None, api_url=None, auth_url=None))
    assert len(inventory.hosts) == 4
    assert not api.calls('/me')
    assert api.mock.request_history[0].text == 'grant_type=client_credentials&client_id=client-1&client_secret=' + SECRET
    assert api.mock.request_history[-1].headers['Citrix-InstanceId'] == 'site-from-env'


def test_an_empty_site_id_in_the_environment_means_discover(tmp_path, api, monkeypatch):
    monkeypatch.setenv('CITRIX_SITE_ID', '')
    run_inventory(tmp_path)
    assert len(api.calls('/me')) == 1
    assert api.mock.request_history[-1].headers['Citrix-InstanceId'] == 'site-1'


@pytest.mark.parametrize('overrides, message', [
    (dict(customer_id=None), 'customer_id is required'),
    (dict(client_secret=None), 'either token or client_id and client_secret are required to sign in'),
    (dict(max_session_count=-1), 'max_session_count must be 0 or more, got -1'),
    (dict(hostnames=[]), 'hostnames must name at least one of'),
    (dict(vars_prefix='1x'), "vars_prefix must be letters, digits and _ not starting with a digit, got '1x'"),
    (dict(extra_properties=['Sid', 'Tags[0]']), "extra_properties must be property names of the machine model"),
])
def test_unusable_options_fail_in_one_line_before_any_request(tmp_path, api, overrides, message):
    with pytest.raises(AnsibleParserError, match=re.escape(message)) as failure:
        run_inventory(tmp_path, overrides)
    assert '\n' not in str(failure.value)
    assert not api.mock.request_history


def test_an_unknown_host_var_fails_naming_the_option_before_any_request(tmp_path, api):
    with pytest.raises(Exception, match=r"Invalid value .*'nope'.*host_vars") as failure:
        run_inventory(tmp_path, dict(host_vars=['power_state', 'nope']))
    assert '\n' not in str(failure.value)
    assert not api.mock.request_history


def test_a_token_is_used_without_signing_in(tmp_path, api):
    run_inventory(tmp_path, dict(client_id=None, client_secret=None, token=TOKEN))
    assert not api.calls('/tokens/')
    assert api.mock.request_history[-1].headers['Authorization'] == 'CwsAuth Bearer=' + TOKEN


# ---- cache ---------------------------------------------------------------------------------------

def cache_options(tmp_path):
    return dict(cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(tmp_path / 'cache'))


def test_a_cache_hit_sends_no_request_and_gives_the_same_inventory(tmp_path, api):
    first = run_inventory(tmp_path, cache_options(tmp_path))
    sent = len(api.mock.request_history)
    second = run_inventory(tmp_path, cache_options(tmp_path))
    assert len(api.mock.request_history) == sent
    assert sorted(second.hosts) == sorted(first.hosts)
    for host in first.hosts:
        assert hostvars(second, host) == hostvars(first, host)
    cached = ''.join(path.read_text() for path in (tmp_path / 'cache').iterdir())
    assert SECRET not in cached and TOKEN not in cached and 'fin-001.demolab.example' in cached


def test_a_refresh_reads_the_api_again_and_updates_the_cache(tmp_path, api):
    run_inventory(tmp_path, cache_options(tmp_path))
    api.listings['/cvad/manage/machines'] = MACHINES[:1]
    refreshed = run_inventory(tmp_path, cache_options(tmp_path), cache=False)
    assert sorted(refreshed.hosts) == ['fin-001.demolab.example']
    sent = len(api.mock.request_history)
    assert sorted(run_inventory(tmp_path, cache_options(tmp_path)).hosts) == ['fin-001.demolab.example']
    assert len(api.mock.request_history) == sent


def test_without_cache_every_run_reads_the_api(tmp_path, api):
    run_inventory(tmp_path)
    sent = len(api.mock.request_history)
    run_inventory(tmp_path)
    assert len(api.mock.request_history) == 2 * sent


def test_the_cache_holds_only_the_columns_the_options_need(tmp_path, api):
    run_inventory(tmp_path, cache_options(tmp_path))
    (path,) = (tmp_path / 'cache').iterdir()
    cached = json.loads(path.read_text())
    if '__payload__' in cached:  # ansible-core 2.19 and later wrap the value
        cached = json.loads(cached['__payload__'])
    assert cached['columns'] == ['Id', 'Name', 'DnsName', 'IPAddress', 'PowerState', 'RegistrationState', 'SessionCount',
                                 'InMaintenanceMode', 'MachineCatalog.Name', 'DeliveryGroup.Name', 'Tags']
    assert sorted(row[1] for row in cached['machines']) == sorted(m['Name'] for m in MACHINES)
    assert all(len(row) == len(cached['columns']) for row in cached['machines'])


def test_a_cache_written_for_other_options_is_read_again(tmp_path, api):
    run_inventory(tmp_path, cache_options(tmp_path))
    sent = len(api.mock.request_history)
    options = dict(cache_options(tmp_path), host_vars=['agent_version'])
    inventory = run_inventory(tmp_path, options)
    assert len(api.mock.request_history) == 2 * sent
    assert hostvars(inventory, 'FIN-002')['citrix_agent_version'] == '2311.0.0.1'
    inventory = run_inventory(tmp_path, options)
    assert len(api.mock.request_history) == 2 * sent
    assert hostvars(inventory, 'FIN-002')['citrix_agent_version'] == '2311.0.0.1'


# ---- what a first-time administrator writes ------------------------------------------------------

@pytest.mark.parametrize('overrides, message', [
    (dict(power_state=[True]), 'power_state: True is not a state: YAML reads an unquoted On, Off, Yes or No as a '
                               'boolean; quote it, for example power_state: ["On"]'),
    (dict(registration_state=['Registred']), "registration_state: 'Registred' is not a state; use one of Unknown, "
                                             "Unregistered, Initializing, Registered, AgentError"),
    (dict(validate_certs='maybe'), "validate_certs must be true or false, got 'maybe'"),
    (dict(in_maintenance_mode='maybe'), "in_maintenance_mode must be true or false, got 'maybe'"),
    (dict(max_session_count='two'), "max_session_count must be a whole number, got 'two'"),
    (dict(tags=[1]), 'tags must be a list of texts, got 1'),
    (dict(catalog='NoSuch'), "unknown option 'catalog' (did you mean catalogs?)"),
    (dict(catalogs=['W11'], colour='blue'), "unknown option 'colour'"),
])
def test_a_wrong_name_or_type_fails_in_one_line_before_any_request(tmp_path, api, overrides, message):
    with pytest.raises(AnsibleParserError) as failure:
        run_inventory(tmp_path, overrides)
    assert str(failure.value) == 'citrix_cloud.daas.machines: ' + message
    assert not api.mock.request_history


def test_quoted_states_and_textual_booleans_are_accepted(tmp_path, api):
    inventory = run_inventory(tmp_path, dict(power_state=['On'], in_maintenance_mode='no', max_session_count='0'))
    assert sorted(inventory.hosts) == ['fin-001.demolab.example']


def test_a_state_list_as_comma_separated_text_is_accepted(tmp_path, api):
    inventory = run_inventory(tmp_path, dict(power_state='On, off', registration_state='Registered'))
    assert sorted(inventory.hosts) == ['FIN-001', 'app-01.demolab.example', 'fin-001.demolab.example']


def test_the_catalog_variable_and_group_keep_the_admin_folder_as_studio_shows_it(tmp_path, api):
    api.folders['Apps-Shared'] = 'Apps|Shared'
    inventory = run_inventory(tmp_path)
    assert hostvars(inventory, 'app-01.demolab.example')['citrix_catalog'] == 'Apps\\Shared\\Apps-Shared'
    assert hostvars(inventory, 'fin-001.demolab.example')['citrix_catalog'] == 'Finance-Pooled'
    assert group_hosts(inventory, 'citrix_catalog_apps_shared_apps_shared') == ['FIN-001', 'app-01.demolab.example']


def test_without_a_catalog_column_the_catalogs_are_not_read(tmp_path, api):
    run_inventory(tmp_path, dict(host_vars=['power_state'], default_groups=False))
    assert not api.calls('/MachineCatalogs')


class Item(dict):
    """A machine of a page that a weak reference can follow."""
    __slots__ = ('__weakref__',)


def test_pages_are_processed_as_they_arrive_and_none_is_kept(tmp_path, api, monkeypatch):
    import gc
    import weakref
    from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSClient
    pages, alive_before_each_page = 12, []
    references = []

    def scope_machines(self, kind=None, name=None, fields=None, page_size=1000):
        for page in range(pages):
            gc.collect()
            alive_before_each_page.append(sum(1 for reference in references if reference() is not None))
            items = [Item(machine('DEMOLAB\\VDI-%02d-%03d' % (page, n))) for n in range(50)]
            references.extend(weakref.ref(item) for item in items)
            yield from items
            del items

    monkeypatch.setattr(DaaSClient, 'scope_machines', scope_machines)
    inventory = run_inventory(tmp_path, dict(hostnames=['name']))
    assert len(inventory.hosts) == pages * 50
    # Only the page being read is alive (its last item, at most): earlier pages are gone, whatever their number.
    assert len(alive_before_each_page) == pages and max(alive_before_each_page) <= 1


def test_an_answer_of_an_unexpected_shape_fails_in_one_line_without_the_token(tmp_path, api, monkeypatch):
    from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSClient

    def scope_machines(self, kind=None, name=None, fields=None, page_size=1000):
        yield dict(machine('DEMOLAB\\ODD-01'), Id=['not', 'a', 'text', TOKEN])

    monkeypatch.setattr(DaaSClient, 'scope_machines', scope_machines)
    with pytest.raises(AnsibleParserError) as failure:
        run_inventory(tmp_path, dict(client_id=None, client_secret=None, token=TOKEN))
    message = str(failure.value)
    assert message.startswith("citrix_cloud.daas.machines: unexpected error: TypeError: ")
    assert '\n' not in message and TOKEN not in message


def test_option_problems_know_aliases_and_suggest_the_closest_name():
    definitions = {'catalogs': {'type': 'list', 'elements': 'str', 'aliases': ['catalog_names']}, 'plugin': {}}
    assert plugin_module.option_problems({'plugin': 'x', 'catalog_names': ['A']}, definitions) == []
    assert plugin_module.option_problems({'catalogz': ['A']}, definitions) == ["unknown option 'catalogz' (did you mean catalogs?)"]
