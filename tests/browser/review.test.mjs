// The review page of `notice-ingest serve` in a real browser: Debian's Chromium
// (/usr/bin/chromium, or $CHROMIUM), driven by playwright-core, which never downloads a browser.
//
// Starts the release binary ($NOTICE_INGEST_BIN, default target/release/notice-ingest) on a free
// loopback port, uploads fixtures through the page, and checks what a reviewer sees. Screenshots,
// the downloaded XLSX and the page drawings are kept under target/browser/ as artifacts.
//
// Run: `npm ci && npm test` in tests/browser (after `cargo build --release`).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = process.env.NOTICE_INGEST_BIN || join(ROOT, "target/release/notice-ingest");
const ARTIFACTS = join(ROOT, "target/browser");
const SEED_PDF = join(ROOT, "fixtures/pdf/seed-libreoffice.pdf");
const MARKERS_PDF = join(ROOT, "fixtures/ledgers/markers.pdf");
/** One PDF per producer: each page drawing is saved as a screenshot. */
const PRODUCERS = {
  libreoffice: "fixtures/pdf/seed-libreoffice.pdf",
  chromium: "fixtures/pdf/seed-chromium.pdf",
  wkhtmltopdf: "fixtures/pdf/seed-wkhtmltopdf.pdf",
  "reportlab-cid": "fixtures/pdf/seed-reportlab-cid.pdf",
  "reportlab-borderless": "fixtures/pdf/seed-reportlab-borderless.pdf",
};
/** A notice of the issuer with a registry whose ledger names an office the registry lacks. */
const UNKNOWN_OFFICE_NOTICE =
  "# 甘肃省教育厅\n\n## 关于印发某项工作任务分解的通知\n\n" +
  "序号\t主要任务\t牵头单位\t配合单位\t完成时限\n" +
  "1\t推进某项工作。\t基教处\t高教处、星际合作处\t2024年6月底前\n" +
  "2\t落实另一项工作。\t职成处\t\t2024年12月底前\n";

let server;
let base;
let browser;
let page;

/** Starts the server on a free port and resolves with its address once it says it listens. */
function startServer() {
  return new Promise((resolveStart, reject) => {
    const child = spawn(BIN, ["serve", "--bind", "127.0.0.1:0", "--quiet"], { stdio: ["ignore", "ignore", "pipe"] });
    let said = "";
    const timer = setTimeout(() => reject(new Error("the server did not start: " + said)), 20000);
    child.stderr.on("data", (chunk) => {
      said += chunk;
      const m = said.match(/listening on (http:\/\/[^/\s]+)\//);
      if (m) {
        clearTimeout(timer);
        resolveStart({ child, base: m[1] });
      }
    });
    child.on("exit", (code) => reject(new Error("the server exited with " + code + ": " + said)));
  });
}

/** Waits until `element` is inside the window and the window has stopped scrolling (a diagnostic's
 * click scrolls smoothly to where it was found): the same scroll position twice, 100 ms apart. */
async function scrolledTo(element) {
  await page.waitForFunction(
    (e) => {
      const still = window.__lastScrollY === window.scrollY;
      window.__lastScrollY = window.scrollY;
      const r = e.getBoundingClientRect();
      return still && r.top >= 0 && r.bottom <= window.innerHeight;
    },
    element,
    { polling: 100, timeout: 10000 },
  );
}

async function shot(name) {
  await page.screenshot({ path: join(ARTIFACTS, name + ".png"), fullPage: false });
}

/** Uploads files through the page's file input and waits for the notice's table. */
async function upload(files, rows) {
  await page.setInputFiles("#file-input", files);
  await page.waitForFunction(
    (n) => document.querySelectorAll(".notice[data-status=done] tr.task").length === n,
    rows,
    { timeout: 60000 },
  );
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ child: server, base } = await startServer());
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true, locale: "zh-CN" });
  page = await context.newPage();
  page.on("pageerror", (e) => { throw e; });
  await page.goto(base + "/");
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill("SIGTERM");
});

test("the page opens with its Chinese interface and no outside request", async () => {
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.reload();
  assert.equal(await page.textContent("h1"), "通知任务台账审阅");
  assert.ok(requests.every((u) => u.startsWith(base)), "only the service itself: " + requests.join(", "));
  await shot("01-empty");
});

test("the seed PDF gives its 34 tasks in source order, with offices as labels and codes", async () => {
  await upload([SEED_PDF], 34);
  const seqs = await page.$$eval("tr.task", (rows) => rows.map((r) => Number(r.dataset.seq)));
  assert.deepEqual(seqs, Array.from({ length: 34 }, (_, i) => i + 1));
  const sections = await page.$$eval("tr.section", (rows) => rows.map((r) => r.textContent));
  assert.deepEqual(sections.map((s) => s.slice(0, 2)), ["一、", "二、", "三、", "四、"], "section rows between the tasks");
  const firstLead = await page.$eval('tr.task[data-seq="1"] td[data-field=lead] .office', (o) => [o.dataset.raw, o.querySelector("code").textContent]);
  assert.deepEqual(firstLead, ["思政处", "gsjyt.sizheng"]);
  assert.match(await page.textContent(".meta"), /关于印发《教育部 甘肃省人民政府战略合作协议重点任务分解台账》的通知/);
  await shot("02-seed-table");
});

test("clicking a task draws its page with the task's cells outlined and coloured", async () => {
  await page.click('tr.task[data-seq="1"] td[data-field=task]');
  await page.waitForSelector("#viewer:not([hidden]) svg.pdf-page rect.cell", { timeout: 30000 });
  const drawn = await page.$$eval("#viewer svg rect.cell", (rects) => rects.map((r) => [r.dataset.task, r.dataset.role]));
  const json = JSON.parse(execFileSync(BIN, ["convert", SEED_PDF, "-o", "-"], { stdio: ["ignore", "pipe", "ignore"] }));
  const task = json.tasks[0];
  const page1 = Math.min(...task.provenance.cells.map((c) => c.page));
  const expected = task.provenance.cells.filter((c) => c.page === page1).length;
  assert.equal(drawn.length, expected, "one outlined box per cell fragment on the page");
  assert.ok(drawn.every(([id]) => id === task.id));
  const roles = new Set(drawn.map(([, role]) => role));
  for (const role of ["lead", "support", "implementer", "task"]) assert.ok(roles.has(role), role + " in " + [...roles]);
  assert.ok((await page.$$("#viewer svg text")).length > 50, "the page's text is drawn");
  await shot("03-seed-task-drawing");
  await page.click("#viewer-close");
});

test("the XLSX download opens: the project's own XLSX reader gives the 34 tasks back", async () => {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('.download[data-format="xlsx"]')]);
  assert.equal(download.suggestedFilename(), "seed-libreoffice.xlsx");
  const path = join(ARTIFACTS, "seed-libreoffice.xlsx");
  await download.saveAs(path);
  assert.equal(readFileSync(path).subarray(0, 2).toString(), "PK", "a zip archive");
  const back = JSON.parse(execFileSync(BIN, ["convert", path, "-o", "-"], { stdio: ["ignore", "pipe", "ignore"] }));
  assert.equal(back.tasks.length, 34);
  assert.equal(back.tasks[0].lead_offices[0].code, "gsjyt.sizheng");
  const [csv] = await Promise.all([page.waitForEvent("download"), page.click('.download[data-format="csv"]')]);
  assert.equal(csv.suggestedFilename(), "seed-libreoffice.csv");
});

test("an office missing from the registry is highlighted where it was read", async () => {
  await page.setInputFiles("#file-input", { name: "unknown-office.txt", mimeType: "text/plain", buffer: Buffer.from(UNKNOWN_OFFICE_NOTICE) });
  await page.waitForFunction(() => document.querySelector('.notice[data-file="unknown-office.txt"][data-status=done]'));
  const unknown = await page.$('tr.task[data-seq="1"] td[data-field=support] .office.unknown');
  assert.ok(unknown, "the unknown office is a highlighted label");
  assert.equal(await unknown.getAttribute("data-raw"), "星际合作处");
  assert.equal(await unknown.isVisible(), true);
  assert.match(await unknown.evaluate((e) => e.className), /flagged/);
  const cell = await page.$('tr.task[data-seq="1"] td[data-field=support]');
  assert.match(await cell.getAttribute("class"), /flag-warning/);
  assert.match(await cell.getAttribute("title"), /星际合作处/);
  const background = await cell.evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.notEqual(background, "rgba(0, 0, 0, 0)", "the warned cell is coloured");
  assert.equal(await page.$$eval(".diagnostic.warning", (l) => l.filter((e) => e.dataset.kind === "unknown-office").length), 1);
  await shot("04-unknown-office");

  // A real fixture: markers.pdf names 厅直属各单位 among its recipients, which gansu-jyt lacks.
  await upload([MARKERS_PDF], 11);
  const recipient = await page.$('.meta .office.unknown[data-raw="厅直属各单位"]');
  assert.ok(recipient, "the unregistered recipient is highlighted");
  assert.match(await recipient.evaluate((e) => e.className), /flag-warning/);
  const duty = await page.$$('tr.task[data-seq="3"] td.flag-warning');
  assert.ok(duty.length >= 1, "the duty-phrase warning marks task 3's cell");
  const sameName = await page.$('.notice[data-file="markers.pdf"] .meta .office[data-raw="厅机关各处室"]');
  assert.doesNotMatch(await sameName.evaluate((e) => e.className), /flagged/, "task 3's warning leaves the recipient of the same name alone");
  // Its diagnostic locates the label: the click brings it into view.
  await page.click('.notice[data-file="markers.pdf"] .diagnostic.warning.linked[data-kind="unknown-office"]');
  await scrolledTo(recipient);
  await shot("05-markers-warnings");
});

test("each producer's page drawing is saved as a screenshot", async () => {
  const drawPage = await browser.newPage();
  for (const [producer, path] of Object.entries(PRODUCERS)) {
    const json = JSON.parse(execFileSync(BIN, ["convert", join(ROOT, path), "-o", "-"], { stdio: ["ignore", "pipe", "ignore"] }));
    const pageNo = json.tasks[0].provenance.pages[0];
    const svgPath = join(ARTIFACTS, "page-" + producer + ".svg");
    execFileSync(BIN, ["draw", join(ROOT, path), "--page", String(pageNo), "-o", svgPath], { stdio: "ignore" });
    const [width, height] = readFileSync(svgPath, "utf8").match(/viewBox="0 0 ([\d.]+) ([\d.]+)"/).slice(1).map(Number);
    await drawPage.setViewportSize({ width: Math.ceil(width), height: Math.ceil(height) });
    await drawPage.goto("file://" + svgPath);
    const rects = await drawPage.$$eval("rect.cell", (r) => r.length);
    const listed = json.tasks.flatMap((t) => t.provenance.cells.filter((c) => c.page === pageNo)).length;
    assert.equal(rects, listed, producer + ": one outlined box per cell fragment of page " + pageNo);
    await drawPage.screenshot({ path: join(ARTIFACTS, "page-" + producer + ".png") });
  }
  await drawPage.close();
  writeFileSync(join(ARTIFACTS, "README.txt"), "Screenshots and downloads of tests/browser/review.test.mjs.\n");
});
