//! What a sent file is, decided by its first bytes: never by its name or the browser's claim.
//! Only kinds a practice needs pass, and none that a browser would run (HTML, SVG, XML).

/// The kinds a message may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Heic,
    Text,
    Docx,
}

impl FileKind {
    /// The extension a stored file's name ends in.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Heic => "heic",
            Self::Text => "txt",
            Self::Docx => "docx",
        }
    }

    /// The type a download is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Heic => "image/heic",
            Self::Text => "text/plain; charset=utf-8",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    }
}

/// The kind of a file from its head (its first 256 KiB, or all of a smaller one); `None` for
/// anything else.
pub fn of(head: &[u8]) -> Option<FileKind> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if head.len() >= 12
        && &head[4..8] == b"ftyp"
        && matches!(&head[8..12], b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"mif1" | b"msf1")
    {
        Some(FileKind::Heic)
    } else if starts(b"PK\x03\x04") && contains(head, b"[Content_Types].xml") && contains(head, b"word/") {
        Some(FileKind::Docx)
    } else if is_plain_text(head) {
        Some(FileKind::Text)
    } else {
        None
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// UTF-8 text (the head may end inside a character) without control characters other than
/// tabs, line and page breaks, and without markup a browser would render or run.
fn is_plain_text(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(&head[..error.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    if text.is_empty() || text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')) {
        return false;
    }
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let lower = text.to_lowercase();
    !start.starts_with('<')
        && !["<script", "<html", "<svg", "<!doctype", "<?xml", "<iframe", "<body"].iter().any(|tag| lower.contains(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowed_kinds_are_recognised_by_content() {
        assert_eq!(of(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(of(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some(FileKind::Jpeg));
        assert_eq!(of(b"\x89PNG\r\n\x1a\n...."), Some(FileKind::Png));
        assert_eq!(of(b"\x00\x00\x00\x18ftypheic\x00\x00"), Some(FileKind::Heic));
        assert_eq!(of(b"\x00\x00\x00\x18ftypmif1\x00\x00"), Some(FileKind::Heic));
        let docx = b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml....PK\x03\x04word/document.xml";
        assert_eq!(of(docx), Some(FileKind::Docx));
        assert_eq!(of("Hei!\r\nSe vedlagt.\tTakk\n".as_bytes()), Some(FileKind::Text));
        assert_eq!(of("\u{feff}Med BOM".as_bytes()), Some(FileKind::Text));
        // A head cut inside "ø" is still text.
        assert_eq!(of(&"Hø".as_bytes()[..2]), Some(FileKind::Text));
    }

    #[test]
    fn everything_else_is_refused() {
        for refused in [
            &b"<html><script>alert(1)</script>"[..],
            b"  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            b"<?xml version='1.0'?><x/>",
            b"Hello <script>alert(1)</script>",
            b"#!/bin/sh\nrm -rf /\x00",
            b"MZ\x90\x00\x03\x00",
            b"PK\x03\x04 an ordinary zip",
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
            b"\xff\xfe\x00\x00",
            b"",
        ] {
            assert_eq!(of(refused), None, "{refused:?}");
        }
    }
}
