#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send a Citrix Cloud administrator notification."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: notification
version_added: 0.1.0
short_description: Send a Citrix Cloud administrator notification
description:
  - Sends a notification that Citrix Cloud administrators see under the bell icon of the console, and by e-mail
    unless they opted out.
  - Each run sends a new notification with a new C(eventId) and the current time as C(createdDate), so the module
    always reports a change.
  - Notifications are a Citrix Cloud service. With O(deployment=on_premises) the module fails, also in check mode,
    and sends nothing.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
options:
  title:
    description:
      - The title of the notification.
    type: str
    required: true
  description:
    description:
      - The text of the notification.
    type: str
    required: true
  severity:
    description:
      - How severe the event is.
    type: str
    choices: [Information, Warning, Critical]
    default: Information
  priority:
    description:
      - The priority of the notification.
    type: str
    choices: [Normal, High]
    default: Normal
  destination_admin:
    description:
      - The administrators to notify, by e-mail address or user ID; V(*) notifies every administrator of the customer.
    type: str
    default: '*'
  component:
    description:
      - The component the notification is shown as coming from.
    type: str
    default: Citrix Cloud
  language_tag:
    description:
      - The language of O(title) and O(description), as an IETF language tag.
    type: str
    default: en-US
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.ACTIONS
attributes:
  check_mode:
    details: Check mode sends nothing and returns the notification that would be sent.
  diff_mode:
    support: none
notes:
  - The notification is sent to the C(notifications/) endpoint of the API host (O(api_url)); it does not need a
    DaaS site, so O(site_id) is not used.
seealso:
  - name: Send notifications to administrators in Citrix Cloud
    description: The Citrix Cloud notifications API.
    link: https://developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-notifications/send-notifications-to-administrators-in-citrix-cloud
'''

EXAMPLES = r'''
- name: Tell every administrator that a maintenance window starts
  citrix_cloud.daas.notification:
    customer_id: "{{ citrix_customer_id }}"
    client_id: "{{ citrix_client_id }}"
    client_secret: "{{ citrix_client_secret }}"
    title: Maintenance window
    description: Idle machines of catalog W11-Pooled are rebooted between 22:00 and 23:00.

- name: Report a failed reboot run as a high-priority warning
  citrix_cloud.daas.notification:
    title: Reboot run incomplete
    description: "{{ reboot_result.msg }}"
    severity: Warning
    priority: High
'''

RETURN = r'''
notification:
  description:
    - The notification as the API echoes it back.
    - In check mode, the notification that would have been sent.
  returned: always
  type: dict
  sample:
    destinationAdmin: '*'
    component: Citrix Cloud
    createdDate: '2026-11-23T17:09:00Z'
    eventId: 392768a6-c531-474d-aba9-bcc550a5e1ac
    severity: Information
    priority: Normal
    categories: null
    content:
      - languageTag: en-US
        title: Maintenance window
        description: Idle machines of catalog W11-Pooled are rebooted between 22:00 and 23:00.
        detailUri: null
    data: null
    externalId: null
    suppressEmail: false
'''

import uuid
from datetime import datetime, timezone

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule


def notification_body(params, now=None):
    """The notification request body of the walkthrough: a new eventId and createdDate in RFC 3339 (UTC)."""
    now = now or datetime.now(timezone.utc)
    return {
        'destinationAdmin': params['destination_admin'],
        'component': params['component'],
        'createdDate': now.strftime('%Y-%m-%dT%H:%M:%SZ'),
        'eventId': str(uuid.uuid4()),
        'severity': params['severity'],
        'priority': params['priority'],
        'content': [{
            'languageTag': params['language_tag'],
            'title': params['title'],
            'description': params['description'],
        }],
    }


def execute(daas):
    """Send the notification (not in check mode)."""
    body = notification_body(daas.params)
    daas.client.require_cloud('Notifications')
    if daas.check_mode:
        return dict(changed=True, notification=body)
    return dict(changed=True, notification=daas.client.send_notification(body) or body)


def main():
    daas = DaaSModule(
        argument_spec=dict(
            title=dict(type='str', required=True),
            description=dict(type='str', required=True),
            severity=dict(type='str', choices=['Information', 'Warning', 'Critical'], default='Information'),
            priority=dict(type='str', choices=['Normal', 'High'], default='Normal'),
            destination_admin=dict(type='str', default='*'),
            component=dict(type='str', default='Citrix Cloud'),
            language_tag=dict(type='str', default='en-US'),
        ),
        supports_check_mode=True,
    )
    daas.run(execute)


if __name__ == '__main__':
    main()
