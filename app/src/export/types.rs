//! What the Settings page shows of the practice's export.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportStatus {
    /// When it was asked for, local `YYYY-MM-DD HH:MM`.
    pub started: String,
    pub stage: ExportStage,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportStage {
    Building {
        done: i64,
        total: i64,
    },
    /// The link is in the mail; it works until `until` (local time).
    Ready {
        until: String,
        size: i64,
    },
    Expired,
    Taken,
    Failed,
}

impl ExportStage {
    pub fn building(&self) -> bool {
        matches!(self, Self::Building { .. })
    }
}

/// A size as people read it: "820 KB", "14.2 MB".
pub fn size_text(bytes: i64) -> String {
    if bytes < 1_000_000 {
        format!("{} KB", (bytes + 999) / 1000)
    } else {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_kilobytes_then_megabytes() {
        assert_eq!(size_text(1), "1 KB");
        assert_eq!(size_text(820_000), "820 KB");
        assert_eq!(size_text(14_230_000), "14.2 MB");
    }
}
