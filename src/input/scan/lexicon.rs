//! A second look at doubtful characters, with a general lexicon of Chinese words.
//!
//! tesseract confuses characters of like shape (支 read as 文, 牵 as 率, 孵 as 锤) and then says it
//! is unsure. A doubtful Han character (its word read below [`super::LOW_CONFIDENCE`]) that forms
//! no word of the lexicon with its neighbours is read again: its line alone, with that character
//! forbidden (tesseract's `tessedit_char_blacklist`), so that the model gives its next choice at
//! that place. The choice is taken only when it forms a word of the lexicon with the same
//! neighbours: the image proposes, the lexicon disposes. A changed character keeps a confidence
//! below the threshold (the cell stays flagged), and the cell says what was read and what was
//! chosen (`ocr-corrected`).
//!
//! The lexicon is jieba's dictionary of Chinese words (the `jieba-rs` crate's embedded default, a
//! general word list maintained with it): nothing in it comes from the notices read. It is loaded
//! once, on the first doubtful character.

use std::sync::OnceLock;

use jieba_rs::Jieba;

use super::clean::is_han;
use super::error::OcrError;
use super::image::Gray;
use super::ocr::{Layout, Models, OcrLine, Tesseract};
use super::page::{line_of, read_chars};

/// The longest word looked up around a character, in characters.
const MAX_WORD: usize = 4;

/// The white border around a line read again, in pixels (tesseract reads a line best with some
/// white around it).
const LINE_BORDER: usize = 10;

/// The most lines of one page read again: bounded work on a page OCR read badly throughout.
const MAX_LINES: usize = 200;

/// The confidence given to a character chosen by the lexicon (below [`super::LOW_CONFIDENCE`]:
/// the cell stays flagged for a person).
const CHOSEN_CONFIDENCE: f32 = 50.0;

pub(crate) use super::LEXICON_WHY as WHY;

/// The general lexicon (jieba's dictionary), loaded on first use.
fn lexicon() -> &'static Jieba {
    static LEXICON: OnceLock<Jieba> = OnceLock::new();
    LEXICON.get_or_init(Jieba::new)
}

/// Whether the character at `i` of `text` is part of a word of two to [`MAX_WORD`] Han
/// characters that the lexicon knows.
fn in_a_word(text: &[char], i: usize, lexicon: &Jieba) -> bool {
    (2..=MAX_WORD).any(|n| {
        (i.saturating_sub(n - 1)..=i).any(|start| {
            let end = start + n;
            end <= text.len()
                && text[start..end].iter().all(|&c| is_han(c))
                && lexicon.has_word(&text[start..end].iter().collect::<String>())
        })
    })
}

/// The characters on each side of a place that the lexicon cuts into words to judge a choice.
const CONTEXT: usize = 6;

/// How often the lexicon must have seen a word for it to back a choice: its rarest entries are
/// names and oddities (针炙, seen 4 times, is a misspelling of 针灸).
const MIN_FREQ: usize = 10;

/// Whether the character at `i` of `text` lies inside a word of two or more characters where the
/// lexicon cuts its neighbourhood into words (jieba's most likely cut, without its model of
/// unknown words): 支 in `。支持甘肃` (支持), not 和 in `针和文化` (针 / 和 / 文化, though 和文 is a
/// word). The word must be one the lexicon has seen at least [`MIN_FREQ`] times, and its other
/// characters read surely (`sure`, by index in `text`): a word made with a neighbour that is
/// itself doubtful (黎民 for 差异 read 黎异) proves nothing.
fn cut_into_a_word(text: &[char], i: usize, lexicon: &Jieba, sure: &dyn Fn(usize) -> bool) -> bool {
    let from = i.saturating_sub(CONTEXT);
    let window: String = text[from..(i + CONTEXT + 1).min(text.len())].iter().collect();
    let at = i - from;
    lexicon.cut(&window, false).iter().any(|t| {
        t.start <= at
            && at < t.end
            && t.end - t.start >= 2
            && lexicon.suggest_freq(t.word) > MIN_FREQ
            && (t.start..t.end).filter(|&k| k != at).all(|k| sure(from + k))
    })
}

/// A doubtful character: crop, line of that crop, index in the line's characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Doubt {
    crop: usize,
    line: usize,
    index: usize,
}

/// The fewest characters of a cell judged by the lexicon: prose, not a list of names.
const MIN_PROSE_CHARS: usize = 20;

/// Whether a cell's characters are prose the lexicon can judge: a sentence (at least
/// [`MIN_PROSE_CHARS`], with a comma or a full stop). Names of people and offices are not words of
/// a general lexicon (曾华辉 would become 曾华光, 华光 being a word); the registry and the ledger's
/// own spelling judge those.
fn prose(text: &[char]) -> bool {
    text.len() >= MIN_PROSE_CHARS && text.iter().any(|&c| matches!(c, '，' | '。'))
}

/// One character of a cell as read: its line, its place in the line, and its word's confidence.
#[derive(Clone, Copy, Debug)]
struct CellChar {
    line: usize,
    index: usize,
    c: char,
    conf: f32,
}

/// A cell's characters in reading order, across its lines (a word may wrap).
fn cell_chars(lines: &[OcrLine]) -> Vec<CellChar> {
    lines
        .iter()
        .enumerate()
        .flat_map(|(line, l)| {
            read_chars(l).into_iter().enumerate().map(move |(index, c)| CellChar { line, index, c: c.c, conf: c.conf })
        })
        .collect()
}

/// The doubtful characters of every crop's reading that is prose ([`prose`]): Han characters
/// read below [`super::LOW_CONFIDENCE`] with a Han neighbour (a word can be judged) that form no
/// word of the lexicon with their neighbours. The neighbours are the cell's characters in reading
/// order, across line ends (a word may wrap).
fn doubts(read: &[Vec<OcrLine>], lexicon: &Jieba) -> Vec<Doubt> {
    let mut out = Vec::new();
    for (crop, lines) in read.iter().enumerate() {
        let chars = cell_chars(lines);
        let text: Vec<char> = chars.iter().map(|c| c.c).collect();
        if !prose(&text) {
            continue;
        }
        for (i, &CellChar { line, index, c, conf }) in chars.iter().enumerate() {
            let han_neighbour = (i > 0 && is_han(text[i - 1])) || text.get(i + 1).is_some_and(|&n| is_han(n));
            if conf < super::LOW_CONFIDENCE && is_han(c) && han_neighbour && !in_a_word(&text, i, lexicon) {
                out.push(Doubt { crop, line, index });
            }
        }
    }
    out
}

/// The part of `crop` inside `bbox` (grown by a few pixels, within the crop), with a white
/// border of [`LINE_BORDER`].
fn line_image(crop: &Gray, bbox: [i32; 4], pad: i32) -> Gray {
    let clamp = |v: i32, max: usize| v.clamp(0, max as i32) as usize;
    let (x0, y0) = (clamp(bbox[0] - pad, crop.width), clamp(bbox[1] - pad, crop.height));
    let (x1, y1) = (clamp(bbox[2] + pad, crop.width).max(x0), clamp(bbox[3] + pad, crop.height).max(y0));
    crop.framed((x0, y0, x1, y1), LINE_BORDER)
}

/// How a line is cut and scaled for each reading again, in turn while the lexicon refuses the
/// choice: pixels around the line's box, the scale, and whether both models must agree on the
/// choice. The model's next choice depends on the cut and the scale (孵 for 锤 at one, 脚 at
/// another); forbidding more characters instead reaches worse choices (硕 → 厌 → 大, and 大一 is a
/// word). The first reading is the line as the cell was read (the Chinese model alone); later
/// ones, which try the model harder, take a choice only where the Han script model with it reads
/// the same.
const VARIANTS: [(i32, f32, bool); 3] = [(4, 1.0, false), (2, 1.25, true), (2, 1.0, true)];

/// Reads again the lines of `read` (the readings of `crops`) that hold doubtful characters
/// ([`doubts`]), each line alone with the doubtful characters forbidden, and takes the model's
/// next choice where the lexicon cuts it into a word with its neighbours ([`cut_into_a_word`]).
/// Where it refuses, the line is read again cut and scaled as the next of [`VARIANTS`] says. All
/// lines of a round are read by one tesseract process, so the characters forbidden are those of
/// every line of the round; a line read again is used only where it has as many characters as the
/// first (so that places match), and only at its doubtful places. Returns, for each crop, its
/// reading before the change where it changed (`None` where it did not).
pub fn recheck_doubtful(
    crops: &[Gray],
    read: &mut [Vec<OcrLine>],
    tesseract: &Tesseract,
) -> Result<Vec<Option<Vec<OcrLine>>>, OcrError> {
    let mut changed: Vec<Option<Vec<OcrLine>>> = vec![None; crops.len()];
    // The lexicon is loaded only where some cell of prose has a character read unsurely.
    let unsure = |lines: &Vec<OcrLine>| {
        let chars = cell_chars(lines);
        let text: Vec<char> = chars.iter().map(|c| c.c).collect();
        prose(&text) && chars.iter().any(|c| is_han(c.c) && c.conf < super::LOW_CONFIDENCE)
    };
    if !read.iter().any(unsure) {
        return Ok(changed);
    }
    let lexicon = lexicon();
    let found = doubts(read, lexicon);
    // Each doubt with the character forbidden at it (what was read) and the choices refused.
    let mut open: Vec<(Doubt, Vec<char>)> = found
        .into_iter()
        .map(|d| {
            let c = read_chars(&read[d.crop][d.line])[d.index].c;
            (d, vec![c])
        })
        .collect();
    for (pad, scale, agree) in VARIANTS {
        if open.is_empty() {
            break;
        }
        let mut lines: Vec<(usize, usize)> = open.iter().map(|(d, _)| (d.crop, d.line)).collect();
        lines.dedup();
        lines.truncate(MAX_LINES);
        open.retain(|(d, _)| lines.contains(&(d.crop, d.line)));
        // Sorted: the same call on every run.
        let mut excluded: Vec<char> = open.iter().map(|(_, cs)| cs[0]).collect();
        excluded.sort_unstable();
        excluded.dedup();
        let excluded: String = excluded.into_iter().collect();
        let images: Vec<Gray> = lines
            .iter()
            .map(|&(c, l)| {
                let image = line_image(&crops[c], read[c][l].bbox, pad);
                if scale == 1.0 {
                    image
                } else {
                    image.resampled(scale)
                }
            })
            .collect();
        let refs: Vec<&Gray> = images.iter().collect();
        let again = tesseract.recognize_excluding(&refs, Layout::Line, &excluded, Models::Chinese)?;
        let check = if agree {
            Some(tesseract.recognize_excluding(&refs, Layout::Line, &excluded, Models::Both)?)
        } else {
            None
        };
        let chars_of = |lines: &[OcrLine]| lines.iter().flat_map(read_chars).map(|c| c.c).collect::<Vec<char>>();
        let mut next_open = Vec::new();
        for (k, (&(crop, line), lines_again)) in lines.iter().zip(&again).enumerate() {
            let mut chars = read_chars(&read[crop][line]);
            let second = chars_of(lines_again);
            let other = check.as_ref().map(|c| c.get(k).map_or_else(Vec::new, |l| chars_of(l)));
            let here: Vec<(Doubt, Vec<char>)> =
                open.iter().filter(|(d, _)| d.crop == crop && d.line == line).cloned().collect();
            if second.len() != chars.len() || other.as_ref().is_some_and(|o| o.len() != chars.len()) {
                next_open.extend(here);
                continue;
            }
            // The cell's characters in reading order with their confidence, and where this line
            // starts among them.
            let cell = cell_chars(&read[crop]);
            let mut text: Vec<char> = cell.iter().map(|c| c.c).collect();
            let start = cell.iter().position(|c| c.line == line).unwrap_or(0);
            let sure = |k: usize| cell[k].conf >= super::LOW_CONFIDENCE;
            let mut any = false;
            for (d, mut refused) in here {
                let next = second[d.index];
                let disagree = other.as_ref().is_some_and(|o| o[d.index] != next);
                if !is_han(next) || refused.contains(&next) || disagree {
                    next_open.push((d, refused));
                    continue;
                }
                let at = start + d.index;
                let old = text[at];
                text[at] = next;
                if cut_into_a_word(&text, at, lexicon, &sure) {
                    chars[d.index].c = next;
                    chars[d.index].conf = chars[d.index].conf.min(CHOSEN_CONFIDENCE);
                    any = true;
                } else {
                    text[at] = old;
                    refused.push(next);
                    next_open.push((d, refused));
                }
            }
            if any {
                let bbox = read[crop][line].bbox;
                let mut rebuilt = line_of(&chars);
                rebuilt.bbox = bbox;
                changed[crop].get_or_insert_with(|| read[crop].clone());
                read[crop][line] = rebuilt;
            }
        }
        open = next_open;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::super::ocr::Word;
    use super::*;

    fn line(text: &str, confs: &[f32]) -> OcrLine {
        let words: Vec<Word> = text
            .chars()
            .zip(confs)
            .enumerate()
            .map(|(i, (c, &conf))| {
                let x = 40 * i as i32;
                Word { text: c.to_string(), conf, bbox: [x, 0, x + 38, 30] }
            })
            .collect();
        OcrLine { bbox: [0, 0, 40 * words.len() as i32, 30], words }
    }

    #[test]
    fn a_doubtful_character_in_no_word_is_found() {
        let lexicon = small(&["支持", "甘肃", "建设"]);
        // 文 doubtful, in no word; 建 doubtful but in 建设; 甘 sure.
        let mut confs = vec![90.0; 22];
        (confs[0], confs[4]) = (30.0, 40.0);
        let read = vec![vec![line("文持甘肃建设，甲乙丙丁戊己庚辛壬癸子丑寅卯", &confs)]];
        assert_eq!(doubts(&read, &lexicon), [Doubt { crop: 0, line: 0, index: 0 }]);
        // Not prose (a list of names): not judged.
        let names = vec![vec![line("曾华辉白江平", &[30.0; 6])]];
        assert!(doubts(&names, &lexicon).is_empty());
    }

    #[test]
    fn words_are_looked_up_across_line_ends() {
        let lexicon = small(&["建设"]);
        let read = vec![vec![line("甘建", &[90.0, 30.0]), line("设，甲乙丙丁戊己庚辛壬癸子丑寅卯辰", &[90.0; 18])]];
        assert!(doubts(&read, &lexicon).is_empty());
    }

    /// A lexicon of `words`, each `word` or `word frequency` (100 where not given).
    fn small(words: &[&str]) -> Jieba {
        let dict: String =
            words.iter().map(|w| if w.contains(' ') { format!("{w} n\n") } else { format!("{w} 100 n\n") }).collect();
        Jieba::with_dict(&mut dict.as_bytes()).unwrap()
    }

    #[test]
    fn a_choice_is_taken_where_the_lexicon_cuts_it_into_a_word() {
        let lexicon =
            small(&["支持", "和文", "文化 5000", "针灸", "针炙 4", "黎民", "针 500", "和 5000", "文 500", "化 500"]);
        let chars = |s: &str| s.chars().collect::<Vec<char>>();
        let all_sure = |_: usize| true;
        assert!(cut_into_a_word(&chars("建设。支持甘肃"), 3, &lexicon, &all_sure));
        // 和文 is a word, but the cut is 针 / 和 / 文化.
        assert!(!cut_into_a_word(&chars("基地、针和文化等优势"), 4, &lexicon, &all_sure));
        assert!(cut_into_a_word(&chars("基地、针灸文化等优势"), 4, &lexicon, &all_sure));
        // A word seen too rarely.
        assert!(!cut_into_a_word(&chars("基地、针炙文化等优势"), 4, &lexicon, &all_sure));
        // A word made with a doubtful neighbour (黎, index 2).
        assert!(!cut_into_a_word(&chars("个体黎民。"), 3, &lexicon, &|k| k != 2));
    }

    #[test]
    fn the_general_lexicon_knows_common_words_and_not_misreadings() {
        let lex = lexicon();
        assert!(lex.has_word("支持") && lex.has_word("孵化") && lex.has_word("牵头"));
        assert!(!lex.has_word("文持") && !lex.has_word("锤化"));
    }

    #[test]
    fn a_line_image_is_cut_within_the_crop_with_a_white_border() {
        let crop = Gray { width: 20, height: 10, pixels: vec![0; 200] };
        let img = line_image(&crop, [-5, 2, 30, 6], 4);
        assert_eq!((img.width, img.height), (20 + 2 * LINE_BORDER, 10 + 2 * LINE_BORDER));
        assert_eq!(img.pixels[0], 255);
    }
}
