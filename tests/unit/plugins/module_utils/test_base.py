# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule, fail_if_any_machine_failed
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id="democustomer", client_id="id", client_secret="sim-secret", site_id="s", api_url="http://sim.test")


def run(execute):
    return run_module(lambda: DaaSModule(supports_check_mode=True).run(execute), ARGS)


def test_unexpected_exception_is_a_one_line_failure_without_secrets():
    def execute(daas):
        daas.client._token = "tok-SIGNED-IN"
        daas.client._known_tokens += ("tok-SIGNED-IN",)
        raise KeyError("Id\nseen with tok-SIGNED-IN")

    result = run(execute)
    assert result["failed"] is True
    assert result["msg"].startswith("Unexpected error: KeyError: ")
    assert "\n" not in result["msg"]
    assert "tok-SIGNED-IN" not in result["msg"] and "tok-SIGNED-IN" not in result["exception"]
    assert "Traceback" in result["exception"]


def test_api_error_is_a_one_line_failure_with_its_fields(requests_mock):
    requests_mock.get("http://sim.test/cvad/manage/Machines/m1", status_code=404, json={"ErrorMessage": "Object not found"},
                      headers={"citrix-transactionid": "tx-4"})
    requests_mock.post("http://sim.test/cctrustoauth2/democustomer/tokens/clients",
                       json={"access_token": "tok", "expires_in": "3600"})
    requests_mock.get("http://sim.test/cvad/manage/me", json={"Customers": [{"Id": "democustomer", "Sites": [{"Id": "s"}]}]})
    result = run_module(lambda: DaaSModule().run(lambda daas: daas.client.get_machine("m1")),
                        dict(ARGS, auth_url="http://sim.test"))
    assert result["failed"] is True
    assert result["msg"].startswith("machine 'm1' was not found: HTTP 404 on GET")
    assert result["error"]["status"] == 404 and result["error"]["transaction_id"] == "tx-4" and result["error"]["api_message"] == "Object not found"


def test_a_missing_ca_path_is_one_line_without_a_traceback():
    result = run_module(lambda: DaaSModule().run(lambda daas: daas.client.get("/me")),
                        dict(ARGS, ca_path="/nonexistent/ca.pem"))
    assert result["failed"] is True
    assert result["msg"].startswith("ca_path /nonexistent/ca.pem does not exist")
    assert "\n" not in result["msg"] and "exception" not in result


def test_negative_retries_are_refused():
    result = run_module(lambda: DaaSModule().run(lambda daas: daas.client.get("/me")), dict(ARGS, retries=-1))
    assert result["failed"] is True and result["msg"] == "retries must be 0 or more, got -1"


def test_a_failure_line_names_the_first_machines_and_counts_the_rest():
    results = [dict(name="DEMOLAB\\M%03d" % number, status="failed", reason="machine was not found")
               for number in range(600)]

    def execute(daas):
        fail_if_any_machine_failed(daas, results, "power action failed", dict(results=results))
    result = run(execute)
    assert result["msg"] == ("power action failed for 600 of 600 machines: " + "; ".join(
        "DEMOLAB\\M%03d: machine was not found" % number for number in range(5)) + "; and 595 more (see results)")
    assert len(result["results"]) == 600
