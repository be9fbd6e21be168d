//! Developer aid: prints the document model a front-end builds from one file — headings,
//! paragraphs and tables with each cell's spans — and the diagnostics raised, before any table
//! stitching or ledger reading. Useful when a new producer's file converts wrongly:
//! `cargo run --example document_blocks -- FILE`.

use notice_ingest::model::Block;
use notice_ingest::{read_document, read_source, Limits};

fn main() {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: document_blocks FILE");
        std::process::exit(2);
    };
    let limits = Limits::default();
    let source = match read_source(path.as_ref(), limits.max_input_bytes) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let (doc, diagnostics) = match read_document(&source, &limits) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    println!("{} page(s), format {}", doc.pages, source.format.as_str());
    for block in &doc.blocks {
        match block {
            Block::Table(t) => {
                println!("TABLE");
                for r in &t.rows {
                    let cells: Vec<String> = r
                        .cells
                        .iter()
                        .map(|c| {
                            let text = c.text.to_plain().replace('\n', "⏎");
                            format!("[{}x{}]{}", c.row_span, c.col_span, text)
                        })
                        .collect();
                    println!("  p{} {}", r.origin.page, cells.join(" | "));
                }
            }
            Block::Heading { level, text, origin } => println!("H{level} p{} {}", origin.page, text.to_plain()),
            Block::Paragraph { text, origin } => println!("P p{} {}", origin.page, text.to_plain()),
        }
    }
    for d in diagnostics {
        println!("{d}");
    }
}
