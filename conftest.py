"""pytest set-up for the whole repository: nbval compares numbers within a tolerance (tests/nbval_tolerance.py)."""

pytest_plugins = ["nbval_tolerance"]

# A symbolic link to notebooks/dashboard.ipynb (package data): nbval checks the notebook there, once.
collect_ignore = ["softmax_teach/serve/dashboard.ipynb"]

CPU_LANE_VARIABLES = ("NPY_DISABLE_CPU_FEATURES", "ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA")


def pytest_report_header(config):
    """Say which CPU lane the notebooks run on: the environment decides it (scripts/cpu-lane)."""
    import os
    import platform

    chosen = [f"{name}={os.environ[name]!r}" for name in CPU_LANE_VARIABLES if name in os.environ]
    return f"CPU lane: {' '.join(chosen) if chosen else 'native'} ({platform.machine()})"
