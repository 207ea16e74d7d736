//! A ZIP archive written to a private file as it is built, so its size never sits in memory.
//! Texts are deflated; files sent in messages (mostly compressed already) are stored as they are.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

pub struct Archive {
    zip: ZipWriter<File>,
    modified: zip::DateTime,
}

impl Archive {
    /// A new archive in a file of its own in `dir` (created for the owner only), whose name is
    /// removed at once: the file goes when the archive is dropped, whatever happens.
    pub fn unnamed(dir: &Path, modified_at: i64) -> std::io::Result<Self> {
        crate::server::private_files::private_dir(dir, "export directory").map_err(std::io::Error::other)?;
        let path = dir.join(format!("{}.zip.part", crate::server::crypto::new_token()));
        let file = private_file(&path)?;
        std::fs::remove_file(&path)?;
        Ok(Self::on(file, modified_at))
    }

    /// A new archive at `path`, readable by the owner only.
    pub fn at(path: &Path, modified_at: i64) -> std::io::Result<Self> {
        Ok(Self::on(private_file(path)?, modified_at))
    }

    fn on(file: File, modified_at: i64) -> Self {
        Self { zip: ZipWriter::new(file), modified: zip_time(modified_at) }
    }

    fn options(&self, deflate: bool) -> SimpleFileOptions {
        let method = if deflate { CompressionMethod::Deflated } else { CompressionMethod::Stored };
        SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(self.modified)
            .unix_permissions(0o600)
            .large_file(false)
    }

    /// Adds a whole text or small document, deflated.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.begin(name, true)?;
        self.write(bytes)
    }

    /// Starts an entry whose bytes follow with [`Archive::write`].
    pub fn begin(&mut self, name: &str, deflate: bool) -> std::io::Result<()> {
        let options = self.options(deflate);
        self.zip.start_file(name, options).map_err(std::io::Error::other)
    }

    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.zip.write_all(bytes)
    }

    /// Ends the archive; the file, read from its start.
    pub fn finish(self) -> std::io::Result<File> {
        let mut file = self.zip.finish().map_err(std::io::Error::other)?;
        file.flush()?;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    }
}

fn private_file(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).write(true).create_new(true).mode(0o600).open(path)
}

fn zip_time(at: i64) -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    chrono::DateTime::from_timestamp(at, 0)
        .and_then(|t| {
            let (date, time) = (t.date_naive(), t.time());
            zip::DateTime::from_date_and_time(
                u16::try_from(date.year()).ok()?,
                date.month() as u8,
                date.day() as u8,
                time.hour() as u8,
                time.minute() as u8,
                time.second() as u8,
            )
            .ok()
        })
        .unwrap_or_default()
}

/// A name that is safe as one part of a path inside the archive: letters (Norwegian too), digits,
/// `-`, `_` and `.`; anything else becomes `_`; never empty, never `..`, at most 80 characters.
pub fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .take(80)
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_string();
    if cleaned.is_empty() { "_".into() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_their_folder() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name("Kari Nordmann"), "Kari_Nordmann");
        assert_eq!(safe_name("Blåbær-søknad.pdf"), "Blåbær-søknad.pdf");
        assert_eq!(safe_name(".."), "_");
        assert_eq!(safe_name(""), "_");
        assert_eq!(safe_name(&"x".repeat(200)).chars().count(), 80);
    }

    #[test]
    fn an_unnamed_archive_leaves_no_file_behind_and_reads_back() {
        let dir = std::env::temp_dir().join(format!("trygg-archive-{}", crate::server::crypto::new_token()));
        let mut archive = Archive::unnamed(&dir, 1_764_500_000).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "the name is gone at once");
        archive.add("a/record.json", b"{\"x\":1}").unwrap();
        archive.begin("a/files/1-photo.jpg", false).unwrap();
        archive.write(&[0xff; 1000]).unwrap();
        let file = archive.finish().unwrap();
        let mut read = zip::ZipArchive::new(file).unwrap();
        assert_eq!(read.len(), 2);
        let mut names: Vec<String> = read.file_names().map(String::from).collect();
        names.sort();
        assert_eq!(names, ["a/files/1-photo.jpg", "a/record.json"]);
        assert_eq!(read.by_name("a/files/1-photo.jpg").unwrap().size(), 1000);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
