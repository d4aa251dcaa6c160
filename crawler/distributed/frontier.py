"""scrapy-redis's pickle serializer for the distributed frontier, less the cookies and headers of
a source's settings that a retried or redirected request carries (crawler/request_settings.py):
Redis never holds the user's secrets; the worker that takes the request adds them again."""
from __future__ import annotations

import pickle

from crawler.request_settings import without_added_headers


def loads(data: bytes) -> dict:
    return pickle.loads(data)


def dumps(request: dict) -> bytes:
    return pickle.dumps(without_added_headers(request), protocol=-1)
