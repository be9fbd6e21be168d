"""notice_ingest: Chinese government notices (通知) and their task ledgers (任务分解台账) into
validated JSON task records.

The conversion is the notice-ingest library's (Rust), the same the ``notice-ingest`` CLI runs:
``convert`` returns exactly the JSON document ``notice-ingest convert`` writes, as a dict. It
releases the GIL, so threads convert in parallel. ``notice_ingest.spark`` turns a Spark DataFrame
of files into tables of notices, tasks, task offices and diagnostics.

>>> import notice_ingest
>>> record = notice_ingest.convert("fixtures/seed/000_289293f812862803.txt")  # doctest: +SKIP
>>> len(record["tasks"])  # doctest: +SKIP
34
"""

from ._native import (
    NOTICE_EXTENSIONS,
    SCHEMA_VERSION,
    InputError,
    NoticeIngestError,
    ReadError,
    Registry,
    __version__,
    attachment_candidates,
    convert,
    schema,
    split,
    validate,
)

__all__ = [
    "NOTICE_EXTENSIONS",
    "SCHEMA_VERSION",
    "InputError",
    "NoticeIngestError",
    "ReadError",
    "Registry",
    "__version__",
    "attachment_candidates",
    "convert",
    "schema",
    "split",
    "validate",
]
