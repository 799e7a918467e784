"""The reading endpoints on the embedded default: the project database and the value tables in
one SQLite file (a fresh process, as `./hsim run` has it)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_history_labels_faults_and_metrics_work_on_the_embedded_sqlite_default(tmp_path):
    env = dict(os.environ, HSIM_VAR_DIR=str(tmp_path),
               DJANGO_SETTINGS_MODULE="hsim_project.settings")
    for name in ("DATABASE_URL", "HSIM_VALUE_DATABASES", "CELERY_BROKER_URL"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, str(Path(__file__).with_name(
        "embedded_sqlite_reads.py"))], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["vendor"] == "sqlite"
    assert found["history_rows"] > 24 * 60 and found["history_equals_generate"]
    assert found["rollup_equals_python"]
    assert found["labels_equal_engine"]
    assert found["inject_status"] == 201 and found["injected_labelled"]
    assert found["metrics_ticks"] == [1.0]
