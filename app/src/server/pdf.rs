//! A small document writer on top of `pdf-writer`: A4 pages of headings, paragraphs, bullets,
//! label–value rows and line drawings (a drawn signature), wrapped to the page and numbered. Text is set in Helvetica (one of the base
//! fonts every PDF reader has) with WinAnsi encoding, which covers Norwegian letters, so no font
//! file is embedded and the files stay small.

use pdf_writer::types::{LineCapStyle, LineJoinStyle};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 64.0;
const BOTTOM: f32 = 72.0;
const BODY_SIZE: f32 = 10.5;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

#[derive(Clone, Copy, PartialEq)]
enum Font {
    Regular,
    Bold,
}

struct Line {
    font: Font,
    size: f32,
    x: f32,
    y: f32,
    text: Vec<u8>,
}

/// Strokes placed in a framed box on a page, in page points.
struct Drawing {
    page: usize,
    frame: (f32, f32, f32, f32),
    strokes: Vec<Vec<(f32, f32)>>,
}

pub struct Document {
    title: String,
    lang: &'static str,
    footer: String,
    pages: Vec<Vec<Line>>,
    drawings: Vec<Drawing>,
    y: f32,
}

impl Document {
    /// `footer` is printed on every page before "n / N".
    pub fn new(title: &str, lang: &'static str, footer: &str) -> Self {
        Self {
            title: title.into(),
            lang,
            footer: footer.into(),
            pages: vec![Vec::new()],
            drawings: Vec::new(),
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    pub fn title(&mut self, text: &str) {
        self.block(text, Font::Bold, 17.0, 0.0, 6.0);
    }

    pub fn heading(&mut self, text: &str) {
        self.space(8.0);
        self.block(text, Font::Bold, 12.0, 0.0, 3.0);
    }

    pub fn paragraph(&mut self, text: &str) {
        self.block(text, Font::Regular, BODY_SIZE, 0.0, 5.0);
    }

    pub fn bullet(&mut self, text: &str) {
        let (page, index) = (self.pages.len() - 1, self.pages[self.pages.len() - 1].len());
        self.block(text, Font::Regular, BODY_SIZE, 14.0, 3.0);
        // The bullet goes beside the block's first line, which may have started a new page.
        let (page, index) = if self.pages[page].len() > index { (page, index) } else { (page + 1, 0) };
        let y = self.pages[page][index].y;
        self.pages[page].push(Line { font: Font::Regular, size: BODY_SIZE, x: MARGIN + 3.0, y, text: encode("•") });
    }

    /// Label and value side by side; an empty value prints as a dash.
    pub fn row(&mut self, label: &str, value: &str) {
        let size = BODY_SIZE;
        let value = if value.trim().is_empty() { "—" } else { value };
        let label_width = 150.0;
        let lines = wrap(value, Font::Regular, size, PAGE_WIDTH - 2.0 * MARGIN - label_width);
        self.ensure_room(size * 1.35 * lines.len() as f32);
        let y = self.y - size;
        self.push(Line { font: Font::Bold, size, x: MARGIN, y, text: encode(label) });
        for (i, line) in lines.iter().enumerate() {
            let y = y - i as f32 * size * 1.35;
            self.push(Line { font: Font::Regular, size, x: MARGIN + label_width, y, text: encode(line) });
        }
        self.y -= size * 1.35 * lines.len() as f32 + 3.0;
    }

    /// A label and, beside it, strokes drawn on a `grid` (width, height; y pointing down),
    /// scaled into a framed box of the value column's width.
    pub fn drawing(&mut self, label: &str, grid: (f32, f32), strokes: &[Vec<(f32, f32)>]) {
        let label_width = 150.0;
        let width = (PAGE_WIDTH - 2.0 * MARGIN - label_width).min(240.0);
        let scale = width / grid.0;
        let height = grid.1 * scale;
        self.ensure_room(height + 6.0);
        let (left, bottom) = (MARGIN + label_width, self.y - height);
        self.push(Line { font: Font::Bold, size: BODY_SIZE, x: MARGIN, y: self.y - BODY_SIZE, text: encode(label) });
        let strokes = strokes
            .iter()
            .map(|stroke| stroke.iter().map(|(x, y)| (left + x * scale, self.y - y * scale)).collect())
            .collect();
        self.drawings.push(Drawing { page: self.pages.len() - 1, frame: (left, bottom, width, height), strokes });
        self.y = bottom - 6.0;
    }

    pub fn space(&mut self, points: f32) {
        self.y -= points;
    }

    fn push(&mut self, line: Line) {
        self.pages.last_mut().expect("a document has a page").push(line);
    }

    fn ensure_room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.pages.push(Vec::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn block(&mut self, text: &str, font: Font, size: f32, indent: f32, after: f32) {
        let leading = size * 1.35;
        for paragraph_line in wrap(text, font, size, PAGE_WIDTH - 2.0 * MARGIN - indent) {
            self.ensure_room(leading);
            self.y -= leading;
            let y = self.y + leading - size;
            self.push(Line { font, size, x: MARGIN + indent, y, text: encode(&paragraph_line) });
        }
        self.y -= after;
    }

    pub fn finish(self) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let (regular, bold, info) = (Ref::new(3), Ref::new(4), Ref::new(5));
        let count = self.pages.len();
        let page_ids: Vec<Ref> = (0..count).map(|i| Ref::new(10 + 2 * i as i32)).collect();
        pdf.catalog(catalog).pages(tree).lang(TextStr(self.lang));
        pdf.pages(tree).kids(page_ids.iter().copied()).count(count as i32);
        for (font, name) in [(regular, &b"Helvetica"[..]), (bold, &b"Helvetica-Bold"[..])] {
            pdf.type1_font(font).base_font(Name(name)).encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.document_info(info).title(TextStr(&self.title)).producer(TextStr("Trygg"));
        for (i, lines) in self.pages.iter().enumerate() {
            let (page_id, content_id) = (page_ids[i], Ref::new(11 + 2 * i as i32));
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).parent(tree).contents(content_id);
            page.resources().fonts().pair(REGULAR, regular).pair(BOLD, bold);
            page.finish();
            let mut content = Content::new();
            let footer = encode(&format!("{} · {} / {count}", self.footer, i + 1));
            let footer_line = Line { font: Font::Regular, size: 8.5, x: MARGIN, y: 40.0, text: footer };
            for line in lines.iter().chain(std::iter::once(&footer_line)) {
                content.begin_text();
                content.set_font(if line.font == Font::Bold { BOLD } else { REGULAR }, line.size);
                content.next_line(line.x, line.y);
                content.show(Str(&line.text));
                content.end_text();
            }
            for drawing in self.drawings.iter().filter(|d| d.page == i) {
                draw(&mut content, drawing);
            }
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }
}

fn draw(content: &mut Content, drawing: &Drawing) {
    let (x, y, width, height) = drawing.frame;
    content.save_state();
    content.set_line_width(0.5).set_stroke_gray(0.7).rect(x, y, width, height).stroke();
    content.set_line_width(1.4).set_stroke_gray(0.0);
    content.set_line_cap(LineCapStyle::RoundCap).set_line_join(LineJoinStyle::RoundJoin);
    for stroke in &drawing.strokes {
        let Some(&(first_x, first_y)) = stroke.first() else { continue };
        content.move_to(first_x, first_y);
        if stroke.len() == 1 {
            // A dot: a line of no length, which the round cap makes visible.
            content.line_to(first_x, first_y);
        }
        for &(x, y) in &stroke[1..] {
            content.line_to(x, y);
        }
        content.stroke();
    }
    content.restore_state();
}

/// Splits text into lines that fit `width` points; explicit line breaks are kept.
fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for source in text.split('\n') {
        let mut line = String::new();
        for word in source.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if !line.is_empty() && text_width(&candidate, font, size) > width {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = candidate;
            }
        }
        lines.push(line);
    }
    lines
}

fn text_width(text: &str, font: Font, size: f32) -> f32 {
    let units: u32 = text.chars().map(helvetica_width).sum();
    // Helvetica-Bold runs about 5 % wider than Helvetica; the margin keeps bold lines inside.
    let factor = if font == Font::Bold { 1.08 } else { 1.0 };
    units as f32 * size / 1000.0 * factor
}

/// Advance widths of Helvetica (from its AFM metrics), in thousandths of the font size.
fn helvetica_width(c: char) -> u32 {
    const ASCII: [u16; 95] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
        278, 278, 584, 584, 584, 556, 1015, // : to @
        667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A-M
        722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N-Z
        278, 278, 278, 469, 556, 333, // [ to `
        556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a-m
        556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n-z
        334, 260, 334, 584, // { to ~
    ];
    match c {
        ' '..='~' => u32::from(ASCII[c as usize - 32]),
        'Æ' | '—' => 1000,
        'æ' => 889,
        'Ø' | 'Ö' => 778,
        'Å' | 'Ä' | 'É' => 667,
        'ø' => 611,
        '•' => 350,
        '·' | '’' | '‘' => 278,
        _ => 556,
    }
}

/// Text in WinAnsi encoding; a character it lacks becomes `?`.
fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

/// The text lines of a PDF this module wrote (for tests and checks): each shown string, decoded
/// from WinAnsi, one per line.
pub fn text_of(pdf: &[u8]) -> String {
    let mut out = String::new();
    let mut rest = pdf;
    while let Some(start) = rest.iter().position(|&b| b == b'(' || b == b'<') {
        let (open, body) = (rest[start], &rest[start + 1..]);
        let mut bytes = Vec::new();
        let mut i = 0;
        if open == b'<' {
            if body.first() == Some(&b'<') {
                rest = &body[1..];
                continue;
            }
            let end = body.iter().position(|&b| b == b'>').unwrap_or(body.len());
            let hex: Vec<u8> = body[..end].iter().copied().filter(u8::is_ascii_hexdigit).collect();
            bytes = hex.chunks(2).filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok()).collect();
            i = end;
        } else {
            // Literal strings may hold balanced, unescaped parentheses.
            let mut depth = 0;
            while i < body.len() && (body[i] != b')' || depth > 0) {
                match body[i] {
                    b'(' => depth += 1,
                    b')' => depth -= 1,
                    _ => {}
                }
                if body[i] == b'\\' && i + 1 < body.len() {
                    i += 1;
                    bytes.push(match body[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'0'..=b'7' => {
                            let digits: Vec<u8> =
                                body[i..].iter().copied().take_while(|b| (b'0'..=b'7').contains(b)).take(3).collect();
                            i += digits.len() - 1;
                            digits.iter().fold(0u8, |n, d| n.wrapping_mul(8).wrapping_add(d - b'0'))
                        }
                        other => other,
                    });
                } else {
                    bytes.push(body[i]);
                }
                i += 1;
            }
        }
        rest = body.get(i + 1..).unwrap_or_default();
        let after = rest.iter().skip_while(|b| b.is_ascii_whitespace()).take(2).copied().collect::<Vec<u8>>();
        if after == b"Tj" {
            out.extend(bytes.iter().map(|&b| decode(b)));
            out.push('\n');
        }
    }
    out
}

fn decode(byte: u8) -> char {
    match byte {
        0x80 => '€',
        0x85 => '…',
        0x91 => '‘',
        0x92 => '’',
        0x93 => '“',
        0x94 => '”',
        0x95 => '•',
        0x96 => '–',
        0x97 => '—',
        b => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_letters_are_encoded_in_win_ansi() {
        assert_eq!(encode("Æøå – ok"), vec![0xC6, 0xF8, 0xE5, b' ', 0x96, b' ', b'o', b'k']);
        assert_eq!(encode("漢"), b"?");
    }

    #[test]
    fn long_text_wraps_within_the_width() {
        let text = "Databehandleren skal bare behandle personopplysninger etter dokumenterte instrukser. ".repeat(5);
        let lines = wrap(&text, Font::Regular, BODY_SIZE, 300.0);
        assert!(lines.len() > 4);
        assert!(lines.iter().all(|l| text_width(l, Font::Regular, BODY_SIZE) <= 300.0));
        assert_eq!(lines.join(" ").split_whitespace().count(), text.split_whitespace().count());
    }

    #[test]
    fn a_document_is_a_pdf_with_numbered_pages() {
        let mut doc = Document::new("Test", "nb", "Avtale");
        doc.title("Databehandleravtale");
        for _ in 0..80 {
            doc.paragraph("Et avsnitt som fyller siden, slik at dokumentet får mer enn én side.");
        }
        let pdf = doc.finish();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.windows(5).any(|w| w == b"%%EOF"));
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("/Count 2") || raw.contains("/Count 3"));
        assert!(raw.contains("/WinAnsiEncoding"));
        let text = text_of(&pdf);
        assert!(text.starts_with("Databehandleravtale\nEt avsnitt som fyller siden"), "{text}");
        assert!(text.contains("Avtale · 1 / "));
    }

    #[test]
    fn text_comes_back_out_with_escapes_and_norwegian_letters() {
        let mut doc = Document::new("T", "nb", "F");
        doc.paragraph("Klinikk (Øst) \\ Blåbærveien");
        doc.paragraph("plain (ascii) \\ line");
        let text = text_of(&doc.finish());
        assert!(text.contains("Klinikk (Øst) \\ Blåbærveien\n"), "{text}");
        assert!(text.contains("plain (ascii) \\ line\n"), "{text}");
    }

    #[test]
    fn a_drawing_is_drawn_as_lines_inside_its_frame() {
        let mut doc = Document::new("T", "en", "F");
        doc.paragraph("Above");
        doc.drawing("Drawn signature", (600.0, 200.0), &[vec![(0.0, 0.0), (600.0, 200.0)], vec![(300.0, 100.0)]]);
        let pdf = doc.finish();
        let raw = String::from_utf8_lossy(&pdf);
        let ops = |op: &str| -> Vec<(f32, f32)> {
            raw.lines()
                .filter_map(|line| line.strip_suffix(op))
                .filter_map(|xy| {
                    let mut n = xy.split_whitespace().map(|v| v.parse::<f32>().unwrap());
                    Some((n.next()?, n.next()?))
                })
                .collect()
        };
        let (moves, lines) = (ops(" m"), ops(" l"));
        assert_eq!(moves.len(), 2, "{raw}");
        assert_eq!(lines.len(), 2, "{raw}");
        // The first stroke runs from the frame's top left to its bottom right, 240 × 80 points.
        let ((x0, y0), (x1, y1)) = (moves[0], lines[0]);
        assert_eq!(x0, MARGIN + 150.0);
        assert!((x1 - x0 - 240.0).abs() < 0.01 && (y0 - y1 - 80.0).abs() < 0.01, "{moves:?} {lines:?}");
        // The dot is a line of no length in the middle.
        assert_eq!(moves[1], lines[1]);
        assert!(raw.contains(&format!("{x0} {} 240 80 re", y0 - 80.0)), "{raw}");
        assert!(text_of(&pdf).contains("Drawn signature"));
    }
}
