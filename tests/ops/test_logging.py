import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from stq.core.logging import JsonFormatter

REPO = Path(__file__).resolve().parents[2]


def test_json_lines_carry_level_logger_message_extra_and_exception():
    record = logging.LogRecord("stq.audits", logging.ERROR, __file__, 1, "case %s failed", ("KT-1",), None)
    record.case_id = 42
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "ERROR" and line["logger"] == "stq.audits" and line["message"] == "case KT-1 failed"
    assert line["case_id"] == 42 and "ValueError: boom" in line["exception"] and line["time"].endswith("+00:00")


def test_production_logging_is_json_on_stdout():
    code = ("import django, logging; django.setup(); "
            "logging.getLogger('stq.test').warning('Xin chào %s', 'thế giới')")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STQ_")}
    env.update({"PYTHONPATH": str(REPO / "src"), "DJANGO_SETTINGS_MODULE": "stq.settings", "STQ_SECRET_KEY": "x" * 50,
                "STQ_LOG_FORMAT": "json"})
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    line = json.loads(out.stdout.strip().splitlines()[-1])
    assert line["message"] == "Xin chào thế giới" and line["level"] == "WARNING"
