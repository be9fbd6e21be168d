"""The Python API against the CLI: the same records, the same messages, the GIL released."""

import ast
import json
import pathlib
import subprocess
import sys
import threading
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor

import pytest

import notice_ingest
from notice_ingest import _native

from conftest import ROOT, SEED, seed_renditions


def cli_json(cli, *args):
    """The CLI's document for one input, written to standard output (`-o -`)."""
    out = subprocess.run([cli, "convert", *args, "-o", "-"], cwd=ROOT, capture_output=True, check=False)
    assert out.returncode in (0, 1), out.stderr.decode()
    return out.stdout.decode("utf-8")


def cli_error(cli, *args):
    """The CLI's message for an input it cannot convert (`error: MESSAGE`) and its exit code."""
    out = subprocess.run([cli, "convert", *args, "-o", "-"], cwd=ROOT, capture_output=True, check=False)
    lines = [line for line in out.stderr.decode("utf-8").splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, out.stderr.decode()
    return lines[0][len("error: ") :], out.returncode


def as_cli_writes(record):
    """The record as `notice-ingest convert` writes it: pretty JSON, two spaces, UTF-8, newline."""
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.parametrize("rendition", seed_renditions())
def test_convert_equals_the_cli_json_for_every_seed_rendition(cli, at_root, rendition):
    expected = cli_json(cli, rendition)
    record = notice_ingest.convert(rendition)
    assert as_cli_writes(record) == expected
    assert notice_ingest.validate(record) == []
    assert len(record["tasks"]) > 0
    # The same bytes in memory give the same record (attachments come from `beside`, not a folder).
    data = pathlib.Path(rendition).read_bytes()
    if "attached/" not in rendition:
        assert notice_ingest.convert(data, filename=rendition) == record
    else:
        folder = pathlib.Path(rendition).parent
        beside = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name != "notice.html"}
        assert notice_ingest.convert(data, filename=rendition, beside=beside) == record
        assert len(record["notice"]["sources"]) == 2, "the page and its attachment"


def test_the_seed_record_is_the_golden(at_root):
    record = notice_ingest.convert(pathlib.Path("fixtures/seed/000_289293f812862803.txt"))
    golden = json.loads((ROOT / "fixtures/seed/000_289293f812862803.expected.json").read_text(encoding="utf-8"))
    assert record == golden
    assert list(record) == ["schema_version", "notice", "sections", "tasks", "diagnostics"], "the CLI's key order"


def make_bad_inputs(tmp):
    corrupt = tmp / "corrupt.pdf"
    corrupt.write_bytes(bytes((i * 2654435761 >> 11) & 0xFF for i in range(4096)))
    legacy = tmp / "old.doc"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    empty = tmp / "empty.txt"
    empty.write_bytes(b"")
    no_ledger = tmp / "no-ledger.txt"
    no_ledger.write_text("# 甘肃省教育厅\n\n## 关于某事的通知\n\n各处室：请做好有关工作。\n", encoding="utf-8")
    return {
        "corrupt": (corrupt, "source", 1),
        "legacy": (legacy, "legacy-office", 1),
        "empty": (empty, "source", 1),
        "no-ledger": (no_ledger, "ledger", 1),
        "scanned": (ROOT / "fixtures/pdf/scanned.pdf", "scan", 1),
        "missing": (tmp / "missing.txt", "source", 2),
        "directory": (tmp, "source", 2),
    }


@pytest.mark.parametrize("case", ["corrupt", "legacy", "empty", "no-ledger", "scanned", "missing", "directory"])
def test_errors_raise_with_the_cli_message_kind_and_exit_code(cli, tmp_path, case):
    path, kind, exit_code = make_bad_inputs(tmp_path)[case]
    message, code = cli_error(cli, str(path))
    assert code == exit_code
    with pytest.raises(notice_ingest.NoticeIngestError) as caught:
        notice_ingest.convert(str(path))
    error = caught.value
    assert str(error) == message
    assert (error.kind, error.exit_code) == (kind, exit_code)
    assert isinstance(error, notice_ingest.InputError if exit_code == 1 else notice_ingest.ReadError)
    if case not in ("missing", "directory"):
        # The file's bytes fail the same way, under the name they are given.
        with pytest.raises(notice_ingest.NoticeIngestError) as caught:
            notice_ingest.convert(path.read_bytes(), filename=str(path))
        assert (str(caught.value), caught.value.kind) == (message, kind)


def test_limits_and_registries_are_the_cli_flags(cli, at_root, tmp_path):
    pdf = "fixtures/pdf/seed-libreoffice.pdf"
    message, code = cli_error(cli, pdf, "--max-pages", "2")
    with pytest.raises(notice_ingest.InputError) as caught:
        notice_ingest.convert(pdf, limits={"max_pages": 2})
    assert (str(caught.value), code) == (message, 1)
    for bad in ({"max_pages": 0}, {"time_budget": -1.0}, {"pages": 3}):
        with pytest.raises(ValueError):
            notice_ingest.convert(pdf, limits=bad)

    # A registry file, its dict, its text and a loaded Registry all give the CLI's --registry record.
    registry_path = ROOT / "src/data/registries/gansu-jyt.json"
    other = "fixtures/ledgers/other-issuer.html"
    expected = cli_json(cli, other, "--registry", str(registry_path))
    text = registry_path.read_text(encoding="utf-8")
    loaded = notice_ingest.Registry.from_path(registry_path)
    for registry in (str(registry_path), registry_path, json.loads(text), loaded, notice_ingest.Registry.from_json(text)):
        assert as_cli_writes(notice_ingest.convert(other, registry=registry)) == expected
    assert (loaded.id, loaded.issuer) == ("gansu-jyt", "甘肃省教育厅")
    assert len(loaded.entries()) > 10

    bad = tmp_path / "registry.json"
    bad.write_text('{"id": "x", "issuer": "某厅", "entries": [{"code": "Bad Code", "kind": "office", "name": "甲处"}]}')
    message, code = cli_error(cli, other, "--registry", str(bad))
    with pytest.raises(notice_ingest.ReadError) as caught:
        notice_ingest.convert(other, registry=str(bad))
    assert (str(caught.value), caught.value.exit_code, caught.value.kind) == (message, code, "office")
    with pytest.raises(TypeError):
        notice_ingest.convert(other, registry=42)


def test_split_shows_what_the_cli_split_shows(cli):
    offices, diagnostics = notice_ingest.split("基教处高教处职教处")
    assert [o["code"] for o in offices] == ["gsjyt.jijiao", "gsjyt.gaojiao", "gsjyt.zhicheng"]
    assert [o["raw"] for o in offices] == ["基教处", "高教处", "职教处"]
    assert [d["kind"] for d in diagnostics] == ["office-alias"]
    out = subprocess.run([cli, "split", "基教处高教处职教处"], capture_output=True, check=True)
    shown = [line.split(" -> ")[1].split()[0] for line in out.stdout.decode().splitlines()]
    assert shown == [o["code"] for o in offices]
    unknown, diagnostics = notice_ingest.split("某某中心（牵头）")
    assert unknown[0]["code"] is None and unknown[0]["marker"] == "牵头"


def test_validate_lists_the_problems_the_cli_prints(cli, at_root, tmp_path):
    record = notice_ingest.convert("fixtures/seed/000_289293f812862803.txt")
    del record["tasks"][0]["seq"]
    record["tasks"][1]["lead_offices"][0]["raw"] = 7
    problems = notice_ingest.validate(record)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([cli, "validate", str(broken)], capture_output=True, check=False)
    assert out.returncode == 1
    printed = out.stdout.decode().splitlines()[:-1]
    assert [f"{broken}: {p['instance_path']}: {p['message']} (schema {p['schema_path']})" for p in problems] == printed
    assert {p["instance_path"] for p in problems} == {"/tasks/0", "/tasks/1/lead_offices/0/raw"}
    assert notice_ingest.validate(json.dumps(record)) == problems, "JSON text validates as the dict does"
    with pytest.raises(ValueError):
        notice_ingest.validate("{not json")


def test_schema_version_and_stubs():
    assert notice_ingest.schema() == json.loads((ROOT / "schemas/notice.schema.json").read_text(encoding="utf-8"))
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))
    assert notice_ingest.__version__ == cargo["package"]["version"]
    assert notice_ingest.SCHEMA_VERSION == "1.3.0"
    assert "docx" in notice_ingest.NOTICE_EXTENSIONS
    # Every public name of the native module has a stub, so editors complete it.
    stub = ast.parse((pathlib.Path(_native.__file__).parent / "_native.pyi").read_text(encoding="utf-8"))
    stubbed = set()
    for node in stub.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            stubbed.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            stubbed.add(node.target.id)
    public = {name for name in dir(_native) if not name.startswith("_") or name == "__version__"}
    assert public <= stubbed, public - stubbed
    assert (pathlib.Path(_native.__file__).parent / "py.typed").exists()


def test_attachment_candidates_name_the_files_beside_a_page(at_root):
    assert notice_ingest.attachment_candidates("fixtures/attached/notice.html")[0][0] == "P020230815385112641829.xlsx"
    assert notice_ingest.attachment_candidates("fixtures/seed/000_289293f812862803.txt") == []


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    paths = _native._generate_corpus(SEED.read_text(encoding="utf-8"), folder, 200)
    return [(str(p), pathlib.Path(p).read_bytes()) for p in paths]


def test_conversion_releases_the_gil(generated):
    """While one thread is inside `convert`, another runs Python. Were the GIL held for the whole
    call, the other thread could run only within a switch interval of the call's ends; it is
    looked for in the middle of calls that last longer than that. The interval is shortened for
    the test to a twentieth of the shortest call measured here first, so that the calls are long
    enough however fast this machine and this build convert."""
    big = max(generated, key=lambda item: len(item[1]))
    alone = []
    for _ in range(3):
        started = time.perf_counter()
        notice_ingest.convert(big[1], filename=big[0])
        alone.append(time.perf_counter() - started)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(0.0005, max(min(alone) / 20, 1e-5)))
    try:
        _look_inside_calls(big)
    finally:
        sys.setswitchinterval(previous)


def _look_inside_calls(big):
    calls = []
    stop = threading.Event()

    def converter():
        for _ in range(20):
            started = time.perf_counter()
            notice_ingest.convert(big[1], filename=big[0])
            calls.append((started, time.perf_counter()))
        stop.set()

    ticks = []
    thread = threading.Thread(target=converter)
    thread.start()
    while not stop.is_set():
        ticks.append(time.perf_counter())
        deadline = time.perf_counter() + 50e-6
        while time.perf_counter() < deadline:
            pass
    thread.join()
    margin = 3 * sys.getswitchinterval()
    windows = [(a + margin, b - margin) for a, b in calls if b - a > 3 * margin]
    inside = sum(1 for t in ticks for a, b in windows if a < t < b)
    print(f"\n{len(windows)} calls longer than {3 * margin * 1000:.2f} ms; {inside} ticks of the other thread inside them")
    assert windows, "no call lasted long enough to look inside it"
    assert inside > 0, "no Python ran while convert ran: is the GIL released?"


def test_four_threads_convert_200_notices_as_one_does(generated):
    """The ratio is printed, not asserted (timings belong in benchmarks on a shared machine)."""

    def run(threads):
        started, cpu = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(threads) as pool:
            records = list(pool.map(lambda item: notice_ingest.convert(item[1], filename=item[0]), generated))
        return records, time.perf_counter() - started, time.process_time() - cpu

    notice_ingest.convert(generated[0][1], filename=generated[0][0])  # the built-in configuration, made once
    one, wall_1, _ = run(1)
    four, wall_4, cpu_4 = run(4)
    print(
        f"\n200 notices: 1 thread {wall_1:.2f} s, 4 threads {wall_4:.2f} s: speed-up {wall_1 / wall_4:.2f}x"
        f" (4 threads used {cpu_4 / wall_4:.2f} cores)"
    )
    assert four == one, "threads give the same records, in order"
    assert len({r["notice"]["id"] for r in one}) == 200
