//! OCR through tesseract's command line.
//!
//! tesseract 5 with the Chinese model (`chi_sim`), and where it is installed the model of the Han
//! script (`HanS`, read first), reads a batch of crops in one process: the crops
//! are written as PGM files (binary greyscale, which tesseract's image library reads) to a private temporary folder, listed in a text file, and tesseract
//! prints TSV (one row per word, with its box and confidence) for all of them; its `page_num`
//! column says which crop a word belongs to. `OMP_THREAD_LIMIT=1` keeps each process on one core
//! and its output the same on every run; parallelism comes from several processes (one per page).
//!
//! The program is `tesseract` on the `PATH`, or the one `NOTICE_INGEST_TESSERACT` names.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::error::{OcrError, TesseractMissing};
use super::image::Gray;

/// The language model every reading needs: tesseract's simplified Chinese (it reads digits and
/// Latin too).
pub const LANGUAGE: &str = "chi_sim";

/// tesseract's model of the simplified Han script, read together with [`LANGUAGE`] where it is
/// installed (Debian's `tesseract-ocr-script-hans`): tesseract takes each word from the model
/// surer of it. Measured on the seed's clean scan and the hierarchical ledger (2026-11-30,
/// tesseract 5.3.0), it reads characters `chi_sim` alone misses (牵, 垒, 试) and short bold
/// cells; without it the scan is read by `chi_sim` alone.
pub const SCRIPT_MODEL: &str = "HanS";

/// What to install when tesseract or its model is missing (Debian and Ubuntu package names).
pub const INSTALL_HINT: &str = "install tesseract 5 and its Chinese model, e.g. `apt-get install tesseract-ocr \
     tesseract-ocr-chi-sim tesseract-ocr-script-hans` (Debian, Ubuntu; the last, the Han script model, is \
     optional and reads more characters right), `dnf install tesseract tesseract-langpack-chi_sim` (Fedora), \
     `brew install tesseract tesseract-lang` (macOS); or name the program in NOTICE_INGEST_TESSERACT";

/// A working tesseract: its program and version.
#[derive(Clone, Debug)]
pub struct Tesseract {
    program: PathBuf,
    /// e.g. `tesseract 5.3.0`.
    pub version: String,
    /// Whether [`SCRIPT_MODEL`] is installed.
    script_model: bool,
}

/// The models one reading uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Models {
    /// [`SCRIPT_MODEL`] and [`LANGUAGE`] together where both are installed: the first reading.
    Both,
    /// [`LANGUAGE`] alone: a second, independent reading of unsure cells.
    Chinese,
}

/// One recognized word: text, confidence 0–100, box in the crop's pixels `[x0, y0, x1, y1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Word {
    pub text: String,
    pub conf: f32,
    pub bbox: [i32; 4],
}

/// One recognized line: its words left to right and its box.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct OcrLine {
    pub words: Vec<Word>,
    pub bbox: [i32; 4],
}

/// How tesseract should see a crop (its page segmentation mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A block of text (`--psm 6`): a table cell.
    Block,
    /// A column of text of varying sizes (`--psm 4`): the body of a notice page.
    Column,
    /// One line of text (`--psm 7`): a line of a cell read again.
    #[cfg_attr(not(feature = "ocr-lexicon"), allow(dead_code))]
    Line,
}

impl Layout {
    fn psm(self) -> &'static str {
        match self {
            Layout::Block => "6",
            Layout::Column => "4",
            Layout::Line => "7",
        }
    }
}

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        for _ in 0..16 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("notice-ingest-ocr-{}-{nanos}-{n}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("no fresh temporary folder could be made"))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn program() -> PathBuf {
    std::env::var_os("NOTICE_INGEST_TESSERACT").map_or_else(|| PathBuf::from("tesseract"), PathBuf::from)
}

impl Tesseract {
    /// Finds tesseract and checks that it is version 4 or later and has the Chinese model. The
    /// error says what to install.
    pub fn find() -> Result<Self, TesseractMissing> {
        let program = program();
        let out = Command::new(&program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|source| TesseractMissing::CannotRun { program: program.clone(), arg: "--version", source })?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        let version = text.lines().find(|l| l.starts_with("tesseract")).unwrap_or("tesseract").trim().to_string();
        let major: u32 = version
            .trim_start_matches("tesseract")
            .trim()
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        if !out.status.success() || major < 4 {
            return Err(TesseractMissing::TooOld { program, version });
        }
        let langs =
            Command::new(&program).arg("--list-langs").stdin(Stdio::null()).output().map_err(|source| {
                TesseractMissing::CannotRun { program: program.clone(), arg: "--list-langs", source }
            })?;
        let listed = String::from_utf8_lossy(&langs.stdout).into_owned() + &String::from_utf8_lossy(&langs.stderr);
        if !listed.lines().any(|l| l.trim() == LANGUAGE) {
            let languages = listed.lines().skip(1).map(str::trim).collect::<Vec<_>>().join(" ");
            return Err(TesseractMissing::NoModel { version, language: LANGUAGE, languages });
        }
        let script_model = listed.lines().any(|l| l.trim() == SCRIPT_MODEL);
        Ok(Tesseract { program, version, script_model })
    }

    /// The `-l` argument of a reading with `models`: e.g. `HanS+chi_sim`.
    pub fn languages(&self, models: Models) -> String {
        match models {
            Models::Both if self.script_model => format!("{SCRIPT_MODEL}+{LANGUAGE}"),
            _ => LANGUAGE.to_string(),
        }
    }

    /// Reads each image as `layout` says with [`Models::Both`]; returns the lines of each, in
    /// order. `whitelist` limits the characters tesseract may answer (digits for sequence
    /// numbers).
    pub fn recognize(
        &self,
        images: &[&Gray],
        layout: Layout,
        whitelist: Option<&str>,
    ) -> Result<Vec<Vec<OcrLine>>, OcrError> {
        self.recognize_with(images, layout, whitelist, Models::Both)
    }

    /// Reads each image as `layout` says with `models`.
    pub fn recognize_with(
        &self,
        images: &[&Gray],
        layout: Layout,
        whitelist: Option<&str>,
        models: Models,
    ) -> Result<Vec<Vec<OcrLine>>, OcrError> {
        let restrict = whitelist.map(|chars| ("tessedit_char_whitelist", chars));
        self.read(images, layout, restrict, models)
    }

    /// Reads each image as `layout` says with `models`, never answering one of the characters of
    /// `excluded` (tesseract's `tessedit_char_blacklist`): where the model read one of them, it
    /// gives its next choice instead.
    #[cfg_attr(not(feature = "ocr-lexicon"), allow(dead_code))]
    pub fn recognize_excluding(
        &self,
        images: &[&Gray],
        layout: Layout,
        excluded: &str,
        models: Models,
    ) -> Result<Vec<Vec<OcrLine>>, OcrError> {
        self.read(images, layout, Some(("tessedit_char_blacklist", excluded)), models)
    }

    /// One tesseract process over `images`; `restrict` is a character list variable and its value.
    fn read(
        &self,
        images: &[&Gray],
        layout: Layout,
        restrict: Option<(&str, &str)>,
        models: Models,
    ) -> Result<Vec<Vec<OcrLine>>, OcrError> {
        if images.is_empty() {
            return Ok(Vec::new());
        }
        let dir = TempDir::new().map_err(OcrError::TempFiles)?;
        let mut list = String::new();
        for (i, image) in images.iter().enumerate() {
            let path = dir.0.join(format!("{i:05}.pgm"));
            write_pgm(image, &path).map_err(OcrError::TempFiles)?;
            list.push_str(&path.to_string_lossy());
            list.push('\n');
        }
        let list_path = dir.0.join("list.txt");
        std::fs::File::create(&list_path)
            .and_then(|mut f| f.write_all(list.as_bytes()))
            .map_err(OcrError::TempFiles)?;
        let mut cmd = Command::new(&self.program);
        cmd.arg(&list_path)
            .arg("stdout")
            .args(["-l", &self.languages(models), "--oem", "1", "--psm", layout.psm()])
            .args(["-c", "tessedit_create_tsv=1", "-c", "tessedit_create_txt=0"])
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some((variable, chars)) = restrict {
            cmd.args(["-c", &format!("{variable}={chars}")]);
        }
        let out = cmd.output().map_err(|source| OcrError::Run { program: self.program.clone(), source })?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let message = err.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("no message").to_string();
            return Err(OcrError::Failed { status: out.status, message });
        }
        Ok(parse_tsv(&String::from_utf8_lossy(&out.stdout), images.len()))
    }
}

/// Writes a grey image as a binary 8-bit PGM (no compression: crops are small and short-lived).
fn write_pgm(image: &Gray, path: &Path) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    write!(file, "P5\n{} {}\n255\n", image.width, image.height)?;
    file.write_all(&image.pixels)?;
    file.flush()
}

/// Parses tesseract's TSV into the lines of each of `count` images (its `page_num`, 1-based).
pub fn parse_tsv(tsv: &str, count: usize) -> Vec<Vec<OcrLine>> {
    let mut out: Vec<Vec<OcrLine>> = vec![Vec::new(); count];
    let mut current: Option<(usize, (u32, u32, u32))> = None;
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 || f[0] != "5" {
            continue;
        }
        let num = |i: usize| f[i].trim().parse::<i64>().unwrap_or(0);
        let page = num(1) as usize;
        let Some(lines) = page.checked_sub(1).and_then(|p| out.get_mut(p)) else { continue };
        let text = f[11..].join("\t").trim().to_string();
        if text.is_empty() {
            continue;
        }
        let key = (num(2) as u32, num(3) as u32, num(4) as u32);
        let (x, y, w, h) = (num(6) as i32, num(7) as i32, num(8) as i32, num(9) as i32);
        let word = Word { text, conf: f[10].trim().parse().unwrap_or(0.0), bbox: [x, y, x + w, y + h] };
        if current != Some((page, key)) || lines.is_empty() {
            lines.push(OcrLine::default());
            current = Some((page, key));
        }
        let line = lines.last_mut().expect("a line was pushed");
        line.bbox = if line.words.is_empty() {
            word.bbox
        } else {
            let b = line.bbox;
            [b[0].min(x), b[1].min(y), b[2].max(x + w), b[3].max(y + h)]
        };
        line.words.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_rows_group_into_lines_per_image() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t50\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t10\t20\t20\t96.5\t基教\n\
                   5\t1\t1\t1\t1\t2\t32\t10\t10\t20\t91\t处\n\
                   5\t1\t1\t1\t2\t1\t10\t40\t20\t20\t40\t高\n\
                   5\t3\t1\t1\t1\t1\t5\t5\t10\t20\t88\t1\n";
        let lines = parse_tsv(tsv, 3);
        assert_eq!(lines[0].len(), 2);
        assert_eq!(lines[0][0].words.len(), 2);
        assert_eq!(lines[0][0].bbox, [10, 10, 42, 30]);
        assert!(lines[1].is_empty());
        assert_eq!(lines[2][0].words[0].text, "1");
    }
}
