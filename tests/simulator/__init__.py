"""A stateful simulator of the Citrix DaaS REST API, Citrix Cloud platform APIs and Illumio PCE async jobs.

Run ``python3 -m tests.simulator --port 0 --scenario integration`` from the
repository root; see README.md.
"""
