# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of DaaSClient's delivery group calls: many reads in $batch GETs, the requests of the writes."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import BatchRequest
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.module_utils.test_client import (  # noqa: F401 pylint: disable=unused-import
    MANAGE,
    fake_time,
    make_client,
    signed_in,
)


def answer_items(bodies):
    """A $batch answer: the item whose RelativeUrl is a key of ``bodies`` gets (code, body)."""
    def answer(request, context):
        return {"Items": [{"Reference": item["Reference"], "Code": bodies[item["RelativeUrl"]][0], "Headers": [],
                           "Body": json.dumps(bodies[item["RelativeUrl"]][1])} for item in request.json()["Items"]]}
    return answer


def test_read_many_reads_every_collection_in_one_batch_of_long_pages_and_follows_a_longer_one(requests_mock, make_client, signed_in):
    bodies = {"/DeliveryGroups/A/Tags": (200, {"Items": [{"Name": "n"}], "ContinuationToken": None}),
              "/DeliveryGroups/B%7CC/RebootSchedules?limit=1000": (404, {"ErrorMessage": "Delivery group 'B|C' was not found."}),
              "/DeliveryGroups/D/RebootSchedules?limit=1000": (200, {"Items": [{"Name": "1"}], "ContinuationToken": "t"})}
    route = requests_mock.post(MANAGE + "/$batch", json=answer_items(bodies))
    more = requests_mock.get(MANAGE + "/DeliveryGroups/D/RebootSchedules", json={"Items": [{"Name": "2"}]})
    client = make_client()
    paths = [client.delivery_group_path("A", "Tags")] + [
        client.delivery_group_path(group, "RebootSchedules") for group in ("B\\C", "D")]
    read = client.read_many(paths)
    assert route.call_count == 1
    assert [item["Method"] for item in route.last_request.json()["Items"]] == ["GET"] * 3
    assert read[paths[0]] == [{"Name": "n"}]
    assert isinstance(read[paths[1]], DaaSError) and read[paths[1]].status == 404
    assert "Delivery group 'B|C' was not found." in str(read[paths[1]])
    assert read[paths[2]] == [{"Name": "1"}, {"Name": "2"}]
    # The longer one is read on from its second page: the first came in the batch.
    assert more.call_count == 1 and more.last_request.qs["continuationtoken"] == ["t"]


def test_the_writes_are_the_api_paths_and_bodies(make_client):
    client = make_client()
    assert client.group_item_create("G 1", "PowerTimeSchemes", {"Name": "x"}) == \
        BatchRequest("POST", "/DeliveryGroups/G%201/PowerTimeSchemes", {"Name": "x"})
    assert client.group_item_update("G", "RebootSchedules", "id-1", {"Enabled": False}) == \
        BatchRequest("PATCH", "/DeliveryGroups/G/RebootSchedules/id-1", {"Enabled": False})
    assert client.group_item_delete("G", "Machines", "D\\M") == BatchRequest("DELETE", "/DeliveryGroups/G/Machines/D%7CM", None)
    assert client.tag_delivery_groups_write("t", ["A", "B"]) == \
        BatchRequest("PUT", "/Tags/t/DeliveryGroups", {"Items": ["A", "B"]})
    assert client.machine_tag_write("D\\M", "t", False) == BatchRequest("DELETE", "/Machines/D%7CM/Tags/t", None)
    assert client.group_tag_add("G", "t") == BatchRequest("POST", "/DeliveryGroups/G/Tags/t", None)
    assert client.tag_create({"Name": "t"}) == BatchRequest("POST", "/Tags", {"Name": "t"})
    with pytest.raises(DaaSError, match="Unknown part of a delivery group 'Autoscale'"):
        client.delivery_group_path("G", "Autoscale")


def test_machines_join_as_a_job(requests_mock, make_client, signed_in):
    route = requests_mock.post(MANAGE + "/DeliveryGroups/G/Machines", status_code=202,
                               headers={"Location": MANAGE + "/Jobs/j1"})
    assignments = [{"Machine": "D\\M", "Users": ["D\\u"]}]
    job = make_client().add_delivery_group_machines("G", "Cat", count=2, assignments=assignments)
    assert job.id == "j1"
    assert route.last_request.qs == {"async": ["true"]}
    assert route.last_request.json() == {"MachineCatalog": "Cat", "Count": 2,
                                         "AssignMachinesToUsers": [{"Machine": "D\\M", "Users": ["D\\u"]}]}
