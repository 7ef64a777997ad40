# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reboot_idle_machines role's own logic, behind its filters: input lists, the run's summary and its texts."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections.abc import Mapping

from ansible_collections.citrix_cloud.daas.plugins.module_utils._texts import studio_name


def first_of(names, limit, more=' ... and %d more', total=None):
    """`names` joined by commas, at most `limit` of them (0: none), then how many more there are (of `total`, when
    the names are only the first ones)."""
    names = list(names)
    shown = names[:limit]
    text = ', '.join(shown)
    rest = (len(names) if total is None else total) - len(shown)
    if rest > 0:
        text += more % rest
    return text.strip()


def _candidate_entries(selection, limit):
    """The first `limit` candidates of the selection (all when None) as entries of the summary: the filter's
    candidates are machines; machine_info's are Ids, named by its `candidate_names` (an Id beyond them stands for its
    name)."""
    names = selection.get('candidate_names') or []
    entries = []
    for index, candidate in enumerate(_bounded(selection.get('candidates') or [], limit)):
        if isinstance(candidate, Mapping):
            entries.append(_entry(candidate))
        else:
            entries.append({'name': names[index] if index < len(names) else candidate, 'id': candidate})
    return entries


def _entry(machine, **more):
    """A machine of the summary, named as the summary spells it (name, id), from an entry of either spelling."""
    entry = {'name': machine.get('Name', machine.get('name')), 'id': machine.get('Id', machine.get('id'))}
    entry.update(more)
    return entry


def _bounded(entries, limit):
    return list(entries) if limit is None else list(entries)[:limit]


def build_summary(selection, reboots=None, errors=None, stopped_by=None, catalogs=None, machine_count=None,
                  check_mode=False, started_at=None, finished_at=None, fence_tag=None, delivery_groups=None,
                  reboot_counts=None, list_limit=None):
    """The summary of a run of the role, from the candidates' selection and the per-machine results of the reboot.

    `reboot_counts` is the reboot's `summary` (counts by status) when its `results` are bounded; without it the
    results are every machine's, and a candidate that no result accounts for was not reached (the run stopped
    early): it counts as failed. In check mode without results, the candidates are what would be rebooted. Each list
    holds at most `list_limit` machines (all when None); `counts` counts them all.
    """
    errors = list(errors or []) + ([stopped_by] if stopped_by else [])
    reboots = list(reboots or [])
    candidates = selection.get('candidates') or []
    check_mode = bool(check_mode) or any(r.get('predicted') for r in reboots)
    done, skipped, failed = [], [_entry(m, reason=m.get('reason')) for m in selection.get('skipped') or []], []
    for result in reboots:
        if result['status'] == 'done':
            done.append(dict(name=result['name'], id=result['id'], job_id=result.get('job_id'),
                             power_state_after=result.get('power_state_after'), note=result.get('reason')))
        elif result['status'] == 'skipped':
            skipped.append(dict(name=result['name'], id=result['id'], reason=result['reason']))
        else:
            failed.append(dict(name=result['name'], id=result['id'], error=result.get('reason')))
    counts = dict(done=len(done), skipped=len(skipped), failed=len(failed))
    if reboot_counts:
        counts.update((status, int(reboot_counts.get(status) or 0)) for status in ('done', 'skipped', 'failed'))
        counts['skipped'] += int(selection.get('skipped_count', len(selection.get('skipped') or [])))
    elif check_mode and not reboots:
        done = [dict(entry, job_id=None, power_state_after='On', note=None)
                for entry in _candidate_entries(selection, list_limit)]
        counts['done'] = len(candidates)
    else:
        accounted = set(str(key).lower() for entry in done + skipped + failed for key in (entry['id'], entry['name'])
                        if key)
        stopped = 'not rebooted: the run stopped early (%s)' % (errors[-1] if errors else 'unknown error')
        failed += [dict(entry, error=stopped) for entry in _candidate_entries(selection, None)
                   if not accounted.intersection(str(key).lower() for key in (entry['id'], entry['name']) if key)]
        counts['failed'] = len(failed)
        counts['skipped'] += int(selection.get('skipped_count', len(selection.get('skipped') or []))) \
            - len(selection.get('skipped') or [])
    fence_ids = set(fence.get('Id', fence.get('id')) for fence in selection.get('fences') or [])
    lifted = [r['name'] for r in reboots if r['id'] in fence_ids and r.get('lifted')]
    if check_mode and not reboots:
        lifted = [fence.get('Name', fence.get('name')) for fence in selection.get('fences') or []]
    machines = selection.get('machines') if machine_count is None else machine_count
    return {
        # A check-mode prediction tells also when only the task's check_mode was set.
        'check_mode': check_mode,
        'catalogs': [studio_name(catalog) for catalog in catalogs or []],
        'delivery_groups': list(delivery_groups or []),
        'started_at': started_at,
        'finished_at': finished_at,
        'fence_tag': fence_tag,
        'rebooted': [] if check_mode else _bounded(done, list_limit),
        'would_reboot': _bounded(done, list_limit) if check_mode else [],
        'skipped': _bounded(skipped, list_limit),
        'skipped_reasons': dict(selection.get('reasons') or {}),
        'failed': _bounded(failed, list_limit),
        'stale_fences_lifted': _bounded(lifted, list_limit),
        'errors': errors,
        'counts': {
            'machines': int(machines or 0),
            'candidates': len(candidates),
            'rebooted': 0 if check_mode else counts['done'],
            'would_reboot': counts['done'] if check_mode else 0,
            'skipped': counts['skipped'],
            'failed': counts['failed'],
            'stale_fences_lifted': len(lifted),
        },
    }


def _unique(names):
    return list(dict.fromkeys(names))


def scope_text(summary, separator=' '):
    """The catalogs and delivery groups of a summary, as one text ("Catalogs A, B; delivery groups C")."""
    parts = []
    if summary.get('catalogs'):
        parts.append('Catalogs%s%s' % (separator, ', '.join(summary['catalogs'])))
    if summary.get('delivery_groups'):
        parts.append('%s%s%s' % ('delivery groups' if parts else 'Delivery groups', separator,
                                 ', '.join(summary['delivery_groups'])))
    return '; '.join(parts) or 'No catalog or delivery group'


def report(summary, limit):
    """The texts of a summary: the lines to show, a notification's title, description and severity, and the
    message to fail with (None when nothing failed), each naming at most `limit` machines per list."""
    check_mode = summary['check_mode']
    counts = summary['counts']
    reboots = counts.get('would_reboot', 0) if check_mode else counts['rebooted']
    rebooted_names = [entry['name'] for entry in summary.get('would_reboot' if check_mode else 'rebooted') or []]
    failed_names = _unique(entry['name'] for entry in summary['failed'])
    lines = [
        '%s%s: %d machines, %d idle candidates.' % (
            'CHECK MODE, nothing was changed. ' if check_mode else '', scope_text(summary), counts['machines'],
            counts['candidates']),
        '%s (%d): %s' % ('Would reboot' if check_mode else 'Rebooted', reboots,
                         first_of(rebooted_names, limit, total=reboots) or 'none'),
    ]
    for title, entries, key, count in (('Skipped', summary['skipped'], 'reason', counts['skipped']),
                                       ('Failed', summary['failed'], 'error', counts['failed'])):
        lines.append('%s (%d)%s' % (title, count, ':' if count else ''))
        lines += ['  %s: %s' % (entry['name'], entry[key]) for entry in entries[:limit]]
        if count > min(limit, len(entries)):
            lines.append('  ... and %d more' % (count - min(limit, len(entries))))
    if summary['stale_fences_lifted']:
        lines.append('Drain fences of an interrupted run %s: %s' % (
            'to lift' if check_mode else 'lifted',
            first_of(summary['stale_fences_lifted'], limit, total=counts['stale_fences_lifted'])))
    lines += ['Error: %s' % error for error in summary['errors']]

    description = '%s. %s%s.' % (scope_text(summary, ': '), 'To reboot: ' if check_mode else 'Rebooted: ',
                                 first_of(rebooted_names, limit, total=reboots) or 'none')
    if failed_names:
        description += ' Failed: %s.' % first_of(failed_names, limit, total=counts['failed'])
    if summary['errors']:
        description += ' Errors: %s.' % '; '.join(summary['errors'])

    failure = None
    if counts['failed'] or summary['errors']:
        failure = 'reboot_idle_machines: %d machine(s) failed' % counts['failed']
        if summary['errors']:
            failure += ' and the run stopped early: %s' % '; '.join(summary['errors'])
        failure += '; see reboot_idle_machines_summary'
        if failed_names:
            failure += ': ' + first_of(failed_names, limit, total=counts['failed'])
    return {
        'lines': lines,
        'title': 'Reboot of idle machines%s: %d %s, %d skipped, %d failed' % (
            ' (check mode)' if check_mode else '', reboots, 'to reboot' if check_mode else 'rebooted',
            counts['skipped'], counts['failed']),
        'description': description,
        'severity': 'Warning' if counts['failed'] or summary['errors'] else 'Information',
        'failure': failure,
    }
