# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the machine_info module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
from unittest import mock

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import DECISION_FIELDS
from ansible_collections.citrix_cloud.daas.plugins.modules import machine_info
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')


def machine(machine_id, name, power='On', registration='Registered', maintenance=False, sessions=0, tags=None):
    return {'Id': machine_id, 'Name': name, 'PowerState': power, 'RegistrationState': registration,
            'InMaintenanceMode': maintenance, 'SessionCount': sessions, 'Tags': tags}


MACHINES = [
    machine('m-1', 'DEMOLAB\\EAGLE', tags=['reboot-ok']),
    machine('m-2', 'DEMOLAB\\OWL', sessions=2, tags=['reboot-ok', 'finance']),
    machine('m-3', 'DEMOLAB\\HAWK', power='Off', registration='Unregistered'),
    machine('m-4', 'DEMOLAB\\CROW', maintenance=True, sessions=1, tags=['finance']),
    machine('m-5', 'DEMOLAB\\WREN', power='Suspended'),
]
BY_NAME = dict((entry['Name'].lower(), entry) for entry in MACHINES)
BY_NAME.update((entry['Id'], entry) for entry in MACHINES)
SESSIONS = {'m-2': [{'Id': 's-1', 'State': 'Active'}, {'Id': 's-2', 'State': 'Disconnected'}], 'm-4': [{'Id': 's-3', 'State': 'Active'}]}


def get_machine(name_or_id):
    try:
        return dict(BY_NAME[name_or_id.lower() if '\\' in name_or_id else name_or_id])
    except KeyError:
        raise DaaSError("machine '%s' was not found" % name_or_id, status=404, method='GET',
                        url='https://api.cloud.com/cvad/manage/Machines/x', transaction_id='tx-%s' % name_or_id)


def scope_machines(kind=None, name=None, fields=None):
    """The machines of a scope as the client hands them: a generator, page by page (catalogs: the first two machines,
    delivery groups: the others, the site: all of them)."""
    chosen = {None: MACHINES, 'catalog': MACHINES[:2], 'delivery group': MACHINES[2:]}[kind]
    for entry in chosen:
        yield dict(entry)


@pytest.fixture(name='client')
def fixture_client():
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._connection.DaaSClient') as client_class:
        client = client_class.return_value
        client.get_machine.side_effect = get_machine
        client.scope_machines.side_effect = scope_machines
        client.machine_sessions.side_effect = lambda machine_id: list(SESSIONS.get(machine_id, []))
        yield client


def names(result):
    return [entry['Name'] for entry in result['machines']]


def test_without_a_source_returns_every_machine(client):
    result = run_module(machine_info.main, ARGS)
    assert result['failed'] is False
    assert result['changed'] is False
    assert result['machines'] == MACHINES
    client.scope_machines.assert_called_once_with(fields=None)


def test_names_are_looked_up_in_order_and_once_each(client):
    result = run_module(machine_info.main, dict(ARGS, names=['DEMOLAB\\OWL', 'm-1', 'DEMOLAB\\OWL']))
    assert names(result) == ['DEMOLAB\\OWL', 'DEMOLAB\\EAGLE']
    assert sorted(call.args[0] for call in client.get_machine.call_args_list) == ['DEMOLAB\\OWL', 'm-1']
    client.scope_machines.assert_not_called()


def test_unknown_machine_fails_with_the_clients_message(client):
    result = run_module(machine_info.main, dict(ARGS, names=['DEMOLAB\\EAGLE', 'DEMOLAB\\NOPE']))
    assert result['failed'] is True
    assert result['msg'].startswith("machine 'DEMOLAB\\NOPE' was not found: HTTP 404 on GET ")
    assert result['error']['status'] == 404


def test_several_unknown_machines_are_named_in_one_line(client):
    result = run_module(machine_info.main, dict(ARGS, names=['DEMOLAB\\NOPE', 'DEMOLAB\\EAGLE', 'DEMOLAB\\GONE']))
    assert result['failed'] is True
    first, second = result['msg'].split('; ')
    assert first.startswith("machine 'DEMOLAB\\NOPE' was not found: HTTP 404 on GET ")
    assert second.startswith("machine 'DEMOLAB\\GONE' was not found: HTTP 404 on GET ")
    assert result['error']['transaction_id'] == 'tx-DEMOLAB\\NOPE'


def test_catalog_and_delivery_group_read_their_machines(client):
    assert names(run_module(machine_info.main, dict(ARGS, catalog='Pooled'))) == ['DEMOLAB\\EAGLE', 'DEMOLAB\\OWL']
    client.scope_machines.assert_called_once_with('catalog', 'Pooled', None)
    assert names(run_module(machine_info.main, dict(ARGS, delivery_group='Desktops')))[0] == 'DEMOLAB\\HAWK'
    client.scope_machines.assert_called_with('delivery group', 'Desktops', None)


def test_catalogs_and_delivery_groups_together_return_each_machine_once(client):
    client.scope_machines.side_effect = lambda kind=None, name=None, fields=None: iter(
        [dict(entry) for entry in (MACHINES[:3] if kind == 'catalog' else MACHINES[1:])])
    result = run_module(machine_info.main, dict(ARGS, catalog=['Pooled'], delivery_group=['Desktops', 'Kiosks']))
    assert sorted(names(result)) == sorted(m['Name'] for m in MACHINES)
    assert sorted(call.args[:2] for call in client.scope_machines.call_args_list) == [
        ('catalog', 'Pooled'), ('delivery group', 'Desktops'), ('delivery group', 'Kiosks')]


@pytest.mark.parametrize('option, kind', [('catalog', 'catalog'), ('delivery_group', 'delivery group')])
def test_an_unknown_scope_fails_in_one_line_with_the_clients_message(client, option, kind):
    def unknown(kind=None, name=None, fields=None):
        raise DaaSError("%s '%s' was not found; the %ss are: Pooled" % (kind, name, kind), status=404, method='GET',
                        url='https://api.cloud.com/cvad/manage/x/%s/Machines' % name)
    client.scope_machines.side_effect = unknown
    result = run_module(machine_info.main, dict(ARGS, **{option: ['Unknown-1']}))
    assert result['failed'] is True
    assert result['msg'].startswith("%s 'Unknown-1' was not found; the %ss are: Pooled" % (kind, kind))
    assert '\n' not in result['msg']
    assert result['error']['status'] == 404


def test_sources_are_mutually_exclusive(client):
    result = run_module(machine_info.main, dict(ARGS, names=['DEMOLAB\\EAGLE'], catalog='Pooled'))
    assert result['failed'] is True
    assert 'mutually exclusive' in result['msg']


@pytest.mark.parametrize('filters, expected', [
    (dict(power_state=['on']), ['DEMOLAB\\EAGLE', 'DEMOLAB\\OWL', 'DEMOLAB\\CROW']),
    (dict(power_state=['Off', 'Suspended']), ['DEMOLAB\\HAWK', 'DEMOLAB\\WREN']),
    (dict(registration_state=['Unregistered']), ['DEMOLAB\\HAWK']),
    (dict(in_maintenance_mode=True), ['DEMOLAB\\CROW']),
    (dict(in_maintenance_mode=False, power_state=['On']), ['DEMOLAB\\EAGLE', 'DEMOLAB\\OWL']),
    (dict(max_session_count=0), ['DEMOLAB\\EAGLE', 'DEMOLAB\\HAWK', 'DEMOLAB\\WREN']),
    (dict(max_session_count=1), ['DEMOLAB\\EAGLE', 'DEMOLAB\\HAWK', 'DEMOLAB\\CROW', 'DEMOLAB\\WREN']),
    (dict(tags=['finance', 'absent']), ['DEMOLAB\\OWL', 'DEMOLAB\\CROW']),
    (dict(power_state=['On'], registration_state=['Registered'], in_maintenance_mode=False, max_session_count=0, tags=['reboot-ok']),
     ['DEMOLAB\\EAGLE']),
    (dict(power_state=[]), []),
])
def test_filters(client, filters, expected):
    assert names(run_module(machine_info.main, dict(ARGS, **filters))) == expected


def test_filters_apply_to_named_machines_too(client):
    result = run_module(machine_info.main, dict(ARGS, names=['DEMOLAB\\EAGLE', 'DEMOLAB\\OWL'], max_session_count=0))
    assert names(result) == ['DEMOLAB\\EAGLE']


def test_include_sessions_adds_the_sessions_of_the_returned_machines(client):
    result = run_module(machine_info.main, dict(ARGS, include_sessions=True, power_state=['On'], concurrency=3))
    assert [(entry['Id'], entry['Sessions']) for entry in result['machines']] == [
        ('m-1', []), ('m-2', SESSIONS['m-2']), ('m-4', SESSIONS['m-4'])]
    assert sorted(call.args[0] for call in client.machine_sessions.call_args_list) == ['m-1', 'm-2', 'm-4']


def test_without_include_sessions_no_sessions_are_read(client):
    result = run_module(machine_info.main, ARGS)
    assert all('Sessions' not in entry for entry in result['machines'])
    client.machine_sessions.assert_not_called()


def test_lookups_and_session_reads_run_concurrently(client):
    barrier = threading.Barrier(2, timeout=5)

    def together(call):
        def wrapped(name_or_id):
            barrier.wait()
            return call(name_or_id)
        return wrapped

    client.get_machine.side_effect = together(get_machine)
    client.machine_sessions.side_effect = together(lambda machine_id: list(SESSIONS.get(machine_id, [])))
    result = run_module(machine_info.main, dict(ARGS, names=['DEMOLAB\\OWL', 'DEMOLAB\\CROW'], include_sessions=True, concurrency=2))
    assert [entry['Sessions'] for entry in result['machines']] == [SESSIONS['m-2'], SESSIONS['m-4']]


def test_check_mode_returns_the_same_data(client):
    args = dict(ARGS, catalog='Pooled', include_sessions=True)
    assert run_module(machine_info.main, args, check_mode=True) == run_module(machine_info.main, args)


def test_concurrency_must_be_positive(client):
    result = run_module(machine_info.main, dict(ARGS, concurrency=0))
    assert result['failed'] is True
    assert result['msg'] == 'concurrency must be 1 or more, got 0'


def test_a_negative_max_session_count_is_refused_before_any_request(client):
    result = run_module(machine_info.main, dict(ARGS, max_session_count=-1))
    assert result['failed'] is True
    assert result['msg'] == 'max_session_count must be 0 or more, got -1'
    client.scope_machines.assert_not_called()


def test_several_catalogs_are_read_with_trimmed_fields_and_each_machine_returned_once(client):
    result = run_module(machine_info.main, dict(ARGS, catalogs=['Pooled', 'Dedicated'], fields=['Name', 'SessionCount']))
    assert names(result) == [m['Name'] for m in MACHINES[:2]]
    fields = ['Id', 'Name', 'SessionCount']
    assert sorted(client.scope_machines.call_args_list) == [mock.call('catalog', 'Dedicated', fields),
                                                            mock.call('catalog', 'Pooled', fields)]


def test_a_trimmed_read_adds_only_id_and_what_the_set_filters_read(client):
    run_module(machine_info.main, dict(ARGS, catalog='Pooled', fields=['Name', 'InMaintenanceMode'], power_state=['On'],
                                       tags=['reboot-ok']))
    client.scope_machines.assert_called_once_with('catalog', 'Pooled', ['Id', 'InMaintenanceMode', 'Name', 'PowerState',
                                                                        'Tags'])


def test_select_for_reboot_returns_the_choice_and_no_machine(client):
    result = run_module(machine_info.main, dict(ARGS, select_for_reboot=dict(
        now='2026-11-23T12:00:00Z', fence_tag='fence', list_limit=1)))
    assert result['failed'] is False
    assert 'machines' not in result
    selection = result['selection']
    assert selection['machines'] == 5
    # EAGLE is idle, but the mocked machines carry no SupportedPowerActions: nothing can restart.
    assert selection['candidates'] == []
    assert selection['skipped_count'] == 5
    assert sum(selection['reasons'].values()) == 5
    assert selection['reasons']['has N session(s)'] == 1
    # At most list_limit machines listed per reason.
    assert len(selection['skipped']) == len(selection['reasons'])
    assert all(sorted(entry) == ['Id', 'Name', 'reason'] for entry in selection['skipped'])


def test_select_for_reboot_reads_exactly_the_properties_the_rules_read(client):
    run_module(machine_info.main, dict(ARGS, catalog='Pooled', select_for_reboot={}))
    client.scope_machines.assert_called_once_with('catalog', 'Pooled', sorted(DECISION_FIELDS))


def test_select_for_reboot_keeps_the_candidates_ids_and_names_the_first_list_limit(client):
    restartable = dict(MACHINES[0], SupportedPowerActions=['Restart'], FormattedLastDeregistrationTime='2026-11-20T00:00:00Z')
    second = dict(restartable, Id='m-2', Name='DEMOLAB\\HAWK', FormattedLastDeregistrationTime='2026-11-21T00:00:00Z')
    client.scope_machines.side_effect = lambda kind=None, name=None, fields=None: iter([dict(second), dict(restartable)])
    result = run_module(machine_info.main, dict(ARGS, select_for_reboot=dict(min_hours_since_reboot=1, list_limit=1)))
    # In reboot order (the longest since its last reboot first); only the first list_limit are named.
    assert result['selection']['candidates'] == ['m-1', 'm-2']
    assert result['selection']['candidate_names'] == ['DEMOLAB\\EAGLE']


@pytest.mark.parametrize('rules, message', [
    (dict(min_hours=3), 'select_for_reboot: unknown rule min_hours: the rules are '),
    (dict(max_machines=-1), 'select_for_reboot: max_machines must not be negative, got -1'),
    (dict(now='soon'), "select_for_reboot: now must be an RFC 3339 time such as 2026-11-23T17:09:00Z, got 'soon'"),
])
def test_select_for_reboot_refuses_a_bad_rule_in_one_line_before_any_request(client, rules, message):
    result = run_module(machine_info.main, dict(ARGS, select_for_reboot=rules))
    assert result['failed'] is True
    assert result['msg'].startswith(message)
    assert '\n' not in result['msg']
    client.scope_machines.assert_not_called()


def test_server_errors_name_each_machine_with_status_and_url(client):
    def failing(name):
        raise DaaSError('Internal server error', status=500, method='GET',
                        url='https://api.cloud.com/cvad/manage/Machines/%s' % name.replace('\\', '%7C'))
    client.get_machine.side_effect = failing
    result = run_module(machine_info.main, dict(ARGS, names=['DEMOLAB\\A1', 'DEMOLAB\\A2', 'DEMOLAB\\A3']))
    assert result['failed'] is True
    parts = result['msg'].split('; ')
    assert len(parts) == 3
    for number, part in enumerate(parts, 1):
        assert part == ("reading machine 'DEMOLAB\\A%d': Internal server error: HTTP 500 on GET "
                        "https://api.cloud.com/cvad/manage/Machines/DEMOLAB%%7CA%d" % (number, number))


def test_many_unknown_machines_make_a_short_line(client):
    wanted = ['DEMOLAB\\NOPE-%03d' % number for number in range(600)]
    result = run_module(machine_info.main, dict(ARGS, names=wanted))
    assert result['failed'] is True
    assert len(result['msg']) < 1500
    assert "DEMOLAB\\NOPE-000" in result['msg'] and result['msg'].endswith('and 595 more (see results)')


@pytest.mark.parametrize('option, value', [('power_state', 'True'), ('power_state', 'False'), ('registration_state', 'True')])
def test_a_boolean_read_from_unquoted_yaml_names_the_pitfall(client, option, value):
    result = run_module(machine_info.main, dict(ARGS, catalog='W11', **{option: [value]}))
    assert result['failed'] is True
    assert result['msg'] == ('%s: %s is not a state: YAML reads an unquoted On, Off, Yes or No as a boolean; quote it, '
                             'for example %s: ["On"]' % (option, value, option))
    client.scope_machines.assert_not_called()


def test_a_value_that_is_no_state_is_refused(client):
    result = run_module(machine_info.main, dict(ARGS, catalog='W11', power_state=['Running']))
    assert result['failed'] is True
    assert result['msg'].startswith("power_state: 'Running' is not a state; use one of Unknown, Unmanaged, ")


def test_states_of_the_api_match_in_any_case(client):
    result = run_module(machine_info.main, dict(ARGS, power_state=['on', 'SUSPENDED'], registration_state=['registered']))
    assert result['failed'] is False
    assert names(result) == ['DEMOLAB\\EAGLE', 'DEMOLAB\\OWL', 'DEMOLAB\\CROW', 'DEMOLAB\\WREN']


def test_an_error_that_is_not_about_the_machines_is_said_once(client):
    client.get_machine.side_effect = DaaSError("site_id 's-9' is not a site of customer 'democustomer'")
    result = run_module(machine_info.main, dict(ARGS, names=['DEMOLAB\\A1', 'DEMOLAB\\A2', 'DEMOLAB\\A3']))
    assert result['failed'] is True
    assert result['msg'] == "site_id 's-9' is not a site of customer 'democustomer'"
