"""Background processes for tests: started with a log file, always stopped."""

import subprocess
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def started(process_args: list[str], *, log: Path, **kwargs):
    with log.open("wb") as output:
        process = subprocess.Popen(
            process_args, stdout=output, stderr=subprocess.STDOUT, **kwargs
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
