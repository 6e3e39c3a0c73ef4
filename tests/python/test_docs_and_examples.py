"""The README's tour and the examples run as documented (keeps the docs true)."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_readme_tour_runs():
    text = open(os.path.join(ROOT, "README.md")).read()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})


def run_example(name, *args):
    pytest.importorskip("sklearn")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), *args],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_linear_regression_example():
    assert "OK: gradient descent agrees with least squares" in run_example("linear_regression.py")


def test_digits_mlp_example():
    pytest.importorskip("tqdm")
    out = run_example("digits_mlp.py", "--epochs", "30")
    assert "reloaded from" in out and "test accuracy" in out


def test_digits_cnn_example():
    pytest.importorskip("tqdm")
    assert "test accuracy" in run_example("digits_cnn.py")


def test_digits_transformer_example():
    assert "test accuracy" in run_example("digits_transformer.py")


def test_transformer_lm_example_short():
    # a short run: the full default run (a few minutes) is what the example's doc reports
    out = run_example("transformer_lm.py", "--steps", "40", "--block", "32", "--batch", "16")
    assert "unigram baseline loss" in out and "validation loss" in out
    assert "cached == uncached: True" in out and "-> OK" in out


def test_digits_rnn_example():
    out = run_example("digits_rnn.py", "--cell", "gru", "--epochs", "12")
    assert "test accuracy" in out  # the example asserts >= 95% itself


def test_char_rnn_example():
    out = run_example("char_rnn.py", "--steps", "40", "--eval-every", "20", "--hidden", "64",
                      "--sample-length", "40")
    first, last = map(float, re.search(r"validation loss went from ([\d.]+) to ([\d.]+)",
                                       out).groups())
    assert last < first and "--- sample" in out
