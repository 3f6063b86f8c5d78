"""Lighthouse 12 scores of home, index, article and contact, all four categories.

Runs tests/test_lighthouse.py (the deployment stack: nginx, gunicorn, the demo
content; Debian's Chromium) and prints the scores it measured. Performance is a
timing figure: run this on a quiet machine, e.g.

    .venv/bin/python bench/lighthouse_scores.py
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^lighthouse (\w+) (\{.*\})$", re.M)
METRICS = re.compile(r"^lighthouse-metrics (\w+) (\{.*\})$", re.M)


def main() -> int:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_lighthouse.py",
            "-k",
            "timing_free",
            "-s",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1"},
        capture_output=True,
        text=True,
    )
    scores = {name: json.loads(found) for name, found in LINE.findall(result.stdout)}
    if not scores:
        print(result.stdout[-3000:], result.stderr[-3000:])  # noqa: T201
        return 1
    categories = ["performance", "accessibility", "best-practices", "seo"]
    print(f"{'page':<10}" + "".join(f"{c:>16}" for c in categories))  # noqa: T201
    for name, page in scores.items():
        print(f"{name:<10}" + "".join(f"{page[c]:>16}" for c in categories))  # noqa: T201
    found = METRICS.findall(result.stdout)
    metrics = {name: json.loads(values) for name, values in found}
    if metrics:
        names = list(next(iter(metrics.values())))
        print()  # noqa: T201
        print(f"{'page':<10}" + "".join(f"{n[:24]:>26}" for n in names))  # noqa: T201
        for name, page in metrics.items():
            print(f"{name:<10}" + "".join(f"{page[n]:>26}" for n in names))  # noqa: T201
    return 0 if result.returncode == 0 else result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
