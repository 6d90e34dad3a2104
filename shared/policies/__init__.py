"""GitHub Policy Enforcer: configuration, checks, evaluation, issue formatting, actions and storage.

Nothing here imports Azure: orchestrators and activities call into this package, tests drive it directly.
"""
