"""notice_ingest.spark: archives of notices on Spark.

``convert_files(files)`` turns a DataFrame of files — binary contents with their paths, as
``spark.read.format("binaryFile")`` gives them (see ``read_files``), or paths alone that every
executor can read — into four DataFrames with declared schemas (``NOTICES``, ``TASKS``,
``TASK_OFFICES``, ``DIAGNOSTICS``)::

    from notice_ingest.spark import convert_files, read_files

    tables = convert_files(read_files(spark, "archive/"))
    tables.tasks.write.partitionBy("issuer").parquet("out/tasks")

The conversion is the library's, run in ``mapInArrow`` (one Arrow batch of files in, one of
converted files out, in each Python worker). The tables hold what ``notice-ingest batch``
writes for the same files:

- A web page and the attachments saved beside it that it links are one notice, as ``batch``
  reads them: the page is converted with them, and each attachment is an ``info`` row
  (``read-with-page``) in ``diagnostics`` instead of a notice of its own.
- A notice that an earlier file (in path order) gave already is a ``duplicate`` in ``notices``
  (``duplicate_of`` names that file) and its tasks are not repeated in ``tasks``.
- A file that cannot be converted is one ``error`` row (``not-converted``, with the failing stage
  and the CLI's message) in ``diagnostics``: the job goes on.
- A file that holds no task ledger (a stray note, a notice without one) is skipped, as ``batch``
  skips it: one ``warning`` row (``no-ledger``, stage ``ledger``, the message saying what was
  seen) in ``diagnostics``, and no notice.

The returned tables share one persisted conversion: call ``tables.unpersist()`` when they are
written.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple, Union

from . import _native

__all__ = [
    "NOTICES",
    "TASKS",
    "TASK_OFFICES",
    "DIAGNOSTICS",
    "NoticeTables",
    "convert_files",
    "read_files",
]

try:  # pyspark is an optional dependency (`pip install notice-ingest[spark]`).
    from pyspark import StorageLevel
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.types import (
        ArrayType,
        DoubleType,
        LongType,
        MapType,
        StringType,
        StructField,
        StructType,
    )
except ImportError as missing:  # pragma: no cover - exercised only without pyspark
    raise ImportError("notice_ingest.spark needs pyspark and pyarrow: pip install 'notice-ingest[spark]'") from missing


def _struct(*fields: Tuple[str, Any], required: Tuple[str, ...] = ()) -> StructType:
    """A struct of nullable fields but the ``required`` ones."""
    return StructType([StructField(name, kind, name not in required) for name, kind in fields])


_STR = StringType()
_LONG = LongType()

#: An office reference (``ref`` in the record's schema).
OFFICE = _struct(("code", _STR), ("name", _STR), ("raw", _STR), ("kind", _STR), ("marker", _STR))
_OFFICES = ArrayType(OFFICE)
#: A deadline: ``raw``, ``kind`` (by-date, recurring, ongoing, unparsed), ``by``, ``every``.
DEADLINE = _struct(("raw", _STR), ("kind", _STR), ("by", _STR), ("every", _STR))
_CELL = _struct(("column", _LONG), ("page", _LONG), ("bbox", ArrayType(DoubleType())))
#: Where a task or measure was read: ``file`` (an attachment), ``pages``, ``row``, ``line``, ``cells``.
PROVENANCE = _struct(
    ("file", _STR), ("pages", ArrayType(_LONG)), ("row", _LONG), ("line", _LONG), ("cells", ArrayType(_CELL))
)
_MEASURE = _struct(
    ("text", _STR),
    ("lead_offices", _OFFICES),
    ("support_offices", _OFFICES),
    ("implementers", _OFFICES),
    ("deadline", DEADLINE),
    ("provenance", PROVENANCE),
)

#: One row per task, the fields of a ``tasks.jsonl`` line of ``batch`` (``notice_id``, then the
#: task's fields as in the record), and the notice's ``issuer`` to partition by.
TASKS = _struct(
    ("notice_id", _STR),
    ("id", _STR),
    ("seq", _LONG),
    ("section", _STR),
    ("title", _STR),
    ("text", _STR),
    ("leaders", ArrayType(_STR)),
    ("lead_offices", _OFFICES),
    ("support_offices", _OFFICES),
    ("implementers", _OFFICES),
    ("deadline", DEADLINE),
    ("measures", ArrayType(_MEASURE)),
    ("remarks", _STR),
    ("extra", MapType(_STR, _STR)),
    ("provenance", PROVENANCE),
    ("issuer", _STR),
)

#: One row per office of a task and role (``lead``, ``support``, ``implementer``), as the SQLite
#: output's ``task_offices``; ``position`` is the office's 1-based place in its task's list.
TASK_OFFICES = _struct(
    ("notice_id", _STR),
    ("task_id", _STR),
    ("role", _STR),
    ("position", _LONG),
    ("code", _STR),
    ("name", _STR),
    ("raw", _STR),
    ("kind", _STR),
    ("marker", _STR),
    ("issuer", _STR),
    required=("role", "position"),
)

_SOURCE = _struct(("path", _STR), ("role", _STR), ("format", _STR), ("sha256", _STR), ("pages", _LONG))

#: One row per notice file: ``status`` ``ok``, or ``duplicate`` when an earlier file (in path
#: order) gave the same notice (``duplicate_of``); the notice's metadata; task and diagnostic
#: counts; ``document``, the canonical record as ``notice-ingest convert`` writes it.
NOTICES = _struct(
    ("path", _STR),
    ("status", _STR),
    ("duplicate_of", _STR),
    ("notice_id", _STR),
    ("schema_version", _STR),
    ("registry", _STR),
    ("title", _STR),
    ("doc_number", _STR),
    ("date", _STR),
    ("published", _STR),
    ("format", _STR),
    ("sha256", _STR),
    ("pages", _LONG),
    ("sources", ArrayType(_SOURCE)),
    ("recipients", _OFFICES),
    ("attachments", ArrayType(_struct(("title", _STR), ("href", _STR)))),
    ("tasks", _LONG),
    ("errors", _LONG),
    ("warnings", _LONG),
    ("infos", _LONG),
    ("document", _STR),
    ("issuer", _STR),
)

#: One row per diagnostic of a converted notice (``stage`` null), per file that could not be
#: converted (``severity`` ``error``, ``kind`` ``not-converted``, ``stage`` the failing stage, the
#: CLI's message), per file skipped for holding no ledger (``warning``, ``no-ledger``) and per
#: attachment read with its page (``info``, ``read-with-page``).
DIAGNOSTICS = _struct(
    ("path", _STR),
    ("notice_id", _STR),
    ("severity", _STR),
    ("kind", _STR),
    ("stage", _STR),
    ("message", _STR),
    ("file", _STR),
    ("page", _LONG),
    ("line", _LONG),
    ("row", _LONG),
    ("column", _LONG),
    ("task_seq", _LONG),
    ("issuer", _STR),
)

# One row per input file, as the Python workers give them back; the four tables are views of it.
_CONVERTED = _struct(
    ("path", _STR),
    ("status", _STR),
    ("notice_id", _STR),
    ("notice", NOTICES),
    ("tasks", ArrayType(TASKS)),
    ("diagnostics", ArrayType(DIAGNOSTICS)),
)

_LINKS = _struct(("path", _STR), ("links", ArrayType(ArrayType(_STR))))

#: What a file that could not be converted, and an attachment read with its page, are called in
#: ``diagnostics.kind``.
NOT_CONVERTED = "not-converted"
NO_LEDGER = "no-ledger"
READ_WITH_PAGE = "read-with-page"


class NoticeTables(NamedTuple):
    """The tables of a conversion (``NOTICES``, ``TASKS``, ``TASK_OFFICES``, ``DIAGNOSTICS``)."""

    notices: DataFrame
    tasks: DataFrame
    task_offices: DataFrame
    diagnostics: DataFrame
    converted: DataFrame
    """The persisted per-file conversion the four tables read (one row per input file)."""

    def unpersist(self) -> None:
        """Frees the persisted conversion once the tables are written."""
        self.converted.unpersist()


def read_files(spark: SparkSession, *paths: str) -> DataFrame:
    """The notice files under ``paths`` (folders are read recursively) as ``path`` and
    ``content`` columns (``binaryFile``), keeping the extensions ``batch`` reads
    (``.txt .html .htm .shtml .pdf .docx .xlsx .doc .xls .wps``, in any case). Spark skips names
    that start with ``.`` or ``_``."""
    files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(list(paths))
    pattern = r"\.(" + "|".join(_native.NOTICE_EXTENSIONS) + r")$"
    return files.where(F.lower(F.col("path")).rlike(pattern)).select("path", "content")


def convert_files(
    files: DataFrame,
    *,
    path_col: str = "path",
    content_col: Optional[str] = "content",
    registry: Union[str, Dict[str, Any], None] = None,
    limits: Optional[Dict[str, Any]] = None,
    storage_level: Optional[StorageLevel] = None,
) -> NoticeTables:
    """Converts every file of ``files`` into the four tables.

    ``files`` has a ``path_col`` (string) and, for contents, a ``content_col`` (binary); without
    that column the executors read each path themselves (local paths or ``file:`` URIs on a file
    system every executor mounts). ``registry``: a registry file's path (readable by every
    executor) or a dict in the registry format, used for every notice (default: the built-in
    registries by issuer); ``limits``: the CLI's limit flags as a dict (see ``convert``).
    """
    has_content = content_col is not None and content_col in files.columns
    columns = [F.col(path_col).cast("string").alias("path")]
    if has_content:
        columns.append(F.col(content_col).alias("content"))
    inputs = files.select(*columns)
    spark = files.sparkSession
    options = {"registry": registry, "limits": limits, "has_content": has_content}

    roles = _attachment_roles(spark, inputs, options)
    converted = _convert(inputs, roles, options)
    converted = converted.persist(storage_level or StorageLevel.MEMORY_AND_DISK)
    return _tables(converted)


def _attachment_roles(spark: SparkSession, inputs: DataFrame, options: Dict[str, Any]) -> Dict[str, Tuple[str, str]]:
    """Which inputs are pages read with attachments among the inputs, and which are those
    attachments: ``{path: ("page", path) | ("attachment", page path)}``. The rule is the CLI's:
    for each link of a page, the first of its candidate names that is a file beside the page
    (other than the page and those already taken); pages in path order, a file two pages link
    belongs to the first, and a page that is an attachment itself claims nothing."""
    pages = inputs.where(F.lower(F.col("path")).rlike(r"\.(html|htm|shtml)$"))
    links = pages.mapInArrow(_links_batches(options), _LINKS)
    # (page, link number, rank, candidate path) for the candidates that are inputs.
    candidates = (
        links.select("path", F.posexplode("links").alias("link", "names"))
        .select("path", "link", F.posexplode("names").alias("rank", "name"))
        .withColumn("candidate", F.concat(F.regexp_extract("path", r"^(.*)/[^/]*$", 1), F.lit("/"), F.col("name")))
        .join(inputs.select(F.col("path").alias("candidate")), "candidate")
        .select("path", "link", "rank", "candidate")
    )
    found: Dict[str, Dict[int, List[Tuple[int, str]]]] = {}
    for row in candidates.collect():
        found.setdefault(row["path"], {}).setdefault(row["link"], []).append((row["rank"], row["candidate"]))
    roles: Dict[str, Tuple[str, str]] = {}
    for page in sorted(found):
        if page in roles:
            continue
        chosen: List[str] = []
        for link in sorted(found[page]):
            for _, candidate in sorted(found[page][link]):
                if candidate != page and candidate not in chosen:
                    chosen.append(candidate)
                    break
        for file in chosen:
            if file not in roles:
                roles[file] = ("attachment", page)
                roles[page] = ("page", page)
    return roles


def _convert(inputs: DataFrame, roles: Dict[str, Tuple[str, str]], options: Dict[str, Any]) -> DataFrame:
    """The per-file conversion, duplicates marked: files on their own in one pass (no shuffle of
    their contents), pages with their attachments grouped by page."""
    spark = inputs.sparkSession
    role_rows = [(path, role, page) for path, (role, page) in roles.items()]
    role_df = spark.createDataFrame(role_rows, "path string, role string, page string")
    with_roles = inputs.join(F.broadcast(role_df), "path", "left")
    # Attachments come back from their page's group, as rows that name the page.
    singles = with_roles.where(F.col("role").isNull())
    single_rows = singles.select("path", *(["content"] if options["has_content"] else []), "role", "page").mapInArrow(
        _convert_batches(options), _CONVERTED
    )
    grouped_cols = [F.struct("path", *(["content"] if options["has_content"] else [])).alias("file")]
    groups = (
        with_roles.where(F.col("role").isNotNull())
        .groupBy("page")
        .agg(F.collect_list(grouped_cols[0]).alias("files"))
    )
    group_rows = groups.mapInArrow(_convert_groups(options), _CONVERTED)
    converted = single_rows.unionByName(group_rows)
    # A notice an earlier file gave already (the least path) is a duplicate of that file.
    firsts = converted.where(F.col("status") == "ok").groupBy("notice_id").agg(F.min("path").alias("first_path"))
    marked = converted.join(firsts, "notice_id", "left")
    is_duplicate = (F.col("status") == "ok") & (F.col("path") != F.col("first_path"))
    return marked.select(
        "path",
        F.when(is_duplicate, F.lit("duplicate")).otherwise(F.col("status")).alias("status"),
        "notice_id",
        F.col("notice")
        .withField("status", F.when(is_duplicate, F.lit("duplicate")).otherwise(F.col("notice.status")))
        .withField("duplicate_of", F.when(is_duplicate, F.col("first_path")))
        .alias("notice"),
        "tasks",
        "diagnostics",
    )


def _tables(converted: DataFrame) -> NoticeTables:
    notices = converted.where(F.col("status").isin("ok", "duplicate")).select("notice.*")
    tasks = converted.where(F.col("status") == "ok").select(F.explode("tasks").alias("t")).select("t.*")
    offices = []
    for role, column in (("lead", "lead_offices"), ("support", "support_offices"), ("implementer", "implementers")):
        offices.append(
            tasks.select(
                "notice_id",
                F.col("id").alias("task_id"),
                F.lit(role).alias("role"),
                F.posexplode(column).alias("position", "office"),
                "issuer",
            ).select(
                "notice_id",
                "task_id",
                "role",
                (F.col("position") + 1).cast("long").alias("position"),
                "office.*",
                "issuer",
            )
        )
    task_offices = offices[0].unionByName(offices[1]).unionByName(offices[2])
    diagnostics = converted.select(F.explode("diagnostics").alias("d")).select("d.*")
    # Each table exactly as declared (columns, types, nullability).
    return NoticeTables(
        notices.to(NOTICES), tasks.to(TASKS), task_offices.to(TASK_OFFICES), diagnostics.to(DIAGNOSTICS), converted
    )


# --- What runs in the Python workers ------------------------------------------------------------


def _registry(options: Dict[str, Any]) -> Optional[_native.Registry]:
    registry = options.get("registry")
    if registry is None:
        return None
    if isinstance(registry, dict):
        return _native.Registry.from_json(json.dumps(registry, ensure_ascii=False), "<dict>")
    return _native.Registry.from_path(registry)


def _local_path(path: str) -> str:
    """A ``file:`` URI as a local path; other paths as they are."""
    if path.startswith("file://"):
        return path[len("file://") :]
    if path.startswith("file:"):
        return path[len("file:") :]
    return path


def _links_batches(options: Dict[str, Any]):
    def links(batches: Iterable[Any]) -> Iterator[Any]:
        import pyarrow as pa

        schema = _arrow_schema(_LINKS)
        for batch in batches:
            rows = []
            columns = batch.to_pydict()
            contents = columns.get("content")
            for n, path in enumerate(columns["path"]):
                try:
                    if contents is not None:
                        found = _native.attachment_candidates(contents[n] or b"", filename=path, limits=options["limits"])
                    else:
                        found = _native.attachment_candidates(_local_path(path), limits=options["limits"])
                except Exception:  # a page that cannot be read links nothing; its conversion says why
                    found = []
                if found:
                    rows.append({"path": path, "links": found})
            yield pa.RecordBatch.from_pylist(rows, schema=schema)

    return links


def _convert_batches(options: Dict[str, Any]):
    def convert(batches: Iterable[Any]) -> Iterator[Any]:
        import pyarrow as pa

        schema = _arrow_schema(_CONVERTED)
        registry = _registry(options)
        for batch in batches:
            columns = batch.to_pydict()
            contents = columns.get("content")
            rows = []
            for n, path in enumerate(columns["path"]):
                if columns["role"][n] == "attachment":
                    rows.append(_attachment_row(path, columns["page"][n]))
                    continue
                if contents is not None:
                    rows.append(_converted_row(path, lambda: _native.convert(
                        contents[n] or b"", filename=path, registry=registry, limits=options["limits"])))
                else:
                    rows.append(_converted_row(path, lambda: _native.convert(
                        _local_path(path), registry=registry, limits=options["limits"])))
            yield pa.RecordBatch.from_pylist(rows, schema=schema)

    return convert


def _convert_groups(options: Dict[str, Any]):
    def convert(batches: Iterable[Any]) -> Iterator[Any]:
        import pyarrow as pa

        schema = _arrow_schema(_CONVERTED)
        registry = _registry(options)
        for batch in batches:
            columns = batch.to_pydict()
            rows = []
            for page, files in zip(columns["page"], columns["files"]):
                by_path = {f["path"]: f for f in files}
                for path in sorted(by_path):
                    if path != page:
                        rows.append(_attachment_row(path, page))
                if page not in by_path:  # pragma: no cover - a page is always its own group's member
                    continue
                if "content" in by_path[page]:
                    beside = {p.rsplit("/", 1)[-1]: f["content"] or b"" for p, f in by_path.items() if p != page}
                    content = by_path[page]["content"] or b""
                    rows.append(_converted_row(page, lambda: _native.convert(
                        content, filename=page, beside=beside, registry=registry, limits=options["limits"])))
                else:
                    rows.append(_converted_row(page, lambda: _native.convert(
                        _local_path(page), registry=registry, limits=options["limits"])))
            yield pa.RecordBatch.from_pylist(rows, schema=schema)

    return convert


def _attachment_row(path: str, page: str) -> Dict[str, Any]:
    message = f"read with the notice page {page} that links it"
    return {
        "path": path,
        "status": "attachment",
        "diagnostics": [{"path": path, "severity": "info", "kind": READ_WITH_PAGE, "message": message}],
    }


def _converted_row(path: str, convert) -> Dict[str, Any]:
    """One file's row: its notice, tasks and diagnostics, or its failure as one diagnostic."""
    try:
        record = convert()
    except (KeyboardInterrupt, SystemExit):  # pragma: no cover
        raise
    except BaseException as error:  # one bad file never fails the job (pyo3's PanicException included)
        stage = getattr(error, "kind", None) or "internal"
        message = str(error) if isinstance(error, _native.NoticeIngestError) else f"{type(error).__name__}: {error}"
        if stage == "ledger":  # the file holds no ledger: skipped, as batch skips it (not --strict)
            skipped = {"path": path, "severity": "warning", "kind": NO_LEDGER, "stage": stage, "message": message}
            return {"path": path, "status": "skipped", "diagnostics": [skipped]}
        failure = {"path": path, "severity": "error", "kind": NOT_CONVERTED, "stage": stage, "message": message}
        return {"path": path, "status": "error", "diagnostics": [failure]}
    notice = record["notice"]
    notice_id = notice["id"]
    issuer = notice.get("issuer")
    counts = {"error": 0, "warning": 0, "info": 0}
    diagnostics = []
    for d in record["diagnostics"]:
        counts[d["severity"]] += 1
        location = d.get("location") or {}
        diagnostics.append(
            {"path": path, "notice_id": notice_id, "severity": d["severity"], "kind": d["kind"],
             "message": d["message"], "issuer": issuer, **location}
        )
    tasks = []
    for task in record["tasks"]:
        row = {"notice_id": notice_id, **task, "issuer": issuer}
        if "extra" in row:
            row["extra"] = list(row["extra"].items())
        tasks.append(row)
    source = notice["source"]
    return {
        "path": path,
        "status": "ok",
        "notice_id": notice_id,
        "notice": {
            "path": path,
            "status": "ok",
            "notice_id": notice_id,
            "schema_version": record["schema_version"],
            "registry": notice["registry"],
            "title": notice.get("title"),
            "doc_number": notice.get("doc_number"),
            "date": notice.get("date"),
            "published": notice.get("published"),
            "format": source["format"],
            "sha256": source["sha256"],
            "pages": source["pages"],
            "sources": notice.get("sources", []),
            "recipients": notice.get("recipients", []),
            "attachments": notice.get("attachments", []),
            "tasks": len(record["tasks"]),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "infos": counts["info"],
            "document": json.dumps(record, ensure_ascii=False, indent=2) + "\n",
            "issuer": issuer,
        },
        "tasks": tasks,
        "diagnostics": diagnostics,
    }


def _arrow_schema(schema: StructType):
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(schema)
