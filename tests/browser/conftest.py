import pytest

from tests.browser.relying_party import RelyingParty


@pytest.fixture
def relying_party(live_server):
    """A small online service on a free port, stopped after the test."""
    rp = RelyingParty().start()
    yield rp
    rp.stop()
