"""Token Status List encoding (draft-ietf-oauth-status-list §4.1) against the
specification's own examples."""
from __future__ import annotations

import pytest

from wallet_connector.jose import b64url_decode, b64url_encode
from wallet_connector.token_status_list import encode_list, status_at

# §4.1 examples: one bit per entry, and two bits per entry.
ONE_BIT = ("eNrbuRgAAhcBXQ", [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1])
TWO_BITS = ("eNo76fITAAPfAgc", [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3])


@pytest.mark.parametrize(("bits", "example"), [(1, ONE_BIT), (2, TWO_BITS)])
def test_the_specifications_examples(bits, example):
    lst, statuses = example
    assert [status_at(b64url_decode(lst), bits, idx) for idx in range(len(statuses))] == statuses
    assert b64url_encode(encode_list(statuses, bits)) == lst


def test_an_index_outside_the_list_or_odd_bits_are_refused():
    lst = encode_list([0, 1, 0])
    with pytest.raises(ValueError):
        status_at(lst, 1, 8)
    with pytest.raises(ValueError):
        status_at(lst, 1, -1)
    with pytest.raises(ValueError):
        status_at(lst, 3, 0)
