"""Monitoring domain (Hangfire dashboard parity): which orchestrations are jobs, how a durable status plus a
product row becomes one job summary, and the statistics over them. Plain data in and out, no Azure imports, so
the rules are unit-tested without a host."""
