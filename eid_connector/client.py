"""SOAP client of the eService for the eID-Interface (useID, getResult).

Every request is schema-checked and signed; every response must be signed by the
pinned eID-Server certificate, fresh, and schema-valid before anything in it is used.
TLS (server and client authentication, TR-03130 3.5.1) belongs to the `http` session:
pass a requests.Session with `cert` and `verify` set.

The RequestCounter must grow strictly per session, also across processes; the caller
stores the last counter (GetResultOutcome.request_counter, or `request_counter` on an
EidError raised by get_result) and passes it back in.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

import requests
from lxml import etree

from . import schema
from .errors import (
    EidError,
    EidProtocolError,
    EidResultError,
    EidSoapFault,
    EidTransportError,
)
from .messages import (
    GetResultRequest,
    GetResultResponse,
    Psk,
    Result,
    UseIDRequest,
    build_get_result_request,
    build_use_id_request,
    parse_get_result_response,
    parse_use_id_response,
)
from .namespaces import SOAP_ACTION_PREFIX
from .personal_data import EidAttributes, map_personal_data
from .results import Flow, ResultMinor, message_for
from .tctoken import TcToken
from .wssec import DEFAULT_MAX_AGE, DEFAULT_SKEW, SOAP_CONTENT_TYPE, Signer, Verifier, find_fault

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_WAIT = 1.0
MAX_RESPONSE_BYTES = 1 << 20
# Counters remembered in memory per client; the caller's stored value is authoritative.
_REMEMBERED_SESSIONS = 1024


def _parsed(parse, payload):
    # Schema-valid is not always representable (e.g. xs:date beyond year 9999).
    try:
        return parse(payload)
    except (ValueError, TypeError) as exc:
        raise EidProtocolError(f"unusable {etree.QName(payload).localname}: {exc}") from exc


@dataclass(frozen=True)
class UseIDResult:
    session_id: str
    psk: Psk
    ecard_server_address: str | None

    def tc_token(
        self,
        refresh_address: str,
        *,
        communication_error_address: str | None = None,
        server_address: str | None = None,
    ) -> TcToken:
        """TC token for this session; `server_address` is the fallback when the
        eID-Server sent no eCardServerAddress."""
        address = self.ecard_server_address or server_address
        if not address:
            raise EidProtocolError("no eCardServerAddress and no fallback server address")
        return TcToken(
            server_address=address,
            session_identifier=self.psk.id,
            refresh_address=refresh_address,
            psk=self.psk.key,
            communication_error_address=communication_error_address,
        )


@dataclass(frozen=True)
class GetResultOutcome:
    """What getResult yielded. Errors of the eID-Server (e.g. invalidDocument) are
    outcomes, not exceptions: the citizen needs a message and may try again."""

    request_counter: int
    response: GetResultResponse
    attributes: EidAttributes | None

    @property
    def result(self) -> Result:
        return self.response.result

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def pending(self) -> bool:
        """Still getResult#noResultYet after all retries."""
        return not self.ok and self.result.minor == ResultMinor.NO_RESULT_YET

    def message(self, flow: Flow | None = None) -> str | None:
        return None if self.ok else message_for(self.result.minor, flow)


class EidServerClient:
    def __init__(
        self,
        server_url: str,
        client_key_pem: bytes,
        client_cert_pem: bytes,
        server_cert_pem: bytes,
        *,
        http: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retry_wait: float = DEFAULT_RETRY_WAIT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
        key_reference: Literal["bst", "issuer_serial"] = "bst",
        skew: timedelta = DEFAULT_SKEW,
        max_age: timedelta = DEFAULT_MAX_AGE,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.server_url = server_url
        self._signer = Signer(client_key_pem, client_cert_pem, key_reference=key_reference)
        self._verifier = Verifier(server_cert_pem, skew=skew, max_age=max_age)
        self._http = http or requests.Session()
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._retry_wait = retry_wait
        self._sleep = sleep
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._max_response_bytes = max_response_bytes
        self._counters: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    # -- operations ----------------------------------------------------------------------
    def use_id(self, request: UseIDRequest) -> UseIDResult:
        """Open a session at the eID-Server. Raises EidResultError on ResultMajor error."""
        payload = self._call("useID", build_use_id_request(request), "useIDResponse")
        response = _parsed(parse_use_id_response, payload)
        if not response.result.ok:
            raise EidResultError(response.result.major, response.result.minor, response.result.message)
        if request.psk is not None and response.psk != request.psk:
            raise EidProtocolError("eID-Server did not confirm the PSK of the request")
        return UseIDResult(response.session_id, response.psk, response.ecard_server_address)

    def get_result(self, session_id: str, last_counter: int | None = None) -> GetResultOutcome:
        """Fetch the result, retrying getResult#noResultYet up to max_attempts times.

        `last_counter` is the highest RequestCounter already used for this session
        (0 or None before the first call); each request uses a higher one.
        """
        counter = max(last_counter or 0, self._remembered(session_id))
        for attempt in range(1, self._max_attempts + 1):
            counter += 1
            self._remember(session_id, counter)
            try:
                payload = self._call(
                    "getResult",
                    build_get_result_request(GetResultRequest(session_id, counter)),
                    "getResultResponse",
                )
                response = _parsed(parse_get_result_response, payload)
            except EidError as exc:
                # The request may have reached the server: the caller must not reuse it.
                exc.request_counter = counter
                raise
            if response.result.minor != ResultMinor.NO_RESULT_YET or attempt == self._max_attempts:
                break
            self._sleep(self._retry_wait)
        attributes = (
            map_personal_data(
                response.personal_data,
                fulfils_age_verification=response.fulfils_age_verification,
            )
            if response.result.ok
            else None
        )
        return GetResultOutcome(counter, response, attributes)

    # -- plumbing ------------------------------------------------------------------------
    def _remembered(self, session_id: str) -> int:
        with self._lock:
            return self._counters.get(session_id, 0)

    def _remember(self, session_id: str, counter: int) -> None:
        with self._lock:
            self._counters[session_id] = counter
            self._counters.move_to_end(session_id)
            while len(self._counters) > _REMEMBERED_SESSIONS:
                self._counters.popitem(last=False)

    def _call(self, operation: str, payload: etree._Element, expected: str) -> etree._Element:
        # Our own request is checked too: a schemaViolation from the server would hide
        # the bug behind a generic error.
        schema.validate_message(payload)
        envelope = self._signer.sign(payload, now=self._clock())
        try:
            response = self._http.post(
                self.server_url,
                data=envelope,
                headers={
                    "Content-Type": SOAP_CONTENT_TYPE,
                    "SOAPAction": f'"{SOAP_ACTION_PREFIX}{operation}"',
                },
                timeout=self._timeout,
                stream=True,
            )
            body = self._read(response)
        except requests.RequestException as exc:
            raise EidTransportError(f"{operation}: {exc}") from exc
        fault = find_fault(body)
        if fault is not None:
            raise EidSoapFault(*fault)
        if response.status_code != 200:
            raise EidTransportError(f"{operation}: HTTP {response.status_code}")
        verified = self._verifier.verify(body, now=self._clock())
        schema.validate_message(verified.payload, expected)
        return verified.payload

    def _read(self, response: requests.Response) -> bytes:
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(65536):
                size += len(chunk)
                if size > self._max_response_bytes:
                    raise EidTransportError("response too large")
                chunks.append(chunk)
        finally:
            response.close()
        return b"".join(chunks)
