//! Synthetic notices for batch tests and benchmarks, made from a real notice.
//!
//! [`generate_corpus`] writes `n` notices derived from a text rendition of a real ledger (the seed):
//! each with its own title (so its own notice id), a different run of the seed's tasks renumbered
//! from 1, some with an office the registry does not know (a warning), a quarter of them as HTML
//! pages. Generation is deterministic: the same `n` gives the same files. Nothing here is used by
//! conversion itself.

use std::path::{Path, PathBuf};

/// Writes `n` notices under `dir` (in subdirectories of 100) and returns their paths.
/// `seed_rendition` is the text of a notice in the text rendition with one ledger table.
pub fn generate_corpus(seed_rendition: &str, dir: &Path, n: usize) -> std::io::Result<Vec<PathBuf>> {
    let lines: Vec<&str> = seed_rendition.lines().collect();
    let header = lines
        .iter()
        .find(|l| l.starts_with("序号\t"))
        .copied()
        .unwrap_or("序号\t主要任务\t分管领导\t牵头处室\t配合处室\t实施单位");
    let title_line = lines.iter().position(|l| l.starts_with("## ")).unwrap_or(0);
    let table_start = lines.iter().position(|l| l.contains('\t')).unwrap_or(lines.len());
    // The body before the ledger, without the title line (each notice gets its own title).
    let body: Vec<&str> =
        lines[..table_start].iter().enumerate().filter(|&(i, _)| i != title_line).map(|(_, l)| *l).collect();
    let rows: Vec<Vec<&str>> = lines[table_start..]
        .iter()
        .filter(|l| l.contains('\t') && !l.starts_with("序号\t"))
        .map(|l| l.split('\t').collect())
        .collect();
    let tasks: Vec<(usize, &Vec<&str>)> =
        rows.iter().enumerate().filter(|(_, r)| r[0].trim().parse::<u32>().is_ok()).collect();
    let mut paths = Vec::with_capacity(n);
    for i in 0..n {
        let count = 5 + i % 30;
        let start = (i * 7) % tasks.len().max(1);
        let mut chosen: Vec<usize> = (0..count.min(tasks.len())).map(|k| tasks[(start + k) % tasks.len()].0).collect();
        chosen.sort_unstable();
        chosen.dedup();
        // Section rows that head the chosen tasks.
        let mut table: Vec<Vec<String>> = Vec::new();
        let mut last_section = None;
        let mut seq = 0;
        for &row_index in &chosen {
            let section = (0..row_index).rev().find(|&j| rows[j][0].trim().parse::<u32>().is_err());
            if let Some(j) = section.filter(|_| section != last_section) {
                table.push(rows[j].iter().map(|c| c.to_string()).collect());
                last_section = section;
            }
            seq += 1;
            let mut row: Vec<String> = rows[row_index].iter().map(|c| c.to_string()).collect();
            row[0] = seq.to_string();
            if i % 7 == 3 && seq == 2 && row.len() > 4 {
                row[4] = format!("{} 宣传处", row[4]);
            }
            table.push(row);
        }
        let title = format!("关于印发《重点任务分解台账（第{}批）》的通知", i + 1);
        let sub = dir.join(format!("batch-{:03}", i / 100));
        std::fs::create_dir_all(&sub)?;
        let path = if i % 4 == 0 {
            let p = sub.join(format!("notice-{i:05}.html"));
            std::fs::write(&p, html_page(&title, &body, header, &table))?;
            p
        } else {
            let p = sub.join(format!("notice-{i:05}.txt"));
            let mut text = String::new();
            for line in &body[..body.len().min(3)] {
                text.push_str(line);
                text.push('\n');
            }
            text.push_str(&format!("## {title}\n\n"));
            for line in &body[body.len().min(3)..] {
                text.push_str(line);
                text.push('\n');
            }
            text.push_str(header);
            text.push('\n');
            for (k, row) in table.iter().enumerate() {
                if k > 0 && k % 3 == 0 {
                    text.push_str("\n\n\n");
                    text.push_str(header);
                    text.push('\n');
                }
                text.push_str(&row.join("\t"));
                text.push('\n');
            }
            std::fs::write(&p, text)?;
            p
        };
        paths.push(path);
    }
    Ok(paths)
}

fn html_page(title: &str, body: &[&str], header: &str, table: &[Vec<String>]) -> String {
    let mut page = String::from("<!DOCTYPE html><html><head><meta charset=utf-8></head><body>\n");
    for line in body.iter().filter(|l| !l.trim().is_empty()) {
        let text = line.trim_start_matches('#').trim();
        page.push_str(&format!("<p>{text}</p>\n"));
        if line.starts_with("# ") {
            page.push_str(&format!("<h2>{title}</h2>\n"));
        }
    }
    page.push_str("<table border=1><tr>");
    for h in header.split('\t') {
        page.push_str(&format!("<th>{h}</th>"));
    }
    page.push_str("</tr>\n");
    for row in table {
        if row[0].trim().parse::<u32>().is_err() {
            page.push_str(&format!("<tr><td colspan={}>{}</td></tr>\n", row.len(), row[0]));
            continue;
        }
        page.push_str("<tr>");
        for (c, cell) in row.iter().enumerate() {
            let cell = if c >= 3 { cell.replace(' ', "<br>") } else { cell.clone() };
            page.push_str(&format!("<td>{cell}</td>"));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table></body></html>\n");
    page
}
