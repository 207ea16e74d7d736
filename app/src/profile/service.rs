//! Profile rules: the data processing agreement ("databehandleravtale") as a PDF, made for the
//! practice that asks (the practice as controller, the operator from configuration as processor),
//! and its record in the audit log. The wording lives in `agreement/{nb,en}.txt`: `#` a title,
//! `##` a heading, `-` a bullet, `@controller` and `@processor` the parties' details, anything
//! else a paragraph.

use super::types::PracticeDetails;
use crate::audit::types::AuditAction;
use crate::error::{AppError, Problem};
use crate::i18n::Lang;
use crate::server::config::Operator;
use crate::server::pdf::Document;
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

/// The practitioner's agreement for their own practice, in `lang`, dated today, recorded in the
/// practice's audit log. None is made while the operator's details are incomplete.
pub async fn agreement(state: &AppState, user: &CurrentUser, lang: Lang) -> Result<Vec<u8>, AppError> {
    if !state.config.operator.missing().is_empty() {
        return Err(AppError::Conflict(Problem::AgreementNotReady));
    }
    let practice = super::store::practice(&state.db, user.practice_id).await?;
    let now = state.clock.now();
    let date = chrono::DateTime::from_timestamp(now, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    crate::audit::store::record(&state.db, user, now, AuditAction::AgreementDownloaded, None, None).await?;
    Ok(render(lang, &practice, &state.config.operator, &date))
}

fn wording(lang: Lang) -> &'static str {
    match lang {
        Lang::Nb => include_str!("agreement/nb.txt"),
        Lang::En => include_str!("agreement/en.txt"),
    }
}

/// The agreement for this practice, in this language, dated `date` (`YYYY-MM-DD`).
pub fn render(lang: Lang, practice: &PracticeDetails, operator: &Operator, date: &str) -> Vec<u8> {
    let t = lang.texts();
    let mut doc = Document::new(t.dpa_title, lang.code(), &format!("{} · {}", t.dpa_title, practice.name));
    for line in wording(lang).lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = line.replace("{date}", &crate::dates::long_date_of(lang, date));
        if let Some(title) = line.strip_prefix("# ") {
            doc.title(title);
        } else if let Some(heading) = line.strip_prefix("## ") {
            doc.heading(heading);
        } else if let Some(item) = line.strip_prefix("- ") {
            doc.bullet(item);
        } else if line == "@controller" {
            doc.space(4.0);
            doc.paragraph(t.dpa_controller);
            doc.row(t.dpa_name, &practice.name);
            doc.row(t.dpa_address, &practice.address);
            doc.row(t.dpa_org_number, &practice.org_number);
        } else if line == "@processor" {
            doc.space(6.0);
            doc.paragraph(t.dpa_processor);
            doc.row(t.dpa_name, &operator.name);
            doc.row(t.dpa_address, &operator.address);
            doc.row(t.dpa_org_number, &operator.org_number);
            doc.row(t.dpa_contact, &operator.email);
        } else {
            doc.paragraph(&line);
        }
    }
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_fill_in_the_parties() {
        let practice = PracticeDetails {
            name: "Klinikk Fjord".into(),
            address: "Storgata 1".into(),
            org_number: "923609016".into(),
        };
        let operator = Operator {
            name: "Drift AS".into(),
            address: String::new(),
            org_number: String::new(),
            email: "x@y.no".into(),
        };
        for (lang, date) in [(Lang::Nb, "25. nov. 2026"), (Lang::En, "25 Nov 2026")] {
            let pdf = render(lang, &practice, &operator, "2026-11-25");
            let text = crate::server::pdf::text_of(&pdf);
            assert!(pdf.starts_with(b"%PDF-"));
            for expected in ["Klinikk Fjord\n", "923609016\n", "Storgata 1\n", "Drift AS\n", date] {
                assert!(text.contains(expected), "{lang:?} lacks {expected}");
            }
        }
    }

    #[test]
    fn the_wordings_have_the_same_shape() {
        let shape = |lang| {
            wording(lang)
                .lines()
                .filter_map(|l| l.split(' ').next())
                .filter(|w| w.starts_with(['#', '@']))
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(Lang::Nb), shape(Lang::En));
    }
}
