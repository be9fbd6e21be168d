"""notice_ingest.spark against `notice-ingest batch`: pyspark in local[2] over the fixtures, 500
generated notices and one corrupt file; the tasks table holds exactly the rows of tasks.jsonl."""

import collections
import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from notice_ingest import _native

from conftest import ROOT, SEED

if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    message = "Java is missing: the Spark tests are SKIPPED (install openjdk-17-jre-headless; .ci/run does)"
    print("\n" + "!" * len(message) + "\n" + message + "\n" + "!" * len(message), file=sys.stderr)
    pytest.skip(message, allow_module_level=True)

from pyspark.sql import SparkSession  # noqa: E402

# OCR unavailable for this module (the batch it compares with, and Spark's workers, inherit it): the
# scans among the fixtures then fail fast, the same way in both, with the error that says what to
# install, instead of being read by tesseract for minutes twice (tests/scans scores the OCR).
os.environ["NOTICE_INGEST_TESSERACT"] = "/nonexistent/tesseract"

from notice_ingest.spark import DIAGNOSTICS, NOTICES, TASK_OFFICES, TASKS, convert_files, read_files  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    # The Python workers run this interpreter (the one with notice_ingest installed).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("notice-ingest-tests")
        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def archive(tmp_path_factory, cli):
    """The fixtures plus 500 generated notices and one corrupt file, and batch's output for them."""
    tmp = tmp_path_factory.mktemp("archive")
    corpus = tmp / "corpus"
    _native._generate_corpus(SEED.read_text(encoding="utf-8"), corpus, 500)
    corrupt = corpus / "batch-004" / "corrupt.pdf"
    corrupt.write_bytes(bytes((i * 2654435761 >> 11) & 0xFF for i in range(4096)))
    out = tmp / "batch"
    run = subprocess.run(
        [cli, "batch", str(ROOT / "fixtures"), str(corpus), "-o", str(out), "--jobs", "2"],
        capture_output=True,
        check=False,
    )
    assert run.returncode == 1, "the corrupt file fails the batch: " + run.stderr.decode()[-2000:]
    return {"inputs": [str(ROOT / "fixtures"), str(corpus)], "batch": out, "corrupt": corrupt}


def without_nulls(value):
    """A value with its null members left out (JSONL omits some optional fields, Spark has nulls)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def canonical(row):
    return json.dumps(without_nulls(row), ensure_ascii=False, sort_keys=True)


@pytest.fixture(scope="module")
def tables(spark, archive):
    tables = convert_files(read_files(spark, *archive["inputs"]))
    yield tables
    tables.unpersist()


def test_the_tables_have_their_declared_schemas(tables):
    assert tables.notices.schema == NOTICES
    assert tables.tasks.schema == TASKS
    assert tables.task_offices.schema == TASK_OFFICES
    assert tables.diagnostics.schema == DIAGNOSTICS


def test_the_tasks_table_holds_exactly_the_rows_batch_writes(tables, archive):
    lines = (archive["batch"] / "tasks.jsonl").read_text(encoding="utf-8").splitlines()
    expected = collections.Counter(canonical(json.loads(line)) for line in lines)
    rows = [row.asDict(recursive=True) for row in tables.tasks.collect()]
    for row in rows:
        del row["issuer"]
    got = collections.Counter(canonical(row) for row in rows)
    print(f"\n{len(lines)} task rows from batch, {len(rows)} from Spark")
    missing, extra = expected - got, got - expected
    assert not missing and not extra, f"{len(missing)} rows only in tasks.jsonl (first: {next(iter(missing), None)}), {len(extra)} only in Spark (first: {next(iter(extra), None)})"
    assert len(rows) > 5000


def test_files_are_reported_as_batch_reports_them(tables, archive):
    report = json.loads((archive["batch"] / "report.json").read_text(encoding="utf-8"))
    by_status = collections.defaultdict(set)
    for f in report["files"]:
        by_status[f["status"]].add(pathlib.Path(f["path"]).resolve().as_posix())

    def local(path):
        return pathlib.Path(path.removeprefix("file:")).as_posix()

    def paths(rows):
        listed = [local(r["path"]) for r in rows]
        assert len(listed) == len(set(listed)), "one row per file"
        return set(listed)

    notices = tables.notices.select("path", "status", "notice_id", "tasks").collect()
    for status in ("ok", "duplicate"):
        assert paths(n for n in notices if n["status"] == status) == by_status[status], status
    assert by_status["duplicate"] and by_status["attachment"], "the inputs have duplicates and attachments"
    diagnostics = tables.diagnostics
    failed = diagnostics.where("kind = 'not-converted'").select("path", "severity", "stage", "message").collect()
    assert paths(failed) == by_status["error"]
    skipped = diagnostics.where("kind = 'no-ledger'").select("path", "severity").collect()
    assert by_status["skipped"], "the inputs hold a file without a ledger"
    assert paths(skipped) == by_status["skipped"]
    assert {d["severity"] for d in skipped} == {"warning"}
    attached = diagnostics.where("kind = 'read-with-page'").select("path").collect()
    assert paths(attached) == by_status["attachment"]
    corrupt = [d for d in failed if local(d["path"]) == archive["corrupt"].as_posix()]
    assert len(corrupt) == 1, "the corrupt file is one diagnostics row"
    assert corrupt[0]["severity"] == "error" and corrupt[0]["stage"] == "source"
    assert "unrecognised format" in corrupt[0]["message"]
    # Every converted notice's diagnostics are rows too, one per diagnostic of its record.
    counted = sum(r["errors"] + r["warnings"] + r["infos"] for r in tables.notices.collect())
    assert diagnostics.where("stage IS NULL AND kind != 'read-with-page'").count() == counted


def test_task_offices_list_every_office_of_every_task(tables):
    tasks = tables.tasks.collect()
    expected = sum(len(t["lead_offices"]) + len(t["support_offices"]) + len(t["implementers"]) for t in tasks)
    assert tables.task_offices.count() == expected
    first = tables.task_offices.where("role = 'lead' AND position = 1").limit(1).collect()[0]
    task = [t for t in tasks if t["id"] == first["task_id"]][0]
    assert first["code"] == task["lead_offices"][0]["code"]
    assert first["raw"] == task["lead_offices"][0]["raw"]


def test_the_documents_are_the_cli_records(tables, cli):
    row = tables.notices.where("path LIKE '%/fixtures/seed/000_289293f812862803.txt'").collect()[0]
    record = json.loads(row["document"])
    expected = subprocess.run(
        [cli, "convert", row["path"].removeprefix("file:"), "-o", "-"], capture_output=True, check=True
    ).stdout.decode()
    expected_record = json.loads(expected)
    expected_record["notice"]["source"]["path"] = row["path"]
    expected_record["notice"]["sources"][0]["path"] = row["path"]
    assert record == expected_record, "the CLI's record, named by the path Spark gives"


def test_paths_alone_convert_as_contents_do(spark, tables, archive):
    seed_dir = (ROOT / "fixtures" / "attached").as_posix()
    paths = read_files(spark, seed_dir).select("path")
    from_paths = convert_files(paths)
    try:
        keys = lambda df: sorted(canonical(r.asDict(recursive=True)) for r in df.collect())  # noqa: E731
        from_contents = tables.tasks.join(
            tables.notices.where(f"path LIKE 'file:{seed_dir}/%'").select("notice_id"), "notice_id", "left_semi"
        )
        assert keys(from_paths.tasks) == keys(from_contents.select(*from_paths.tasks.columns))
        assert from_paths.diagnostics.where("kind = 'read-with-page'").count() == 2
        assert from_paths.tasks.count() == 34 + 34 + 10, "the notice once, and the two ledgers alone"
    finally:
        from_paths.unpersist()


def test_the_example_job_writes_parquet_tables_by_issuer(spark, tmp_path):
    spec = importlib.util.spec_from_file_location("spark_to_parquet", ROOT / "examples" / "spark_to_parquet.py")
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    out = tmp_path / "tables"
    job.run(spark, [str(ROOT / "fixtures" / "seed"), str(ROOT / "fixtures" / "ledgers")], str(out))
    for table in ("notices", "tasks", "task_offices", "diagnostics"):
        assert (out / table / "_SUCCESS").exists(), table
    issuers = sorted(p.name for p in (out / "tasks").iterdir() if p.is_dir())
    assert "issuer=甘肃省教育厅" in issuers and len(issuers) >= 2, issuers
    tasks = spark.read.parquet(str(out / "tasks"))
    assert tasks.where("issuer = '甘肃省教育厅'").count() > 34
