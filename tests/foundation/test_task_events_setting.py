"""HSIM_TASK_EVENTS turns the workers' task events (what Flower's task pages show) off for a
large fleet, where they cost about a third of the worker's CPU per tick (bench_fleet.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READ = ("import django; django.setup(); from hsim_project.celery import app; "
        "print(app.conf.worker_send_task_events)")


def worker_sends_task_events(**env):
    environment = {k: v for k, v in os.environ.items() if k != "HSIM_TASK_EVENTS"}
    out = subprocess.run(
        [sys.executable, "-c", READ], cwd=ROOT, capture_output=True, text=True, check=True,
        env=dict(environment, DJANGO_SETTINGS_MODULE="hsim_project.settings", **env))
    return out.stdout.strip()


def test_workers_send_task_events_unless_told_not_to():
    assert worker_sends_task_events() == "True"
    assert worker_sends_task_events(HSIM_TASK_EVENTS="1") == "True"


@pytest.mark.parametrize("value", ["0", "false", "off"])
def test_hsim_task_events_off_turns_them_off(value):
    assert worker_sends_task_events(HSIM_TASK_EVENTS=value) == "False"
