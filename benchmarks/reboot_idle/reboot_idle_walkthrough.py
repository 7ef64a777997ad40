# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Citrix Cloud API walkthrough's reboot_idle.py, re-implemented for the benchmark.

Same logic as the published script: sign in, list the machines of the catalog with one GET, then for each
machine with SessionCount 0 POST $reboot, one at a time, printing success or failure. Two changes, both needed
to run it against today's API (and the simulator): the base URL is a parameter, and the DaaS requests use
/cvad/manage with the Citrix-InstanceId header instead of the retired /cvadapis/{siteId} path.
With --all-pages it also follows ContinuationToken; the published script reads only the first page.

The following environment variables MUST be set before running this script:
CLIENT_ID: the API client id
CLIENT_SECRET: the API client secret
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import os
import uuid

import requests

parser = argparse.ArgumentParser()
parser.add_argument("-u", "--customerId", required=True, help="Customer ID")
parser.add_argument("-s", "--siteId", type=uuid.UUID, required=True, help="Site ID")
parser.add_argument("-a", "--catalogId", type=uuid.UUID, required=True, help="Catalog ID")
parser.add_argument("--base-url", default="https://api.cloud.com", help="API base URL")
parser.add_argument("--all-pages", action="store_true", help="follow ContinuationToken (the published script does not)")
args = parser.parse_args()

TOKEN_URL = "%s/cctrustoauth2/root/tokens/clients" % args.base_url
API_URL = "%s/cvad/manage" % args.base_url

# Obtain bearer token from authorization server
response = requests.post(TOKEN_URL, data={
    "grant_type": "client_credentials",
    "client_id": os.environ["CLIENT_ID"],
    "client_secret": os.environ["CLIENT_SECRET"],
})
response.raise_for_status()
token = response.json()

# Create a session object with the relevant HTTP headers
session = requests.Session()
session.headers.update({
    "Authorization": "CwsAuth Bearer=%s" % token["access_token"],
    "Citrix-CustomerId": args.customerId,
    "Citrix-InstanceId": str(args.siteId),
    "Accept": "application/json",
})

# Get a list of machines in the specified catalog
machines = {"Items": []}
params = {}
while True:
    response = session.get("%s/MachineCatalogs/%s/Machines" % (API_URL, args.catalogId), params=params)
    response.raise_for_status()
    page = response.json()
    machines["Items"].extend(page.get("Items") or [])
    if not args.all_pages or not page.get("ContinuationToken"):
        break
    params = {"continuationToken": page["ContinuationToken"]}
print("%d machines listed" % len(machines["Items"]))

# Loop through the returned machines
for machine in machines["Items"]:
    # Are there any sessions on the machine?
    if machine["SessionCount"] == 0:
        # Try to reboot the machine!
        print("Requesting reboot for %s... " % machine["Name"], end="", flush=True)
        try:
            response = session.post("%s/Machines/%s/$reboot" % (API_URL, machine["Id"]))
            response.raise_for_status()
        except requests.exceptions.HTTPError:
            # Catch HTTP errors from the API (400, 500 etc)
            error = response.json()
            print("failure: %s" % error.get("ErrorMessage"))
        except Exception as e:  # pylint: disable=broad-except
            # Catch anything else
            print("failure: %r" % e)
        else:
            print("success")
    else:
        print("%s sessions on %s - skipping" % (machine["SessionCount"], machine["Name"]))
