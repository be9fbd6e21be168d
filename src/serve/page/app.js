// The review page of `notice-ingest serve`: files dropped here are posted to /api/convert; each
// notice is shown as its metadata, a table of sections, tasks and measures in source order, and
// its diagnostics; a PDF task's page is drawn by /api/draw. Every text from a notice is put in the
// page with textContent (never as HTML).
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
const state = { notices: [], active: -1, token: sessionStorage.getItem("notice-ingest-token") || "" };

const SEVERITY = { error: "错误", warning: "警告", info: "提示" };
const FORMAT = { pdf: "PDF", docx: "Word (DOCX)", xlsx: "Excel (XLSX)", html: "网页 (HTML)", text: "文本" };
/** What each diagnostic kind means, in a few words (the message itself is the library's). */
const KIND = {
  "attachment-unreadable": "附件无法读取", "attachment-without-ledger": "附件中没有台账",
  "bracketed-name": "括号内为单位别名", "bracketed-office": "括号内另有单位", "charset-mismatch": "网页声明的编码有误",
  "column-in-extra": "未对应字段的列", "column-role-inferred": "列的含义由内容推断", "deadline-year-assumed": "时限未写年份，按通知年份",
  "duplicate-office": "同一单位重复", "duplicate-seq": "序号重复", "duty-phrase": "“按职责分工负责”，未指定牵头",
  "empty-task": "任务单元格为空", "first-listed-leads": "排名第一者牵头", "format-mismatch": "文件名与内容格式不符",
  "header-below-title": "表头在标题行之下", "header-role": "表头按结构识别", "headerless-continuation": "无表头续表",
  "html-unterminated": "网页可能不完整", "invalid-bytes": "含无效字节", "invalid-utf8": "含无效 UTF-8 字节",
  "label-without-task": "责任行前没有任务", "leaders-from-section": "分管领导取自章节标题", "link-refused": "链接被拒绝",
  "long-office-cell": "单位单元格过长", "measures-from-steps": "措施与步骤配对", "merged-seq-measures": "合并序号下的各项为措施",
  "metadata-table": "信息公开索引表", "no-registry": "发文机关没有单位登记表", "no-seq-column": "台账没有序号列",
  "non-numeric-seq": "序号不是数字", "notice-unidentified": "无法识别是哪份通知", "numbered-heading": "编号行读作标题",
  "office-alias": "单位用了别名", "paragraph-ledger": "由编号段落读出的台账", "pdf-content-unreadable": "PDF 页面内容无法读取",
  "pdf-page-unreadable": "PDF 页面无法读取", "pdf-repaired": "PDF 已损坏并被修复", "pdf-table-method": "PDF 表格识别方法",
  "pdf-unmapped-glyphs": "PDF 字形无法对应文字", "pdf-unreadable-page": "PDF 页面文字不可信", "repeated-header": "跳过重复表头",
  "repeated-title": "任务标题重复", "role-markers": "按（牵头）（配合）标记分工", "row-continued": "跨页行已拼接",
  "row-without-seq": "无序号行并入上一任务", "seq-gap": "序号不连续", "seq-order": "序号未递增", "seq-start": "序号不从 1 开始",
  "span-overlap": "单元格超出表格", "stray-role-marker": "角色标记前没有单位", "table-not-ledger": "表格不是任务台账",
  "task-continued": "任务跨页延续", "task-without-units": "任务没有责任单位", "unknown-column": "未识别的列",
  "unknown-office": "单位不在登记表中", "unreadable-text": "任务文字无法辨认", "unsplit-names": "领导姓名无法拆分",
};
const ROLE_FIELD = { lead_offices: "lead", support_offices: "support", implementers: "implementers" };
const MAX_PARALLEL = 2;

/** An element with a class and text (textContent: never parsed as HTML). */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Request headers with the token, when one was given. */
function authHeaders() {
  return state.token ? { Authorization: "Bearer " + state.token } : {};
}

/** Posts `file` (and extra form fields) to `url`; asks for the token and retries on 401. */
async function post(url, file, fields = {}) {
  for (;;) {
    const form = new FormData();
    form.append("file", file, file.name);
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    const response = await fetch(url, { method: "POST", body: form, headers: authHeaders() });
    if (response.status !== 401) return response;
    state.token = await askToken();
  }
}

/** Shows the token form and resolves with what the user enters. */
function askToken() {
  const form = $("#token-form");
  form.hidden = false;
  $("#token-input").focus();
  return new Promise((resolve) => {
    form.onsubmit = (event) => {
      event.preventDefault();
      const token = $("#token-input").value.trim();
      sessionStorage.setItem("notice-ingest-token", token);
      form.hidden = true;
      resolve(token);
    };
  });
}

/** The error of a failed response: its JSON `error` when the service sent one. */
async function errorOf(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (body && body.error) return body.error;
  } catch (_) { /* not JSON */ }
  return { status: response.status, kind: "http", message: text || response.statusText };
}

// ---------------------------------------------------------------- files in, notices out

function addFiles(files) {
  const queue = [];
  for (const file of files) {
    const notice = { file, name: file.name, status: "pending", doc: null, json: "", error: null, index: state.notices.length };
    state.notices.push(notice);
    queue.push(notice);
    renderTab(notice);
  }
  if (queue.length) activate(queue[0].index);
  const worker = async () => {
    for (let n = queue.shift(); n; n = queue.shift()) await convert(n);
  };
  for (let i = 0; i < Math.min(MAX_PARALLEL, queue.length); i++) worker();
}

async function convert(notice) {
  notice.status = "running";
  renderTab(notice);
  if (state.active === notice.index) renderNotice(notice);
  try {
    const response = await post("/api/convert", notice.file);
    if (response.ok) {
      notice.json = await response.text();
      notice.doc = JSON.parse(notice.json);
      notice.status = "done";
    } else {
      notice.error = await errorOf(response);
      notice.status = "failed";
    }
  } catch (e) {
    notice.error = { kind: "network", message: "无法连接服务：" + e.message };
    notice.status = "failed";
  }
  renderTab(notice);
  if (state.active === notice.index) renderNotice(notice);
}

// ---------------------------------------------------------------- tabs

function renderTab(notice) {
  let tab = document.getElementById("tab-" + notice.index);
  if (!tab) {
    tab = el("button", "tab");
    tab.type = "button";
    tab.id = "tab-" + notice.index;
    tab.setAttribute("role", "tab");
    tab.addEventListener("click", () => activate(notice.index));
    $("#tabs").append(tab);
  }
  tab.replaceChildren(el("span", "tab-name", notice.name));
  const badge = {
    pending: ["等待", "wait"], running: ["转换中…", "wait"], failed: ["失败", "bad"],
    done: [notice.doc ? notice.doc.tasks.length + " 项任务" : "", "ok"],
  }[notice.status];
  tab.append(el("span", "badge " + badge[1], badge[0]));
  tab.classList.toggle("active", state.active === notice.index);
  tab.dataset.status = notice.status;
}

function activate(index) {
  state.active = index;
  for (const n of state.notices) renderTab(n);
  renderNotice(state.notices[index]);
  closeViewer();
}

// ---------------------------------------------------------------- one notice

function renderNotice(notice) {
  const host = $("#notices");
  const panel = el("section", "notice");
  panel.dataset.status = notice.status;
  panel.dataset.file = notice.name;
  const head = el("div", "notice-head");
  head.append(el("h2", "file", notice.name));
  panel.append(head);
  $("#help").hidden = true;
  if (notice.status === "pending" || notice.status === "running") {
    panel.append(el("p", "progress", "正在转换，请稍候…"));
  } else if (notice.status === "failed") {
    const box = el("div", "failure");
    box.append(el("strong", null, "无法转换这个文件"));
    box.append(el("p", "message", notice.error.message));
    box.append(el("p", "muted", "错误类别：" + notice.error.kind));
    panel.append(box);
  } else {
    head.append(downloads(notice));
    const doc = notice.doc;
    const targets = diagnosticTargets(doc);
    panel.append(metadata(doc), summary(doc), taskTable(notice, targets));
    panel.append(diagnosticList(doc, targets, panel));
    flagMetadata(panel, doc);
  }
  host.replaceChildren(panel);
}

function downloads(notice) {
  const box = el("div", "downloads");
  const stem = notice.name.replace(/\.[^.]*$/, "") || "notice";
  const json = el("button", "download", "下载 JSON");
  json.type = "button";
  json.dataset.format = "json";
  json.addEventListener("click", () => save(new Blob([notice.json], { type: "application/json" }), stem + ".json"));
  box.append(json);
  for (const [format, label] of [["csv", "下载 CSV"], ["xlsx", "下载 Excel"]]) {
    const button = el("button", "download", label);
    button.type = "button";
    button.dataset.format = format;
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const response = await post("/api/convert?format=" + format, notice.file);
        if (response.ok) save(await response.blob(), stem + "." + format);
        else alert("下载失败：" + (await errorOf(response)).message);
      } finally {
        button.disabled = false;
      }
    });
    box.append(button);
  }
  return box;
}

function save(blob, name) {
  const a = el("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

function metadata(doc) {
  const n = doc.notice;
  const dl = el("dl", "meta");
  const row = (label, value) => {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return;
    dl.append(el("dt", null, label));
    const dd = el("dd");
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value;
    dl.append(dd);
  };
  row("标题", n.title);
  row("发文机关", n.issuer);
  row("文号", n.doc_number);
  row("成文日期", n.date);
  row("发布时间", n.published);
  if (n.recipients.length) row("主送", offices(n.recipients));
  if (n.attachments.length) row("附件", n.attachments.map((a) => a.title).join("；"));
  if (n.reporting.length) row("报送要求", n.reporting.map((r) => r.text).join("\n"));
  row("单位登记表", n.registry === "none" ? "无（发文机关没有登记表，单位保留原文名称）" : n.registry);
  row("来源", (FORMAT[n.source.format] || n.source.format) + "，" + n.source.pages + " 页");
  return dl;
}

function summary(doc) {
  const count = (severity) => doc.diagnostics.filter((d) => d.severity === severity).length;
  const measures = doc.tasks.reduce((sum, t) => sum + t.measures.length, 0);
  const box = el("div", "summary");
  box.append(el("span", "chip", doc.tasks.length + " 项任务"));
  if (measures) box.append(el("span", "chip", measures + " 条措施"));
  if (doc.sections.length) box.append(el("span", "chip", doc.sections.length + " 个章节"));
  const unknown = doc.tasks.flatMap((t) => [...t.lead_offices, ...t.support_offices, ...t.implementers]).filter((o) => o.code === null).length;
  if (unknown) box.append(el("span", "chip warn", unknown + " 个单位未登记"));
  box.append(el("span", "chip " + (count("error") ? "bad" : ""), "错误 " + count("error")));
  box.append(el("span", "chip " + (count("warning") ? "warn" : ""), "警告 " + count("warning")));
  box.append(el("span", "chip", "提示 " + count("info")));
  if (doc.notice.source.format === "pdf") box.append(el("span", "hint", "点击任务行查看原文页面"));
  return box;
}

/** Office labels: the name as written, its code (or 未登记), the canonical name on hover. */
function offices(refs) {
  const box = el("span", "offices");
  for (const o of refs) {
    const label = el("span", "office " + (o.code === null ? "unknown" : "known"));
    label.dataset.raw = o.raw;
    label.append(el("span", "office-name", o.raw));
    if (o.marker && !o.raw.includes(o.marker)) label.append(el("span", "marker", o.marker));
    label.append(el("code", null, o.code === null ? "未登记" : o.code));
    label.title = o.code === null
      ? "登记表中没有“" + o.raw + "”：保留原文，代码为空"
      : o.name + "（" + o.code + "）";
    box.append(label);
  }
  return box;
}

// ---------------------------------------------------------------- the ledger table

const COLUMNS = [
  ["seq", "序号"], ["task", "重点任务"], ["leaders", "分管领导"], ["lead", "牵头单位"],
  ["support", "配合单位"], ["implementers", "实施单位"], ["deadline", "完成时限"], ["pages", "页码"],
];

function taskTable(notice, targets) {
  const doc = notice.doc;
  const table = el("table", "ledger");
  const head = el("tr");
  for (const [field, label] of COLUMNS) head.append(el("th", "col-" + field, label));
  const thead = el("thead");
  thead.append(head);
  table.append(thead);
  const body = el("tbody");
  table.append(body);
  const sectionsByPath = new Map(doc.sections.map((s) => [s.path, s]));
  const shown = new Set();
  const isPdf = doc.notice.source.format === "pdf";
  for (const task of doc.tasks) {
    for (const path of ancestors(task.section)) {
      if (shown.has(path)) continue;
      shown.add(path);
      const s = sectionsByPath.get(path);
      const tr = el("tr", "section level-" + (s ? s.level : 1));
      const td = el("td", null, s ? [s.numeral ? s.numeral + (/[、.．]$/.test(s.numeral) ? "" : "、") : "", s.title].join("") : path);
      td.colSpan = COLUMNS.length;
      body.append(tr);
      tr.append(td);
    }
    const tr = el("tr", "task");
    tr.dataset.taskId = task.id;
    tr.dataset.seq = task.seq === null ? "" : task.seq;
    const cells = {
      seq: el("td", null, task.seq === null ? "—" : task.seq),
      task: taskCell(task),
      leaders: el("td", null, task.leaders.join("、")),
      lead: cellOf(offices(task.lead_offices)),
      support: cellOf(offices(task.support_offices)),
      implementers: cellOf(offices(task.implementers)),
      deadline: el("td", null, task.deadline ? task.deadline.raw : ""),
      pages: el("td", "muted", pagesOf(task.provenance)),
    };
    for (const [field] of COLUMNS) {
      cells[field].dataset.field = field;
      tr.append(cells[field]);
    }
    if (isPdf && task.provenance.cells && task.provenance.cells.length) {
      tr.classList.add("drawable");
      tr.title = "点击查看原文页面";
      tr.addEventListener("click", () => showTask(notice, task, tr));
    }
    markCells(task, cells, targets, doc);
    body.append(tr);
    task.measures.forEach((m, i) => body.append(measureRow(m, i)));
  }
  const wrap = el("div", "table-wrap");
  wrap.append(table);
  return wrap;
}

/** `二/（一）` → [`二`, `二/（一）`]. */
function ancestors(path) {
  if (!path) return [];
  const parts = path.split("/");
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

function cellOf(content) {
  const td = el("td");
  td.append(content);
  return td;
}

function taskCell(task) {
  const td = el("td", "task-text");
  const text = task.text || task.title;
  if (task.title && text.startsWith(task.title)) {
    td.append(el("strong", null, task.title), document.createTextNode(text.slice(task.title.length)));
  } else {
    td.append(el("strong", null, task.title), el("div", null, text === task.title ? "" : text));
  }
  if (task.remarks) td.append(el("div", "aside", "备注：" + task.remarks));
  for (const [key, value] of Object.entries(task.extra || {})) td.append(el("div", "aside", key + "：" + value));
  return td;
}

function measureRow(m, i) {
  const tr = el("tr", "measure");
  tr.append(el("td", "muted", ""));
  const text = el("td", "measure-text");
  text.append(el("span", "measure-no", "措施 " + (i + 1)), document.createTextNode(m.text));
  tr.append(text, el("td"), cellOf(offices(m.lead_offices)), cellOf(offices(m.support_offices)),
    cellOf(offices(m.implementers)), el("td", null, m.deadline ? m.deadline.raw : ""), el("td", "muted", pagesOf(m.provenance)));
  return tr;
}

function pagesOf(p) {
  if (!p || !p.pages) return "";
  const [a, b] = p.pages;
  return a === b ? "第 " + a + " 页" : "第 " + a + "–" + b + " 页";
}

// ---------------------------------------------------------------- diagnostics on their cells

/**
 * Where each diagnostic points in the table: `{task, field, raw}` targets, found from its
 * location (task number, row) and the names it quotes. A diagnostic with no task is matched to
 * every office label it quotes (an unknown office is reported once for the notice).
 */
function diagnosticTargets(doc) {
  const result = new Map();
  doc.diagnostics.forEach((d, index) => {
    const loc = d.location || {};
    const quoted = [...d.message.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    let tasks = [];
    if (loc.task_seq !== undefined) {
      tasks = doc.tasks.filter((t) => t.seq === loc.task_seq && (t.provenance.file || null) === (loc.file || null));
      if (tasks.length > 1 && loc.row !== undefined) tasks = tasks.filter((t) => t.provenance.row === loc.row);
    } else if (loc.row !== undefined) {
      tasks = doc.tasks.filter((t) => t.provenance.row === loc.row);
    }
    const targets = [];
    const officeTargets = (task) => {
      for (const [key, field] of Object.entries(ROLE_FIELD)) {
        for (const o of task[key]) {
          if (quoted.includes(o.raw) || quoted.includes(o.name)) targets.push({ task: task.id, field, raw: o.raw });
        }
      }
    };
    for (const task of tasks) {
      const before = targets.length;
      officeTargets(task);
      if (targets.length === before) targets.push({ task: task.id, field: fieldOfKind(d.kind) });
    }
    if (!tasks.length && quoted.length) doc.tasks.forEach(officeTargets);
    result.set(index, targets);
  });
  return result;
}

/**
 * Warnings that quote a name of the metadata (a recipient no registry knows) mark its label; one
 * located in the table (a task, a row) is about a cell there, even when it quotes the same name.
 */
function flagMetadata(panel, doc) {
  for (const d of doc.diagnostics) {
    if (d.severity === "info") continue;
    const loc = d.location || {};
    if (loc.task_seq !== undefined || loc.row !== undefined) continue;
    const quoted = [...d.message.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    for (const label of panel.querySelectorAll(".meta .office")) {
      if (!quoted.includes(label.dataset.raw)) continue;
      label.classList.add("flagged", "flag-" + d.severity);
      label.title += "\n" + SEVERITY[d.severity] + "：" + d.message;
    }
  }
}

function fieldOfKind(kind) {
  if (kind.startsWith("deadline")) return "deadline";
  if (kind === "unsplit-names" || kind === "leaders-from-section") return "leaders";
  if (kind.startsWith("seq") || kind === "duplicate-seq" || kind === "non-numeric-seq") return "seq";
  if (kind === "task-without-units") return "lead";
  return "task";
}

function markCells(task, cells, targets, doc) {
  targets.forEach((list, index) => {
    for (const t of list) {
      if (t.task !== task.id) continue;
      const td = cells[t.field];
      if (!td) continue;
      const d = doc.diagnostics[index];
      if (d.severity === "info") continue;
      td.classList.add("flag", "flag-" + d.severity);
      td.dataset.diagnostics = ((td.dataset.diagnostics || "") + " " + index).trim();
      td.title = (td.title ? td.title + "\n" : "") + SEVERITY[d.severity] + "：" + d.message;
      if (t.raw) {
        for (const label of td.querySelectorAll(".office")) {
          if (label.dataset.raw === t.raw) label.classList.add("flagged");
        }
      }
    }
  });
  for (const field of ["lead", "support", "implementers"]) {
    if (cells[field].querySelector(".office.unknown")) cells[field].classList.add("has-unknown");
  }
}

function describeLocation(loc) {
  const parts = [];
  if (loc.file) parts.push("附件 " + loc.file);
  if (loc.page !== undefined) parts.push("第 " + loc.page + " 页");
  if (loc.line !== undefined) parts.push("第 " + loc.line + " 行（文本）");
  if (loc.row !== undefined) parts.push("表格第 " + loc.row + " 行");
  if (loc.column !== undefined) parts.push("第 " + loc.column + " 列");
  if (loc.task_seq !== undefined) parts.push("任务 " + loc.task_seq);
  return parts.join("，");
}

function diagnosticList(doc, targets, panel) {
  const box = el("section", "diagnostics");
  const head = el("div", "diagnostics-head");
  head.append(el("h3", null, "问题清单"));
  const infos = doc.diagnostics.filter((d) => d.severity === "info").length;
  const toggle = el("label", "toggle");
  const check = el("input");
  check.type = "checkbox";
  toggle.append(check, document.createTextNode(" 显示提示（" + infos + "）"));
  head.append(toggle);
  box.append(head);
  const list = el("ol", "diagnostic-list hide-info");
  check.addEventListener("change", () => list.classList.toggle("hide-info", !check.checked));
  const order = { error: 0, warning: 1, info: 2 };
  const indexed = doc.diagnostics.map((d, i) => [d, i]).sort((a, b) => order[a[0].severity] - order[b[0].severity] || a[1] - b[1]);
  for (const [d, index] of indexed) {
    const li = el("li", "diagnostic " + d.severity);
    li.dataset.kind = d.kind;
    li.append(el("span", "sev", SEVERITY[d.severity]), el("span", "kind-zh", KIND[d.kind] || d.kind), el("code", "kind", d.kind));
    const where = describeLocation(d.location || {});
    if (where) li.append(el("span", "where", where));
    li.append(el("p", "message", d.message));
    const hits = targets.get(index) || [];
    const quoted = [...d.message.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    const metaLabel = [...panel.querySelectorAll(".meta .office")].find((l) => quoted.includes(l.dataset.raw));
    if (!hits.length && metaLabel) {
      li.classList.add("linked");
      li.title = "点击定位到通知信息";
      li.addEventListener("click", () => {
        reveal(metaLabel);
      });
    } else if (hits.length) {
      li.classList.add("linked");
      li.title = "点击定位到表格";
      li.addEventListener("click", () => {
        const row = [...panel.querySelectorAll("tr.task")].find((tr) => tr.dataset.taskId === hits[0].task);
        const cell = row && row.querySelector('[data-field="' + hits[0].field + '"]');
        if (!cell) return;
        reveal(cell);
      });
    }
    list.append(li);
  }
  if (!doc.diagnostics.length) list.append(el("li", "muted", "没有发现问题。"));
  box.append(list);
  return box;
}

/** Scrolls `target` to the middle of the window (smoothly, unless the reader asked for less motion) and pulses it. */
function reveal(target) {
  const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  target.scrollIntoView({ behavior: smooth ? "smooth" : "auto", block: "center" });
  target.classList.remove("pulse");
  void target.offsetWidth;
  target.classList.add("pulse");
}

// ---------------------------------------------------------------- the page drawing

const drawings = new Map();

async function showTask(notice, task, row) {
  for (const tr of document.querySelectorAll("tr.task.selected")) tr.classList.remove("selected");
  row.classList.add("selected");
  const pages = [...new Set(task.provenance.cells.map((c) => c.page))].sort((a, b) => a - b);
  const viewer = $("#viewer");
  viewer.hidden = false;
  document.body.classList.add("viewing");
  $("#viewer-title").textContent = "任务 " + (task.seq === null ? "" : task.seq) + " 的原文页面";
  const tabs = $("#viewer-pages");
  tabs.replaceChildren();
  for (const page of pages) {
    const b = el("button", "page-tab", "第 " + page + " 页");
    b.type = "button";
    b.dataset.page = page;
    b.addEventListener("click", () => showPage(notice, task, page));
    tabs.append(b);
  }
  await showPage(notice, task, pages[0]);
}

async function showPage(notice, task, page) {
  for (const b of document.querySelectorAll(".page-tab")) b.classList.toggle("active", Number(b.dataset.page) === page);
  const body = $("#viewer-body");
  const status = $("#viewer-status");
  status.textContent = "绘制中…";
  const key = notice.index + "|" + task.id + "|" + page;
  let svgText = drawings.get(key);
  if (!svgText) {
    const response = await post("/api/draw?page=" + page, notice.file, { tasks: JSON.stringify([task]) });
    if (!response.ok) {
      const e = await errorOf(response);
      status.textContent = "";
      body.replaceChildren(el("p", "failure", "无法绘制此页：" + e.message));
      return;
    }
    svgText = await response.text();
    drawings.set(key, svgText);
  }
  const parsed = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const svg = document.importNode(parsed.documentElement, true);
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  body.replaceChildren(svg);
  const outlined = svg.querySelectorAll("rect.cell").length;
  status.textContent = "第 " + page + " 页，共 " + svg.dataset.pages + " 页 · 框出 " + outlined + " 个单元格";
  const first = svg.querySelector("rect.cell");
  if (first) {
    const box = first.getBoundingClientRect();
    const host = body.getBoundingClientRect();
    body.scrollTop += box.top - host.top - 40;
  }
}

function closeViewer() {
  $("#viewer").hidden = true;
  document.body.classList.remove("viewing");
  for (const tr of document.querySelectorAll("tr.task.selected")) tr.classList.remove("selected");
}

// ---------------------------------------------------------------- wiring

document.addEventListener("DOMContentLoaded", () => {
  const drop = $("#drop");
  const input = $("#file-input");
  input.addEventListener("change", () => {
    addFiles([...input.files]);
    input.value = "";
  });
  drop.addEventListener("click", (event) => {
    if (event.target === drop || event.target.tagName === "P") input.click();
  });
  drop.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") input.click();
  });
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const name of ["dragleave", "drop"]) drop.addEventListener(name, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    addFiles([...event.dataTransfer.files]);
  });
  $("#viewer-close").addEventListener("click", closeViewer);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeViewer();
  });
});
