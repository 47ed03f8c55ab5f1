"""Makes tests/flow_checks.py and tests/fixtures.py importable, keeps TensorFlow quiet in tests, and gives every
module that defines a ``zoo_home`` zoo root the ``zoo`` fixture: that root as NFZOO_HOME and working directory for
one test."""
import os
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture
def zoo(zoo_home, monkeypatch):
    monkeypatch.setenv("NFZOO_HOME", str(zoo_home))
    monkeypatch.chdir(zoo_home)  # where runs/<name> lies, as for a user in a checkout
    return zoo_home
