//! Profile rules: who gets the data processing agreement, and its record in the audit log.

use crate::audit::types::AuditAction;
use crate::error::{AppError, Problem};
use crate::i18n::Lang;
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
    Ok(super::agreement::render(lang, &practice, &state.config.operator, &date))
}
