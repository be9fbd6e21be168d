"""Type stubs of the native half of notice_ingest (see ``notice_ingest/__init__.py``)."""

import os
from typing import Any, List, Literal, Mapping, Optional, Tuple, TypedDict, Union

__version__: str
SCHEMA_VERSION: str
NOTICE_EXTENSIONS: Tuple[str, ...]
"""The file extensions ``batch`` reads in a folder (``txt``, ``html``, … ``wps``)."""

StrPath = Union[str, "os.PathLike[str]"]

class Limits(TypedDict, total=False):
    """The CLI's limit flags; the ones left out keep their defaults."""

    max_input_mib: int
    max_inflated_mib: int
    max_inflated_total_mib: int
    max_pages: int
    max_pdf_objects: int
    max_depth: int
    time_budget: Optional[float]

class _OfficeRefBase(TypedDict):
    code: Optional[str]
    name: str
    raw: str
    kind: Optional[Literal["office", "affiliated-unit", "institution", "collective", "external"]]

class OfficeRef(_OfficeRefBase, total=False):
    """A reference to an office or unit as found in a cell (``ref`` in the schema)."""

    marker: str

class Location(TypedDict, total=False):
    file: str
    page: int
    line: int
    row: int
    column: int
    task_seq: int

class Diagnostic(TypedDict):
    severity: Literal["error", "warning", "info"]
    kind: str
    message: str
    location: Location

class Problem(TypedDict):
    """One way a record breaks the schema."""

    instance_path: str
    schema_path: str
    message: str

Record = dict[str, Any]
"""The canonical record (``schemas/notice.schema.json``): ``schema_version``, ``notice``,
``sections``, ``tasks``, ``diagnostics``."""

RegistryArg = Union["Registry", StrPath, Mapping[str, Any], None]

class NoticeIngestError(Exception):
    """A notice could not be converted (or a registry loaded); ``str(e)`` is the CLI's message."""

    kind: str
    """The stage that failed: ``source``, ``legacy-office``, ``text``, ``html``, ``docx``, ``pdf``, ``scan``,
    ``xlsx``, ``budget``, ``table``, ``ledger``, ``office``, ``validate``, ``schema-violations``,
    ``output``."""
    path: Optional[str]
    exit_code: int
    """The CLI's exit code: 1 the input is at fault, 2 reading or usage."""

class InputError(NoticeIngestError):
    """The input itself is at fault (the CLI's exit code 1)."""

class ReadError(NoticeIngestError):
    """The input or a registry could not be read (the CLI's exit code 2)."""

class Registry:
    """An office registry loaded once and used for many conversions."""

    @staticmethod
    def builtin() -> Registry: ...
    @staticmethod
    def from_path(path: StrPath) -> Registry: ...
    @staticmethod
    def from_json(text: str, origin: str = "<json>") -> Registry: ...
    @property
    def id(self) -> str: ...
    @property
    def issuer(self) -> str: ...
    def entries(self) -> List[dict[str, Any]]: ...

def convert(
    source: Union[StrPath, bytes, bytearray],
    *,
    filename: Optional[str] = None,
    registry: RegistryArg = None,
    limits: Optional[Limits] = None,
    beside: Optional[Mapping[str, bytes]] = None,
) -> Record:
    """Converts one notice (a path, or the file's bytes named ``filename``) into its canonical
    record: exactly the JSON ``notice-ingest convert`` writes, as a dict. Raises ``InputError`` or
    ``ReadError`` with the CLI's message. Releases the GIL while converting."""

def attachment_candidates(
    source: Union[StrPath, bytes, bytearray],
    *,
    filename: Optional[str] = None,
    limits: Optional[Limits] = None,
) -> List[List[str]]:
    """The file names each attachment link of a web page may be saved under beside it."""

def split(text: str, registry: RegistryArg = None) -> Tuple[List[OfficeRef], List[Diagnostic]]:
    """How a cell of office names splits and resolves (``notice-ingest split``)."""

def validate(record: Union[Record, str]) -> List[Problem]:
    """The ways ``record`` breaks the schema; empty when it is valid."""

def schema() -> dict[str, Any]:
    """The record's JSON Schema (draft 2020-12)."""
