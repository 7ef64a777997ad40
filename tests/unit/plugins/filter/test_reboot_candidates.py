# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json
import os
import subprocess
import sys
import textwrap

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.citrix_cloud.daas.plugins.filter import reboot_candidates as filter_module
from ansible_collections.citrix_cloud.daas.plugins.filter.reboot_candidates import (
    FilterModule,
    reboot_candidates,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import parse_rfc3339

NOW = '2026-11-23T12:00:00Z'


def machine(name, **overrides):
    """An idle, registered, powered-on machine that supports Restart, rebooted two days before NOW."""
    base = {
        'Id': 'id-' + name.split('\\')[-1].lower(),
        'Name': name,
        'SessionCount': 0,
        'PowerState': 'On',
        'RegistrationState': 'Registered',
        'SupportedPowerActions': ['PowerOn', 'PowerOff', 'Shutdown', 'Restart', 'Reset'],
        'PowerActionPending': False,
        'InMaintenanceMode': False,
        'MaintenanceModeReason': 'None',
        'Tags': [],
        'FormattedLastDeregistrationTime': '2026-11-21T12:00:00Z',
    }
    base.update(overrides)
    return base


def names(machines):
    return [m['Name'] for m in machines]


def reasons(result):
    return dict((s['Name'], s['reason']) for s in result['skipped'])


def test_filter_is_registered():
    assert FilterModule().filters()['reboot_candidates'] is reboot_candidates


def test_idle_machine_is_a_candidate():
    result = reboot_candidates([machine('DEMOLAB\\KESTREL')], now=NOW)
    assert names(result['candidates']) == ['DEMOLAB\\KESTREL']
    assert result['skipped'] == []


def test_walkthrough_catalog():
    # The three machines of the source document's reboot_idle example.
    machines = [
        machine('DEMOLAB\\OSPREY', SessionCount=2),
        machine('DEMOLAB\\EAGLE', SupportedPowerActions=['PowerOn', 'Shutdown']),
        machine('DEMOLAB\\KESTREL'),
    ]
    result = reboot_candidates(machines, now=NOW)
    assert names(result['candidates']) == ['DEMOLAB\\KESTREL']
    assert reasons(result) == {
        'DEMOLAB\\OSPREY': 'has 2 session(s)',
        'DEMOLAB\\EAGLE': 'does not support Restart or Reset (supports: PowerOn, Shutdown)',
    }
    assert result['skipped'][0] == {'Name': 'DEMOLAB\\OSPREY', 'Id': 'id-osprey', 'reason': 'has 2 session(s)'}


@pytest.mark.parametrize('overrides, reason', [
    ({'SessionCount': 1}, 'has 1 session(s)'),
    ({'SessionCount': None}, 'session count unknown'),
    ({'SessionCount': 'many'}, 'session count unknown'),
    ({'PowerState': 'Off'}, 'power state is Off, not On'),
    ({'PowerState': 'Suspended'}, 'power state is Suspended, not On'),
    ({'PowerState': None}, 'power state is unknown, not On'),
    ({'RegistrationState': 'Unregistered'}, 'registration state is Unregistered, not Registered'),
    ({'RegistrationState': 'Initializing'}, 'registration state is Initializing, not Registered'),
    ({'PowerActionPending': True}, 'a power action is pending'),
    ({'SupportedPowerActions': []}, 'does not support Restart or Reset (supports: none)'),
    ({'SupportedPowerActions': None}, 'does not support Restart or Reset (supports: none)'),
    ({'InMaintenanceMode': True, 'MaintenanceModeReason': 'Administrator'},
     'in maintenance mode (reason: Administrator)'),
    ({'InMaintenanceMode': True, 'MaintenanceModeReason': 'None'}, 'in maintenance mode'),
    ({'InMaintenanceMode': True, 'MaintenanceModeReason': None}, 'in maintenance mode'),
])
def test_each_criterion(overrides, reason):
    result = reboot_candidates([machine('D\\M1', **overrides)], now=NOW)
    assert result['candidates'] == []
    assert result['skipped'] == [{'Name': 'D\\M1', 'Id': 'id-m1', 'reason': reason}]


def test_reset_alone_is_enough():
    result = reboot_candidates([machine('D\\M1', SupportedPowerActions=['Reset'])], now=NOW)
    assert names(result['candidates']) == ['D\\M1']


def test_missing_power_action_pending_counts_as_false():
    m = machine('D\\M1')
    del m['PowerActionPending']
    assert names(reboot_candidates([m], now=NOW)['candidates']) == ['D\\M1']


def test_first_failing_criterion_gives_the_reason():
    m = machine('D\\M1', SessionCount=3, PowerState='Off', InMaintenanceMode=True, MaintenanceModeReason='Administrator')
    assert reasons(reboot_candidates([m], now=NOW)) == {'D\\M1': 'in maintenance mode (reason: Administrator)'}


class TestExclude:
    machines = [machine('DEMOLAB\\KESTREL'), machine('DEMOLAB\\EAGLE'), machine('OTHER\\VDI-GOLD-01')]

    def test_full_name(self):
        result = reboot_candidates(self.machines, now=NOW, exclude=['demolab\\eagle'])
        assert names(result['candidates']) == ['DEMOLAB\\KESTREL', 'OTHER\\VDI-GOLD-01']
        assert reasons(result) == {'DEMOLAB\\EAGLE': "excluded by 'demolab\\eagle'"}

    def test_bare_name_any_case(self):
        result = reboot_candidates(self.machines, now=NOW, exclude=['Kestrel'])
        assert names(result['candidates']) == ['DEMOLAB\\EAGLE', 'OTHER\\VDI-GOLD-01']

    def test_pattern_on_bare_name(self):
        result = reboot_candidates(self.machines, now=NOW, exclude=['vdi-gold-*'])
        assert names(result['candidates']) == ['DEMOLAB\\EAGLE', 'DEMOLAB\\KESTREL']
        assert reasons(result) == {'OTHER\\VDI-GOLD-01': "excluded by 'vdi-gold-*'"}

    def test_pattern_on_full_name(self):
        result = reboot_candidates(self.machines, now=NOW, exclude=['DEMOLAB\\*'])
        assert names(result['candidates']) == ['OTHER\\VDI-GOLD-01']

    def test_question_mark_and_class(self):
        result = reboot_candidates(self.machines, now=NOW, exclude=['?estrel', 'e[a-z]gle'])
        assert names(result['candidates']) == ['OTHER\\VDI-GOLD-01']

    def test_by_id(self):
        result = reboot_candidates(self.machines, now=NOW, exclude=['ID-EAGLE'])
        assert 'DEMOLAB\\EAGLE' not in names(result['candidates'])

    def test_pattern_does_not_match_partially(self):
        result = reboot_candidates(self.machines, now=NOW, exclude=['KEST'])
        assert len(result['candidates']) == 3

    def test_a_string_is_one_pattern(self):
        result = reboot_candidates(self.machines, now=NOW, exclude='eagle')
        assert 'DEMOLAB\\EAGLE' not in names(result['candidates'])

    def test_exclusion_wins_over_other_reasons(self):
        result = reboot_candidates([machine('D\\BUSY', SessionCount=4)], now=NOW, exclude=['busy'])
        assert reasons(result) == {'D\\BUSY': "excluded by 'busy'"}


class TestTags:
    def test_any_of_required_tags(self):
        machines = [machine('D\\A', Tags=['reboot-ok']), machine('D\\B', Tags=['other']),
                    machine('D\\C', Tags=None), machine('D\\E', Tags=['Nightly'])]
        result = reboot_candidates(machines, now=NOW, required_tags=['reboot-ok', 'nightly'])
        assert names(result['candidates']) == ['D\\A', 'D\\E']
        assert reasons(result) == {
            'D\\B': 'has none of the required tags (reboot-ok, nightly)',
            'D\\C': 'has none of the required tags (reboot-ok, nightly)',
        }

    def test_no_required_tags_means_any(self):
        result = reboot_candidates([machine('D\\A', Tags=None)], now=NOW, required_tags=[])
        assert names(result['candidates']) == ['D\\A']


class TestRecentReboot:
    def test_recent_reboot_is_skipped(self):
        m = machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T09:30:00Z')
        result = reboot_candidates([m], now=NOW, min_hours_since_reboot=12)
        assert reasons(result) == {'D\\A': 'rebooted 2.5 h ago (less than 12 h)'}

    def test_old_reboot_is_a_candidate(self):
        m = machine('D\\A', FormattedLastDeregistrationTime='2026-11-22T23:59:59Z')
        result = reboot_candidates([m], now=NOW, min_hours_since_reboot=12)
        assert names(result['candidates']) == ['D\\A']

    def test_exactly_the_limit_is_a_candidate(self):
        m = machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T00:00:00Z')
        assert names(reboot_candidates([m], now=NOW, min_hours_since_reboot=12)['candidates']) == ['D\\A']

    def test_zero_turns_the_check_off(self):
        m = machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T11:59:00Z')
        assert names(reboot_candidates([m], now=NOW, min_hours_since_reboot=0)['candidates']) == ['D\\A']

    @pytest.mark.parametrize('value', [None, '', 'not a time', '5/2/2024 6:14:09 AM'])
    def test_unknown_time_counts_as_long_ago(self, value):
        m = machine('D\\A', FormattedLastDeregistrationTime=value)
        assert names(reboot_candidates([m], now=NOW, min_hours_since_reboot=12)['candidates']) == ['D\\A']

    def test_missing_time_counts_as_long_ago(self):
        m = machine('D\\A')
        del m['FormattedLastDeregistrationTime']
        assert names(reboot_candidates([m], now=NOW, min_hours_since_reboot=12)['candidates']) == ['D\\A']

    def test_offsets_and_fractions(self):
        # 13:30+02:00 is 11:30Z: half an hour before NOW.
        m = machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T13:30:00.1234567+02:00')
        assert reasons(reboot_candidates([m], now=NOW, min_hours_since_reboot=1)) == {
            'D\\A': 'rebooted 0.5 h ago (less than 1 h)'}

    def test_future_time_is_skipped(self):
        m = machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T13:00:00Z')
        reason = reasons(reboot_candidates([m], now=NOW, min_hours_since_reboot=1))['D\\A']
        assert reason.startswith('last rebooted at 2026-11-23T13:00:00Z, which is after now')

    def test_fractional_hours(self):
        m = machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T11:00:00Z')
        assert reasons(reboot_candidates([m], now=NOW, min_hours_since_reboot=1.5)) == {
            'D\\A': 'rebooted 1 h ago (less than 1.5 h)'}

    def test_now_defaults_to_the_current_time(self):
        recent = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
        m = machine('D\\A', FormattedLastDeregistrationTime=recent.strftime('%Y-%m-%dT%H:%M:%SZ'))
        assert reboot_candidates([m], min_hours_since_reboot=1)['candidates'] == []
        assert len(reboot_candidates([m], min_hours_since_reboot=0.01)['candidates']) == 1

    def test_now_without_zone_is_utc(self):
        m = machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T11:00:00Z')
        assert reboot_candidates([m], now='2026-11-23 12:00:00', min_hours_since_reboot=2)['candidates'] == []


class TestMaxMachines:
    def test_cap_takes_the_longest_unrebooted_first(self):
        machines = [
            machine('D\\NEW', FormattedLastDeregistrationTime='2026-11-22T00:00:00Z'),
            machine('D\\OLD', FormattedLastDeregistrationTime='2026-11-01T00:00:00Z'),
            machine('D\\NEVER', FormattedLastDeregistrationTime=None),
            machine('D\\MID', FormattedLastDeregistrationTime='2026-11-10T00:00:00Z'),
        ]
        result = reboot_candidates(machines, now=NOW, max_machines=2)
        assert names(result['candidates']) == ['D\\NEVER', 'D\\OLD']
        assert reasons(result) == {
            'D\\MID': 'over the limit of 2 machine(s) per run',
            'D\\NEW': 'over the limit of 2 machine(s) per run',
        }

    def test_zero_means_no_limit(self):
        machines = [machine('D\\M%d' % i) for i in range(50)]
        assert len(reboot_candidates(machines, now=NOW, max_machines=0)['candidates']) == 50

    def test_equal_times_sort_by_name(self):
        machines = [machine('D\\B'), machine('D\\a'), machine('D\\C')]
        assert names(reboot_candidates(machines, now=NOW)['candidates']) == ['D\\a', 'D\\B', 'D\\C']

    def test_string_numbers_are_accepted(self):
        machines = [machine('D\\M%d' % i) for i in range(5)]
        result = reboot_candidates(machines, now=NOW, max_machines='3', min_hours_since_reboot='12')
        assert len(result['candidates']) == 3


FENCE_TAG = 'citrix_cloud.daas-reboot-fence'


class TestFence:
    def test_own_fence_counts_as_not_in_maintenance(self):
        # The real API reports its enum value for maintenance mode set through the API; the tag marks the fence.
        m = machine('D\\A', InMaintenanceMode=True, MaintenanceModeReason='Administrator', Tags=[FENCE_TAG])
        result = reboot_candidates([m], now=NOW, fence_tag=FENCE_TAG)
        assert names(result['candidates']) == ['D\\A']

    def test_fence_tag_among_other_tags_and_in_another_case(self):
        m = machine('D\\A', InMaintenanceMode=True, Tags=['reboot-ok', FENCE_TAG.upper()])
        result = reboot_candidates([m], now=NOW, fence_tag=FENCE_TAG)
        assert names(result['candidates']) == ['D\\A']

    @pytest.mark.parametrize('tags', [[], None, ['reboot-ok'], ['citrix_cloud.daas-reboot-fence-old'], 'other'])
    def test_maintenance_without_the_tag_is_left_alone(self, tags):
        m = machine('D\\A', InMaintenanceMode=True, MaintenanceModeReason='Administrator', Tags=tags)
        result = reboot_candidates([m], now=NOW, fence_tag=FENCE_TAG)
        assert result['candidates'] == []
        assert reasons(result) == {'D\\A': 'in maintenance mode (reason: Administrator)'}

    def test_missing_tags_key_is_maintenance(self):
        m = machine('D\\A', InMaintenanceMode=True)
        del m['Tags']
        assert reboot_candidates([m], now=NOW, fence_tag=FENCE_TAG)['candidates'] == []

    def test_the_reason_no_longer_marks_the_fence(self):
        # A free-text MaintenanceModeReason equal to the tag is not the marker.
        m = machine('D\\A', InMaintenanceMode=True, MaintenanceModeReason=FENCE_TAG)
        assert reboot_candidates([m], now=NOW, fence_tag=FENCE_TAG)['candidates'] == []

    def test_fence_tag_without_fence_option_is_maintenance(self):
        m = machine('D\\A', InMaintenanceMode=True, Tags=[FENCE_TAG])
        assert reboot_candidates([m], now=NOW)['candidates'] == []
        assert reboot_candidates([m], now=NOW, fence_tag='')['candidates'] == []

    def test_tagged_machine_not_in_maintenance_is_a_candidate(self):
        # An interrupted lift: maintenance mode off, the tag still there.
        m = machine('D\\A', Tags=[FENCE_TAG])
        assert names(reboot_candidates([m], now=NOW, fence_tag=FENCE_TAG)['candidates']) == ['D\\A']

    def test_fence_tag_does_not_override_other_criteria(self):
        m = machine('D\\A', InMaintenanceMode=True, Tags=[FENCE_TAG], SessionCount=2)
        assert reasons(reboot_candidates([m], now=NOW, fence_tag=FENCE_TAG)) == {'D\\A': 'has 2 session(s)'}

    def test_fence_tag_counts_for_required_tags_only_when_required(self):
        m = machine('D\\A', InMaintenanceMode=True, Tags=[FENCE_TAG])
        result = reboot_candidates([m], now=NOW, fence_tag=FENCE_TAG, required_tags=['reboot-ok'])
        assert reasons(result) == {'D\\A': 'has none of the required tags (reboot-ok)'}

    def test_own_fence_by_id_without_the_tag(self):
        # A machine this run fenced counts as fenced even when the re-read does not show the tag.
        fenced = machine('D\\A', InMaintenanceMode=True, MaintenanceModeReason='Administrator')
        admin = machine('D\\B', InMaintenanceMode=True, MaintenanceModeReason='Administrator')
        result = reboot_candidates([fenced, admin], now=NOW, fence_tag=FENCE_TAG, fenced=['id-a'])
        assert names(result['candidates']) == ['D\\A']
        assert reasons(result) == {'D\\B': 'in maintenance mode (reason: Administrator)'}

    def test_fenced_does_not_override_sessions(self):
        m = machine('D\\A', InMaintenanceMode=True, SessionCount=1)
        result = reboot_candidates([m], now=NOW, fenced=['id-a'])
        assert reasons(result) == {'D\\A': 'has 1 session(s)'}

    def test_reason_prefix(self):
        m = machine('D\\A', SessionCount=1)
        result = reboot_candidates([m], now=NOW, reason_prefix='changed after it was chosen: ')
        assert reasons(result) == {'D\\A': 'changed after it was chosen: has 1 session(s)'}


def test_duplicates_are_taken_once():
    m = machine('D\\A')
    result = reboot_candidates([m, dict(m), machine('D\\B', SessionCount=1), machine('D\\B', SessionCount=1)], now=NOW)
    assert names(result['candidates']) == ['D\\A']
    assert len(result['skipped']) == 1


def test_candidates_are_copies():
    m = machine('D\\A')
    result = reboot_candidates([m], now=NOW)
    result['candidates'][0]['Name'] = 'changed'
    assert m['Name'] == 'D\\A'


def test_empty_and_none_input():
    empty = {'machines': 0, 'candidates': [], 'candidate_names': [], 'skipped': [], 'skipped_count': 0, 'reasons': {},
             'fences': []}
    assert reboot_candidates([], now=NOW) == empty
    assert reboot_candidates(None, now=NOW) == empty


@pytest.mark.parametrize('kwargs, message', [
    ({'now': 'yesterday'}, 'now must be an RFC 3339 time'),
    ({'min_hours_since_reboot': -1}, 'min_hours_since_reboot must not be negative'),
    ({'min_hours_since_reboot': 'soon'}, 'min_hours_since_reboot must be a number'),
    ({'max_machines': True}, 'max_machines must be a number'),
    ({'max_machines': -5}, 'max_machines must not be negative'),
    ({'exclude': 5}, 'exclude must be a list of strings'),
    ({'required_tags': {'a': 1}}, 'required_tags must be a list of strings'),
    ({'fence_tag': 5}, 'fence_tag must be a string'),
    ({'fence_tag': ['a']}, 'fence_tag must be a string'),
])
def test_bad_options(kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        reboot_candidates([machine('D\\A')], **kwargs)


@pytest.mark.parametrize('value', [{'Name': 'x'}, 'machines', 5])
def test_bad_input(value):
    with pytest.raises(AnsibleFilterError, match='the input must be a list of machines'):
        reboot_candidates(value, now=NOW)


def test_bad_machine():
    with pytest.raises(AnsibleFilterError, match='every machine must be a dictionary'):
        reboot_candidates(['D\\A'], now=NOW)


@pytest.mark.parametrize('text, expected', [
    ('2024-05-02T06:14:09Z', datetime.datetime(2024, 5, 2, 6, 14, 9, tzinfo=datetime.timezone.utc)),
    ('2024-05-02t06:14:09z', datetime.datetime(2024, 5, 2, 6, 14, 9, tzinfo=datetime.timezone.utc)),
    ('2024-05-02T06:14:09.5Z', datetime.datetime(2024, 5, 2, 6, 14, 9, 500000, tzinfo=datetime.timezone.utc)),
    ('2024-05-02T08:14:09+02:00', datetime.datetime(2024, 5, 2, 6, 14, 9, tzinfo=datetime.timezone.utc)),
    ('2024-05-02T01:14:09-0500', datetime.datetime(2024, 5, 2, 6, 14, 9, tzinfo=datetime.timezone.utc)),
    ('2024-05-02 06:14:09', datetime.datetime(2024, 5, 2, 6, 14, 9, tzinfo=datetime.timezone.utc)),
])
def test_parse_rfc3339(text, expected):
    assert parse_rfc3339(text) == expected


@pytest.mark.parametrize('text', ['', '   ', None, 5, '2024-13-02T06:14:09Z', '2024-05-02', '12/7/2020 7:25:34 AM'])
def test_parse_rfc3339_rejects(text):
    assert parse_rfc3339(text) is None


def test_through_a_playbook(tmp_path):
    """The filter as a playbook uses it: by its FQCN, through ansible's templating, in a separate process."""
    collections_root = os.path.abspath(os.path.join(os.path.dirname(filter_module.__file__), *(['..'] * 5)))
    variables = {'machines': [machine('DEMOLAB\\KESTREL'), machine('DEMOLAB\\OSPREY', SessionCount=2)]}
    (tmp_path / 'vars.json').write_text(json.dumps(variables))
    (tmp_path / 'play.yml').write_text(textwrap.dedent('''\
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: Choose
              ansible.builtin.copy:
                content: >-
                  {{ machines | citrix_cloud.daas.reboot_candidates(now='2026-11-23T12:00:00Z', exclude=['x*'])
                     | to_json }}
                dest: "{{ out }}"
                mode: "0644"
        '''))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root, ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1')
    proc = subprocess.run(
        [sys.executable, '-m', 'ansible', 'playbook', str(tmp_path / 'play.yml'), '-c', 'local',
         '-e', '@' + str(tmp_path / 'vars.json'), '-e', 'out=' + str(tmp_path / 'out.json')],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout
    result = json.loads((tmp_path / 'out.json').read_text())
    assert [m['Name'] for m in result['candidates']] == ['DEMOLAB\\KESTREL']
    assert result['skipped'] == [{'Name': 'DEMOLAB\\OSPREY', 'Id': 'id-osprey', 'reason': 'has 2 session(s)'}]


def test_the_machines_carrying_the_fence_tag_are_listed_as_fences():
    machines = [machine('D\\M1', InMaintenanceMode=True, Tags=['Reboot-Fence']),
                machine('D\\M2', Tags=['reboot-fence'], SessionCount=2),
                machine('D\\M3', InMaintenanceMode=True)]
    result = reboot_candidates(machines, now=NOW, fence_tag='REBOOT-FENCE')
    assert [m['Name'] for m in result['fences']] == ['D\\M1', 'D\\M2']
    assert [m['Name'] for m in result['candidates']] == ['D\\M1']


def test_in_drain_mode_machines_with_sessions_are_candidates_but_an_unknown_count_is_not():
    busy, unknown = machine('D\\BUSY', SessionCount=2), machine('D\\UNKNOWN', SessionCount=None)
    assert reasons(reboot_candidates([busy], now=NOW)) == {'D\\BUSY': 'has 2 session(s)'}
    result = reboot_candidates([busy, unknown], now=NOW, drain=True)
    assert names(result['candidates']) == ['D\\BUSY'] and reasons(result) == {'D\\UNKNOWN': 'session count unknown'}
