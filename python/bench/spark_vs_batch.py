"""Notices per second: Spark local[2] (notice_ingest.spark) against `notice-ingest batch --jobs 2`.

    python python/bench/spark_vs_batch.py [N]        # N generated notices, default 1000

Needs the package installed (`pip install ./python`), pyspark with Java 17+, and the release CLI
(`cargo build --release`). Generates N notices from the seed in a temporary folder, then times:

- `batch --jobs 2` writing its outputs (notices/*.json, tasks.jsonl, tasks.csv, report.json);
- Spark local[2] writing the four tables as Parquet (the example job), the session started
  beforehand (its start-up is printed apart);
- the two ways of running the conversion in Spark's Python workers, counting the per-file rows
  only: `mapInArrow` (the module's choice: rows built as Arrow batches in the worker) and a
  pandas UDF returning each file's row as JSON that the JVM parses with `from_json`.

Timings move with other load on a shared machine: run it on a quiet one, several times.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    import pandas as pd
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from notice_ingest import _native, spark as ni_spark

    cli = ROOT / "target" / "release" / "notice-ingest"
    if not cli.exists():
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        corpus = tmp / "corpus"
        seed = (ROOT / "fixtures/seed/000_289293f812862803.txt").read_text(encoding="utf-8")
        _native._generate_corpus(seed, corpus, n)

        started = time.perf_counter()
        subprocess.run([str(cli), "batch", str(corpus), "-o", str(tmp / "batch"), "--jobs", "2"], check=True,
                       capture_output=True)
        batch_s = time.perf_counter() - started
        tasks = sum(1 for _ in open(tmp / "batch" / "tasks.jsonl", encoding="utf-8"))

        started = time.perf_counter()
        os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers run this interpreter
        spark = (
            SparkSession.builder.master("local[2]").appName("notice-ingest-bench")
            .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "2g").getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        startup_s = time.perf_counter() - started
        files = ni_spark.read_files(spark, str(corpus))
        # Warm the Python workers (imports, the library's configuration) as a long job would be.
        ni_spark.convert_files(files.limit(4)).converted.count()

        started = time.perf_counter()
        tables = ni_spark.convert_files(files)
        for name in ("notices", "tasks", "task_offices", "diagnostics"):
            getattr(tables, name).write.mode("overwrite").partitionBy("issuer").parquet(str(tmp / "parquet" / name))
        spark_s = time.perf_counter() - started
        spark_tasks = spark.read.parquet(str(tmp / "parquet" / "tasks")).count()
        tables.unpersist()

        # The conversion alone, both ways (the per-file rows, counted).
        options = {"registry": None, "limits": None, "has_content": True}
        inputs = files.select("path", "content", F.lit(None).cast("string").alias("role"),
                              F.lit(None).cast("string").alias("page"))
        started = time.perf_counter()
        arrow_rows = inputs.mapInArrow(ni_spark._convert_batches(options), ni_spark._CONVERTED).count()
        arrow_s = time.perf_counter() - started

        @F.pandas_udf("string")
        def as_json(paths: pd.Series, contents: pd.Series) -> pd.Series:
            return pd.Series([
                json.dumps(ni_spark._converted_row(p, lambda: _native.convert(c, filename=p)), ensure_ascii=False)
                for p, c in zip(paths, contents)
            ])

        started = time.perf_counter()
        pandas_rows = (
            files.select(F.from_json(as_json("path", "content"), ni_spark._CONVERTED).alias("r"))
            .select("r.*").where(F.size("tasks") >= 0).count()
        )
        pandas_s = time.perf_counter() - started
        spark.stop()

    print(f"{n} generated notices ({tasks} tasks; Spark wrote {spark_tasks}), 2 cores")
    print(f"| run | seconds | notices/s |")
    print(f"|---|---|---|")
    print(f"| `batch --jobs 2` (JSON, JSONL, CSV, report) | {batch_s:.2f} | {n / batch_s:.0f} |")
    print(f"| Spark local[2], four Parquet tables | {spark_s:.2f} | {n / spark_s:.0f} |")
    print(f"| Spark local[2], conversion only: mapInArrow | {arrow_s:.2f} | {arrow_rows / arrow_s:.0f} |")
    print(f"| Spark local[2], conversion only: pandas UDF + from_json | {pandas_s:.2f} | {pandas_rows / pandas_s:.0f} |")
    print(f"Spark session start-up (not counted above): {startup_s:.1f} s")


if __name__ == "__main__":
    main()
