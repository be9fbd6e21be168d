"""Converts a folder of notices into Parquet tables partitioned by issuer, on Spark.

    spark-submit --master 'local[*]' examples/spark_to_parquet.py archive/ out/

(or `--master yarn`/`spark://…` on a cluster whose executors have the `notice_ingest` wheel:
`pip install notice-ingest[spark]` on each, or `--py-files`-free with `spark.archives` holding a
virtualenv). Writes `out/notices`, `out/tasks`, `out/task_offices` and `out/diagnostics`, each
partitioned by `issuer`; a file that cannot be converted is a row of `out/diagnostics`, never a
failed job. See notice_ingest.spark for the tables' columns.
"""

import argparse

from pyspark.sql import SparkSession

from notice_ingest.spark import convert_files, read_files


def run(spark, inputs, out, registry=None):
    """Converts the notice files under `inputs` and writes the four tables under `out`."""
    tables = convert_files(read_files(spark, *inputs), registry=registry)
    try:
        for name in ("notices", "tasks", "task_offices", "diagnostics"):
            getattr(tables, name).write.mode("overwrite").partitionBy("issuer").parquet(f"{out}/{name}")
    finally:
        tables.unpersist()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="folders or files of notices (local paths or URIs)")
    parser.add_argument("out", help="folder the Parquet tables are written to")
    parser.add_argument("--registry", help="an office registry file for every notice (readable by every executor)")
    args = parser.parse_args()
    spark = SparkSession.builder.appName("notice-ingest").getOrCreate()
    run(spark, args.inputs, args.out, args.registry)
    spark.stop()


if __name__ == "__main__":
    main()
