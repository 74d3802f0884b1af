"""A second browser for rules that involve two people of one organisation."""
from __future__ import annotations

import pytest

from tests.conftest import Browserless


@pytest.fixture
def user_agent_2(app) -> Browserless:
    return Browserless(app)
