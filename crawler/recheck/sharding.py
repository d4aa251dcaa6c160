"""Which worker process of a sharded crawl fetches a URL: a stable hash, the same in every process."""
from __future__ import annotations

import zlib
from collections.abc import Iterable
from urllib.parse import urlsplit


def shard_by_domain(domains: Iterable[str]) -> bool:
    """Several domains: each goes whole to one worker process; one domain: its URLs are split."""
    return len(set(domains)) > 1


def shard_of(url: str, shards: int, by_domain: bool) -> int:
    """The worker process (0..shards-1) that fetches `url`: a stable hash (crc32, the same in
    every process, unlike hash()) of its host, or of the whole URL when there is one domain."""
    key = (urlsplit(url).hostname or "") if by_domain else url
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % shards
