//! `notice-ingest serve`: the API over loopback, run as the real executable (conversions, errors
//! with the CLI's messages, the body limit, the bound on concurrent conversions, the token), and
//! the page drawings (`draw.rs`).

mod draw;
mod http;

use std::sync::Arc;

use serde_json::Value;

use super::{root, run, text};
use http::Server;

const SEED_PDF: &str = "fixtures/pdf/seed-libreoffice.pdf";

fn read(path: &str) -> Vec<u8> {
    std::fs::read(root().join(path)).unwrap()
}

/// What `convert FILE -o -` prints, as JSON.
fn cli_json(path: &str) -> Value {
    let out = run(&["convert", path, "-o", "-"]);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{path}: {}", text(&out.stderr)))
}

#[test]
fn the_seed_pdf_converts_to_its_34_tasks_in_every_output() {
    let server = Server::start(&[]);
    let reply = server.post_form("/api/convert", "seed-libreoffice.pdf", &read(SEED_PDF), &[], &[]);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("x-task-count"), Some("34"));
    let doc = reply.json();
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 34);
    let cli = cli_json(SEED_PDF);
    assert_eq!(doc["tasks"], cli["tasks"], "the same tasks as the CLI");
    assert_eq!(doc["notice"]["id"], cli["notice"]["id"]);
    assert_eq!(doc["notice"]["source"]["path"], "seed-libreoffice.pdf");

    // A raw body named by the header, as CSV and JSON Lines.
    let raw = [("X-File-Name", "seed-libreoffice.pdf")];
    let csv = server.request("POST", "/api/convert?format=csv", &raw, &read(SEED_PDF));
    assert_eq!(csv.status, 200, "{}", csv.text());
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.header("content-disposition").unwrap().contains("filename=\"seed-libreoffice.csv\""));
    let rows = csv::Reader::from_reader(&csv.body[3..]).records().count();
    assert_eq!(rows, 34);
    let jsonl = server.request("POST", "/api/convert?format=jsonl&name=seed.pdf", &[], &read(SEED_PDF));
    assert_eq!(jsonl.status, 200, "{}", jsonl.text());
    assert_eq!(jsonl.text().lines().count(), 34);

    let xlsx = server.request("POST", "/api/convert?format=xlsx", &raw, &read(SEED_PDF));
    assert_eq!(xlsx.status, 200, "{}", xlsx.text());
    assert_eq!(xlsx.header("content-type"), Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
    assert!(xlsx.header("content-disposition").unwrap().contains("filename*=UTF-8''seed-libreoffice.xlsx"));
    let back = notice_ingest::convert_bytes(&xlsx.body, "back.xlsx", &notice_ingest::Config::default()).unwrap();
    assert_eq!(back.tasks.len(), 34, "the workbook reads back");

    let schema = server.get("/api/schema", &[]);
    assert_eq!(schema.status, 200);
    assert_eq!(schema.body, read("schemas/notice.schema.json"));
    let health = server.get("/healthz", &[]).json();
    assert_eq!((health["status"].as_str(), health["running"].as_u64()), (Some("ok"), Some(0)));
}

/// The service runs on 4 KiB pages, as a batch does (`KEEP_PAGES_SMALL` in `src/main.rs`), even
/// where the system gives huge pages to every process: Linux shows the process's setting in its
/// status.
#[cfg(target_os = "linux")]
#[test]
fn the_service_keeps_its_pages_small() {
    let server = Server::start(&[]);
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    // Kernels before 5.0 do not show it.
    if let Some(line) = status.lines().find(|l| l.starts_with("THP_enabled:")) {
        assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
    }
}

#[test]
fn bad_input_is_4xx_with_the_cli_message_and_kind() {
    let server = Server::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let mut corrupt = read(SEED_PDF);
    corrupt.truncate(900);
    for (name, bytes, kind) in [
        ("broken.pdf", corrupt.as_slice(), "pdf"),
        ("random.bin", b"\x00\x01\x02 not a notice \xff\xfe".as_slice(), "unknown-format"),
        ("empty.txt", b"".as_slice(), "empty"),
    ] {
        let reply = server.post_form("/api/convert", name, bytes, &[], &[]);
        assert_eq!(reply.status, 422, "{name}: {}", reply.text());
        let error = &reply.json()["error"];
        assert_eq!(error["kind"], kind, "{name}: {error}");
        assert_eq!(error["cli_exit_code"], 1, "{name}");
        // The CLI, given the same bytes under the same name, prints the same message.
        std::fs::write(tmp.path().join(name), bytes).unwrap();
        let cli = std::process::Command::new(env!("CARGO_BIN_EXE_notice-ingest"))
            .args(["convert", name, "-o", "-"])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(cli.status.code(), Some(1));
        assert_eq!(text(&cli.stderr).trim_end(), format!("error: {}", error["message"].as_str().unwrap()), "{name}");
    }
    let no_name = server.request("POST", "/api/convert", &[], b"some bytes");
    assert_eq!(no_name.status, 400);
    assert_eq!(no_name.json()["error"]["kind"], "bad-request");
    let bad_format = server.post_form("/api/convert?format=docx", "a.txt", b"x", &[], &[]);
    assert_eq!(bad_format.status, 400);
    assert!(bad_format.json()["error"]["message"].as_str().unwrap().contains("use json, jsonl, csv or xlsx"));
    let form = "--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nno file here\r\n--b--\r\n";
    let no_file =
        server.request("POST", "/api/convert", &[("Content-Type", "multipart/form-data; boundary=b")], form.as_bytes());
    assert_eq!(no_file.status, 400, "{}", no_file.text());
    assert!(no_file.json()["error"]["message"].as_str().unwrap().contains("holds no file"));
    assert_eq!(server.get("/api/nothing", &[]).json()["error"]["kind"], "not-found");
}

#[test]
fn a_body_over_the_limit_is_413() {
    let server = Server::start(&["--max-body-mib", "1", "--max-input-mib", "1"]);
    let big = vec![b'x'; 2 * 1024 * 1024];
    let declared = server.request("POST", "/api/convert", &[("X-File-Name", "big.txt")], &big);
    assert_eq!(declared.status, 413, "{}", declared.text());
    assert_eq!(declared.json()["error"]["kind"], "body-too-large");
    let streamed =
        server.request("POST", "/api/convert", &[("X-File-Name", "big.txt"), ("Transfer-Encoding", "chunked")], &big);
    assert_eq!(streamed.status, 413, "a chunked body is cut at the limit: {}", streamed.text());
    let (content_type, form) = http::multipart("big.txt", &big, &[]);
    let multipart = server.request(
        "POST",
        "/api/convert",
        &[("Content-Type", content_type.as_str()), ("Transfer-Encoding", "chunked")],
        &form,
    );
    assert_eq!(multipart.status, 413, "{}", multipart.text());
    // Within the body limit but above the input limit: the CLI's own limit and message.
    let server = Server::start(&["--max-input-mib", "1"]);
    let reply = server.request("POST", "/api/convert", &[("X-File-Name", "big.txt")], &big[..1_500_000]);
    assert_eq!(reply.status, 413, "{}", reply.text());
    let error = &reply.json()["error"];
    assert_eq!(error["kind"], "too-large");
    assert_eq!(error["message"], "big.txt is 1500000 bytes, above the input limit of 1048576 bytes");
}

#[test]
fn requests_past_the_bound_are_queued_or_refused_and_the_server_goes_on() {
    let server = Arc::new(Server::start(&["--workers", "1", "--queue", "2", "--queue-wait", "1"]));
    let pdf = Arc::new(read(SEED_PDF));
    let replies: Vec<_> = (0..12)
        .map(|i| {
            let (server, pdf) = (server.clone(), pdf.clone());
            std::thread::spawn(move || server.post_form("/api/convert", &format!("seed-{i}.pdf"), &pdf, &[], &[]))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().expect("a client thread"))
        .collect();
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let busy: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert_eq!(ok + busy.len(), 12, "only 200 or 503: {:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(ok >= 1, "the admitted requests are served");
    assert!(busy.len() >= 9, "1 running and 2 waiting at most; the rest refused at once ({} refused)", busy.len());
    for reply in &busy {
        assert!(reply.header("retry-after").is_some_and(|s| s.parse::<u32>().is_ok()));
        assert_eq!(reply.json()["error"]["kind"], "busy");
    }
    for reply in replies.iter().filter(|r| r.status == 200) {
        assert_eq!(reply.json()["tasks"].as_array().unwrap().len(), 34);
    }
    // Still serving, with every slot free again.
    let again = server.post_form("/api/convert", "seed.pdf", &pdf, &[], &[]);
    assert_eq!(again.status, 200);
    let health = server.get("/healthz", &[]).json();
    assert_eq!((health["running"].as_u64(), health["queued"].as_u64()), (Some(0), Some(0)), "{health}");
}

#[test]
fn the_time_budget_and_the_token_apply() {
    let server = Server::start(&["--time-budget", "0.001", "--token", "0123456789abcdef-token"]);
    let bearer = [("Authorization", "Bearer 0123456789abcdef-token")];
    let refused = server.post_form("/api/convert", "seed.pdf", &read(SEED_PDF), &[], &[]);
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
    let wrong = server.post_form("/api/convert", "seed.pdf", &read(SEED_PDF), &[], &[("Authorization", "Bearer nope")]);
    assert_eq!(wrong.status, 401);
    assert_eq!(server.get("/api/schema", &[]).status, 401);
    assert_eq!(server.get("/healthz", &[]).status, 200, "health needs no token");
    assert_eq!(server.get("/", &[]).status, 200, "the page needs no token (it asks for one)");
    let over_budget = server.post_form("/api/convert", "seed.pdf", &read(SEED_PDF), &[], &bearer);
    assert_eq!(over_budget.status, 422, "{}", over_budget.text());
    let error = &over_budget.json()["error"];
    assert_eq!(error["kind"], "time-budget");
    assert!(error["message"].as_str().unwrap().contains("the time budget of 0.0 s ran out"), "{error}");
}

#[test]
fn the_page_and_its_assets_are_served_from_the_binary() {
    let server = Server::start(&[]);
    let page = server.get("/", &[]);
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.header("content-security-policy").unwrap().contains("script-src 'self'"));
    assert!(page.text().contains("通知任务台账审阅"));
    for (path, kind) in [("/app.js", "text/javascript"), ("/app.css", "text/css"), ("/favicon.svg", "image/svg+xml")] {
        let asset = server.get(path, &[]);
        assert_eq!(asset.status, 200, "{path}");
        assert!(asset.header("content-type").unwrap().starts_with(kind), "{path}");
    }
    assert!(!page.text().contains("http://") && !page.text().contains("https://"), "no outside address");
}

#[test]
fn the_draw_route_outlines_the_cells_sent() {
    let server = Server::start(&[]);
    let doc = cli_json(SEED_PDF);
    let task = &doc["tasks"][4];
    let page = task["provenance"]["pages"][0].as_u64().unwrap();
    let tasks = serde_json::to_string(&[task]).unwrap();
    let reply =
        server.post_form(&format!("/api/draw?page={page}"), "seed.pdf", &read(SEED_PDF), &[("tasks", &tasks)], &[]);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("image/svg+xml"));
    assert_eq!(reply.header("x-page-count"), Some("11"));
    let listed = task["provenance"]["cells"].as_array().unwrap().iter().filter(|c| c["page"] == page).count();
    assert_eq!(reply.text().matches("<rect class=\"cell ").count(), listed);
    assert_eq!(reply.header("x-cells-outlined"), Some(listed.to_string().as_str()));
    let missing = server.post_form("/api/draw?page=99", "seed.pdf", &read(SEED_PDF), &[], &[]);
    assert_eq!(missing.status, 422);
    assert_eq!(missing.json()["error"]["message"], "seed.pdf: page 99 does not exist: the PDF has 11 page(s)");
    let bad_tasks = server.post_form("/api/draw", "seed.pdf", &read(SEED_PDF), &[("tasks", "[{}]")], &[]);
    assert_eq!(bad_tasks.status, 400);
}
