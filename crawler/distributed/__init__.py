"""Distributed mode: protocol (work items and results, their JSON), queues (the Redis keys) and
the worker (`newswatch worker`); the coordinator and ingest live in scheduler/."""
