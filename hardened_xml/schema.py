"""XML Schemas that ship inside a package and import each other by relative path.

The network is off while loading and the resolver answers only from the schema's own
folder, so a broken or tampered import can never turn into an outgoing request or
read a file elsewhere.
"""
from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree


class _LocalOnly(etree.Resolver):
    """Resolves only files below `folder`; anything else fails loudly."""

    def __init__(self, folder: Path, refused: type[Exception]):
        super().__init__()
        self.folder = folder
        self.refused = refused

    def resolve(self, system_url, public_id, context):
        path = Path(system_url.removeprefix("file://")).resolve()
        if self.folder in path.parents and path.is_file():
            return self.resolve_filename(str(path), context)
        raise self.refused(f"schema import outside the package refused: {system_url}")


class LocalSchema:
    """The schema in `path`, with its imports from the same folder (or below). Every
    failure, loading or validating, raises `invalid` (the caller's exception class)."""

    def __init__(self, path: Path, invalid: type[Exception]):
        self.invalid = invalid
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        parser.resolvers.add(_LocalOnly(path.resolve().parent, invalid))
        self._schema = etree.XMLSchema(etree.parse(str(path), parser))
        # An XMLSchema object keeps its error log per instance, so concurrent
        # validations with the same object would mix their errors.
        self._lock = threading.Lock()

    def validate(self, element: etree._Element) -> None:
        """Raises `invalid` naming the first few errors."""
        with self._lock:
            ok = self._schema.validate(element)
            errors = [f"line {e.line}: {e.message}" for e in self._schema.error_log] if not ok else []
        if not ok:
            raise self.invalid("; ".join(errors[:5]) or "invalid")
