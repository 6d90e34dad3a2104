"""Durable Functions for the local host, on Microsoft's `durabletask` in-memory engine.

The app's orchestrator generators and activities run unchanged: `context.LocalDurableOrchestrationContext`
gives them the `azure.durable_functions` API on top of durabletask's replay engine, and
`client.LocalDurableOrchestrationClient` stands in for the `durableClient` binding.
"""
from devhost.durable.discovery import durable_functions_of
from devhost.durable.engine import DurableEngine

__all__ = ["DurableEngine", "durable_functions_of"]
