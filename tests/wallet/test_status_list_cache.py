"""A verified status list is kept as long as the issuer allows (`ttl`, `exp`) and our
ceiling (MAX_AGE), and then asked again: a revocation published meanwhile is seen
then. What could not be fetched or trusted is never kept."""
from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from wallet_connector.errors import PresentationRefused
from wallet_connector.simulator import TestIssuer
from wallet_connector.simulator.issuer import STATUS_LIST_URI
from wallet_connector.token_status_list import INVALID, MAX_AGE, VALID, StatusList, StatusListCache, check_status

REFERENCE = {"status_list": {"idx": 3, "uri": STATUS_LIST_URI}}


class Site:
    """The issuer's status list endpoint: what it publishes now, and how often it was asked."""

    def __init__(self, issuer: TestIssuer, **token):
        self.issuer, self.token, self.status, self.asked = issuer, token, VALID, 0
        self.now = issuer.now

    def fetch(self, uri: str) -> str:
        self.asked += 1
        publisher = copy.copy(self.issuer)
        publisher.now = self.now  # a list issued at the time it is asked for
        return publisher.status_list_token([VALID] * 3 + [self.status] + [VALID] * 4, **self.token)


@pytest.fixture(scope="module")
def issuer():
    return TestIssuer()


def outcome(site: Site, cache: StatusListCache, after: timedelta) -> str:
    site.now = site.issuer.now + after
    try:
        check_status(REFERENCE, fetch=site.fetch, anchors=(site.issuer.trust_anchor,), now=site.now, cache=cache)
    except PresentationRefused as refused:
        return refused.reason
    return "valid"


@pytest.mark.parametrize("token, kept", [
    ({"ttl": 60}, timedelta(seconds=60)),                               # the issuer's ttl
    ({}, MAX_AGE),                                                      # no ttl: our ceiling
    ({"ttl": 86400}, MAX_AGE),                                          # a longer ttl: our ceiling
    ({"ttl": 600, "lifetime": timedelta(seconds=90)}, timedelta(seconds=90)),  # exp comes first
])
def test_a_list_is_kept_until_the_earliest_of_ttl_exp_and_our_ceiling(issuer, token, kept):
    site, cache = Site(issuer, **token), StatusListCache()
    assert outcome(site, cache, timedelta(0)) == "valid"
    site.status = INVALID  # revoked at the issuer after our fetch

    assert outcome(site, cache, kept - timedelta(seconds=1)) == "valid"
    assert site.asked == 1
    assert outcome(site, cache, kept) == "revoked"
    assert site.asked == 2


def test_a_ttl_of_zero_keeps_nothing(issuer):
    site, cache = Site(issuer, ttl=0), StatusListCache()
    assert outcome(site, cache, timedelta(0)) == "valid"
    site.status = INVALID
    assert outcome(site, cache, timedelta(0)) == "revoked"
    assert site.asked == 2


def test_an_unreachable_or_untrusted_list_is_not_kept(issuer):
    site, cache = Site(issuer, ttl=300), StatusListCache()
    answers = iter([ConnectionError("no route to host"), TestIssuer().status_list_token([VALID] * 8, ttl=300)])

    def flaky(uri: str) -> str:
        answer = next(answers, None)
        if isinstance(answer, Exception):
            raise answer
        return answer if answer is not None else site.fetch(uri)

    for _ in range(2):  # unreachable, then signed by a stranger
        with pytest.raises(PresentationRefused) as refused:
            check_status(REFERENCE, fetch=flaky, anchors=(issuer.trust_anchor,), now=issuer.now, cache=cache)
        assert refused.value.reason == "status_unavailable"
    assert outcome(Site(issuer, ttl=300), cache, timedelta(0)) == "valid"  # asked again, and now kept
    assert cache.get(STATUS_LIST_URI, issuer.now) is not None


def test_the_cache_stays_bounded_and_expired_lists_make_room(issuer):
    now = issuer.now
    cache = StatusListCache(limit=2)
    cache.put("https://a.example/1", StatusList(1, b"\x00", now + timedelta(seconds=10)), now)
    cache.put("https://a.example/2", StatusList(1, b"\x00", now + timedelta(seconds=60)), now)
    later = now + timedelta(seconds=30)
    cache.put("https://a.example/3", StatusList(1, b"\x00", later + timedelta(seconds=60)), later)
    cache.put("https://a.example/4", StatusList(1, b"\x00", later + timedelta(seconds=60)), later)  # full: not kept

    assert [cache.get(f"https://a.example/{n}", later) is not None for n in range(1, 5)] == [False, True, True, False]
