"""Helpers shared by the handlers: the error exception and JSON responses."""

import json

from aiohttp import web


class ApiError(Exception):
    """An HTTP error answer: status, JSON body (or None) and extra headers."""

    def __init__(self, status, body=None, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def json_response(status, body=None, headers=None):
    """A JSON response; ``body=None`` gives an empty body."""
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.Response(status=status, body=json.dumps(body, separators=(",", ":")).encode("utf-8"),
                        content_type="application/json", charset="utf-8", headers=headers)


async def read_json(request):
    """The request's JSON body, or ApiError 400."""
    try:
        return await request.json()
    except ValueError as exc:
        raise ApiError(400, {"ErrorMessage": "The request body is not valid JSON.", "SdkErrorId": "InvalidJson",
                             "ErrorType": "InvalidJson"}) from exc
