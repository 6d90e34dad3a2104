"""How long a test waits for something that must happen before calling it hung.

Tests assert states and order, never how fast (that is `make bench`): a wait loop's deadline is only a hang guard,
set well above anything a loaded 2-core CI machine needs, and below pytest-timeout's 180 s so the failure names
what never happened instead of a bare timeout.
"""
HANG_GUARD_S = 120
