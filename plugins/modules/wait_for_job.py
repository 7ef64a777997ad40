#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait for a Citrix DaaS job or an Illumio PCE async job to end."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: wait_for_job
version_added: 0.1.0
short_description: Wait for a Citrix DaaS job or an Illumio PCE async job to end
description:
  - Polls a Citrix DaaS job (C(GET /cvad/manage/Jobs/{id})) until it reaches a terminal status, then returns it with
    the progress seen on the way.
  - V(Complete) succeeds. V(CompleteWithWarning) succeeds and shows the job's warning (or fails with
    O(warnings_as_errors=true)). V(Failed), V(Canceled) and V(NonTerminatingError) fail with the job's C(ErrorString),
    C(ErrorCode) and C(ErrorParameters).
  - Polls every O(poll_interval) seconds, backing off to O(max_poll_interval), or as a C(Retry-After) header asks.
    Transient errors while polling (429, 502, 503, 504, connection errors) are retried, and an expired token is
    replaced by signing in again, so a long wait survives both.
  - With O(api=illumio_pce), waits the same way for an Illumio PCE asynchronous job (created by a request with the
    header C(Prefer) set to C(respond-async)). Statuses are compared without regard to case; V(done) and V(completed) succeed,
    V(failed) fails with the job's message. This needs none of the Citrix options.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
options:
  job:
    description:
      - With O(api=citrix), the job ID or the job URL from the C(Location) header of an asynchronous request.
      - With O(api=illumio_pce), the C(Location) of the C(202 Accepted) answer, absolute (V(https://pce:8443/api/v2/orgs/1/jobs/...))
        or relative to C(/api/v2) (V(/orgs/1/jobs/...)).
      - M(ansible.builtin.uri) turns a relative C(Location) into V(https://pce:8443/orgs/1/jobs/...), dropping C(/api/v2);
        an absolute URL whose path starts with C(/orgs/) is therefore also taken as relative to C(/api/v2).
      - In check mode, an empty value (V(null) or V("")), such as the RV(citrix_cloud.daas.machine_power#module:results[].job_id)
        of an action that check mode did not start, skips the task with RV(skipped_reason) instead of failing. Outside
        check mode an empty value fails the task.
    type: str
    required: true
  wait_timeout:
    description:
      - Seconds to wait for the job before failing; 0 or more.
      - O(timeout) remains the limit for each HTTP response while polling.
    type: int
    default: 600
  poll_interval:
    description:
      - Seconds between the first polls; the interval then grows up to O(max_poll_interval). Must be above 0.
    type: float
    default: 2
  max_poll_interval:
    description:
      - The longest interval between two polls, in seconds.
    type: float
    default: 30
  cancel_on_timeout:
    description:
      - Cancel the Citrix job (C(POST /Jobs/{id}/$cancel)) before failing when it outlives O(wait_timeout).
      - Not done in check mode.
    type: bool
    default: false
  warnings_as_errors:
    description:
      - Fail when a Citrix job ends with V(CompleteWithWarning).
    type: bool
    default: false
  fetch_results:
    description:
      - Also return the job's results once it succeeded.
      - For a Citrix job, the body of C(GET /Jobs/{id}/Results); for a PCE job, the data file behind C(result.href).
    type: bool
    default: false
  api:
    description:
      - Which API the job belongs to.
    type: str
    choices: [citrix, illumio_pce]
    default: citrix
  pce_hostname:
    description:
      - The PCE host, as a bare host name (V(pce.example.com)), a host name and port (V(pce.example.com:8443)) or a URL
        with scheme and optional port (V(https://pce.example.com:8443)). Required with O(api=illumio_pce).
      - If not set, the value of the E(ILLUMIO_PCE_HOST) environment variable is used.
    type: str
  pce_port:
    description:
      - The PCE port, used when O(pce_hostname) does not name one.
      - If not set, the value of the E(ILLUMIO_PCE_PORT) environment variable is used.
    type: int
    default: 443
  api_key_username:
    description:
      - The PCE API key ID (HTTP basic authentication user). Required with O(api=illumio_pce).
      - If not set, the value of the E(ILLUMIO_API_KEY_USERNAME) environment variable is used.
    type: str
  api_key_secret:
    description:
      - The PCE API key secret. Required with O(api=illumio_pce). It is never logged or returned.
      - If not set, the value of the E(ILLUMIO_API_KEY_SECRET) environment variable is used.
    type: str
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.READ_ONLY
attributes:
  check_mode:
    details: The module only reads, so check mode waits the same way; it does not cancel a job that outlives O(wait_timeout).
      A job that was never started (an empty O(job), as a module in check mode returns it) is skipped, not waited for.
notes:
  - The module never changes anything except, with O(cancel_on_timeout=true), the job it cancels; it reports C(changed=false).
  - With O(api=illumio_pce), O(customer_id), O(client_id), O(client_secret) and the other Citrix options are not needed;
    O(validate_certs), O(ca_path), O(timeout) and O(retries) apply to the PCE requests too.
  - The warning of a V(CompleteWithWarning) job, and any status the module does not know (it keeps waiting), are shown as task warnings.
seealso:
  - name: Citrix DaaS REST API, how to get status of an asynchronous job
    description: How Citrix jobs are created and polled.
    link: https://developer-docs.citrix.com/en-us/citrix-daas-service-apis/citrix-daas-rest-apis/how-to-get-status-of-an-asynchronous-job
  - name: Illumio REST API, async job operations
    description: How PCE asynchronous jobs are created and polled.
    link: https://docs.illumio.com/core/24.2/Content/Guides/rest-api/async-get-collections/async-job-operations.htm
'''

EXAMPLES = r'''
- name: Wait for a job started elsewhere, cancelling it after 15 minutes
  citrix_cloud.daas.wait_for_job:
    job: "{{ power.results[0].job_id }}"
    wait_timeout: 900
    cancel_on_timeout: true

- name: Restart machines without waiting for them
  citrix_cloud.daas.machine_power:
    machines: [DEMOLAB\KESTREL, DEMOLAB\OSPREY]
    state: restarted
    wait: false
  register: restart

- name: Wait for each restart's job and fetch its results (skipped in check mode, which starts no job)
  citrix_cloud.daas.wait_for_job:
    job: "{{ item.job_id }}"
    fetch_results: true
  loop: "{{ restart.results | selectattr('status', 'equalto', 'pending') | list }}"
  loop_control:
    label: "{{ item.name }}"
  register: restart_jobs

- name: Wait for an Illumio PCE async job and fetch the labels it collected
  citrix_cloud.daas.wait_for_job:
    api: illumio_pce
    job: "{{ labels_request.location }}"
    pce_hostname: pce.example.com
    pce_port: 8443
    api_key_username: "{{ pce_api_key }}"
    api_key_secret: "{{ pce_api_secret }}"
    fetch_results: true
  register: labels_job
'''

RETURN = r'''
job:
  description:
    - The job's last body as the API returned it (a Citrix C(JobResponseModel), or the PCE job).
    - V(null) when check mode skipped an empty O(job).
  returned: always
  type: dict
  sample:
    Id: 81c05d9f-3d8a-4b1c-9a52-6e0f7c3b2a10
    Type: RebootMachines
    Status: Complete
    OverallProgressPercent: 100
    IsCancellable: false
    Parameters: [{Name: Id, Value: 9f6c2a1e-3b7d-4e8a-a1c4-5d2e8f9b0c17}]
    ErrorString: null
    ErrorCode: null
    ErrorParameters: []
status:
  description:
    - The job's final status (C(Status) of a Citrix job, C(status) of a PCE job).
    - V(null) when check mode skipped an empty O(job).
  returned: always
  type: str
  sample: Complete
skipped_reason:
  description: Why nothing was waited for.
  returned: when check mode skipped an empty O(job)
  type: str
  sample: "No job to wait for: none was started (check mode)"
history:
  description: Each change of status or progress seen while polling.
  returned: always
  type: list
  elements: dict
  contains:
    status:
      description: The job's status at that poll.
      type: str
      sample: InProgress
    progress:
      description: C(OverallProgressPercent) of a Citrix job; V(null) for a PCE job, which reports no progress.
      type: int
      sample: 10
    time:
      description: Seconds since the wait began, to a tenth of a second.
      type: float
      sample: 2.0
  sample:
    - {status: InProgress, progress: 10, time: 0.0}
    - {status: Complete, progress: 100, time: 18.4}
job_results:
  description:
    - The job's results (C(GET /Jobs/{id}/Results)), or for a PCE job the content of its data file.
    - Named C(job_results) because Ansible reserves a C(results) key that is not a list.
  returned: when O(fetch_results=true) and the job succeeded
  type: raw
  sample: {Items: []}
'''

from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule
from ansible_collections.citrix_cloud.daas.plugins.module_utils._pce import PCEClient
from ansible_collections.citrix_cloud.daas.plugins.module_utils._jobs import (
    JobError,
    Waiter,
    wait_for_citrix_job,
    wait_for_pce_job,
)


def pce_base_url(hostname, port):
    """Return scheme://host:port for a bare host name, host:port, or a URL with scheme and optional port.

    Raises ValueError with a one-line message when the port in pce_hostname is not a number.
    """
    hostname = hostname.strip()
    parts = urlsplit(hostname if '://' in hostname else 'https://' + hostname.strip('/'))
    try:
        named_port = parts.port
    except ValueError:
        raise ValueError("pce_hostname %r has an invalid port: use pce.example.com, pce.example.com:8443 or "
                         "https://pce.example.com:8443" % hostname)
    netloc = parts.netloc if named_port else '%s:%d' % (parts.netloc, port)
    return '%s://%s' % (parts.scheme, netloc)


def check_durations(daas):
    """Refuse waits and intervals that cannot work, before any request."""
    params = daas.params
    if params['wait_timeout'] < 0:
        daas.fail('wait_timeout must be 0 or more, got %s' % params['wait_timeout'])
    for name in ('poll_interval', 'max_poll_interval'):
        if params[name] <= 0:
            daas.fail('%s must be above 0, got %s' % (name, params[name]))


def new_waiter(params):
    """The wait the options ask for."""
    return Waiter(params['wait_timeout'], params['poll_interval'], params['max_poll_interval'])


def show_warnings(daas, outcome):
    """Show the waiter's warnings (a job completed with a warning, an unexpected status) as task warnings."""
    for warning in outcome.get('warnings') or []:
        daas.module.warn(warning)


def wait_citrix(daas):
    """Wait for a Citrix job; fetch its results when asked."""
    params = daas.params
    outcome = wait_for_citrix_job(
        daas.client, params['job'], new_waiter(params), cancel_on_timeout=params['cancel_on_timeout'] and not daas.check_mode,
        warnings_as_errors=params['warnings_as_errors'])
    job = outcome['job']
    result = dict(job=job, status=job.get('Status'), history=outcome['history'])
    show_warnings(daas, outcome)
    if params['fetch_results']:
        result['job_results'] = daas.client.job_results(params['job'])
    return result


def wait_pce(daas):
    """Wait for an Illumio PCE async job; fetch its data file when asked."""
    params = daas.params
    try:
        base_url = pce_base_url(params['pce_hostname'], params['pce_port'])
    except ValueError as err:
        daas.fail(str(err))
    pce = PCEClient(
        base_url, params['api_key_username'], params['api_key_secret'], validate_certs=params['validate_certs'],
        ca_path=params['ca_path'], timeout=params['timeout'], retries=params['retries'])
    outcome = wait_for_pce_job(pce, params['job'], new_waiter(params), fetch_results=params['fetch_results'])
    job = outcome['job']
    result = dict(job=job, status=job.get('status'), history=outcome['history'])
    show_warnings(daas, outcome)
    if params['fetch_results']:
        result['job_results'] = outcome.get('result')
    return result


def execute(daas):
    """Wait; a failed or timed-out job fails the task with the job's last body and history."""
    check_durations(daas)
    if not (daas.params['job'] or '').strip():
        if daas.check_mode:
            # The task that would start the job ran in check mode too, and started none.
            return dict(changed=False, skipped=True, skipped_reason='No job to wait for: none was started (check mode)',
                        job=None, status=None, history=[])
        daas.fail('job is empty: give the job ID (results[].job_id of machine_power, for example) or the job URL '
                  'from the Location header')
    try:
        result = wait_pce(daas) if daas.params['api'] == 'illumio_pce' else wait_citrix(daas)
    except JobError as err:
        job = err.job or {}
        daas.fail_from_error(err, changed=False, job=job, job_id=err.job_id, status=job.get('Status', job.get('status')),
                             history=err.history)
    result['changed'] = False
    return result


def main():
    daas = DaaSModule(
        argument_spec=dict(
            job=dict(type='str', required=True),
            wait_timeout=dict(type='int', default=600),
            poll_interval=dict(type='float', default=2),
            max_poll_interval=dict(type='float', default=30),
            cancel_on_timeout=dict(type='bool', default=False),
            warnings_as_errors=dict(type='bool', default=False),
            fetch_results=dict(type='bool', default=False),
            api=dict(type='str', choices=['citrix', 'illumio_pce'], default='citrix'),
            pce_hostname=dict(type='str', fallback=(env_fallback, ['ILLUMIO_PCE_HOST'])),
            pce_port=dict(type='int', default=443, fallback=(env_fallback, ['ILLUMIO_PCE_PORT'])),
            api_key_username=dict(type='str', no_log=False, fallback=(env_fallback, ['ILLUMIO_API_KEY_USERNAME'])),
            api_key_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['ILLUMIO_API_KEY_SECRET'])),
        ),
        required_if=[('api', 'illumio_pce', ('pce_hostname', 'api_key_username', 'api_key_secret'))],
        supports_check_mode=True,
    )
    daas.run(execute)


if __name__ == '__main__':
    main()
