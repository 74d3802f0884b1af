"""Key pairs kept on disk that are made on first use: our SP pair when none was
registered with ELSTER, and the simulator's development pair."""
from __future__ import annotations

import os
from pathlib import Path

from federation.credentials import self_signed
from federation.saml.keys import KeyPair


def stored_pair(key_path: Path, cert_path: Path, common_name: str, *, key_size: int = 3072) -> KeyPair:
    """The pair in these files, made (self-signed) if the key is not there yet. The key
    file is readable by its owner only; each file appears whole or not at all."""
    if not key_path.exists():
        key_pem, cert_pem = self_signed(common_name, key_size=key_size)
        key_path.parent.mkdir(parents=True, exist_ok=True)
        # The certificate first: a key file without its certificate is never left behind.
        for path, data, mode in ((cert_path, cert_pem, 0o644), (key_path, key_pem, 0o600)):
            tmp = path.with_name(path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), mode)
                fh.write(data)
            os.replace(tmp, path)
    return KeyPair(key_path.read_bytes(), cert_path.read_bytes())
