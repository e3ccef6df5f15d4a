"""pytest set-up for the whole repository: nbval compares numbers within a tolerance (tests/nbval_tolerance.py)."""

pytest_plugins = ["nbval_tolerance"]
