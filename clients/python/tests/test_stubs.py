"""The committed stubs are what proto/ generates today."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def test_the_stubs_match_the_proto():
    run = subprocess.run([sys.executable, os.path.join(HERE, "..", "generate.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
