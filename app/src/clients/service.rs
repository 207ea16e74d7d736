//! Client rules: the input checks that need the server (today's date), then the store.

use super::store;
use super::types::{ClientInput, RawClient};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::error::{AppError, Problem};
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

fn checked(state: &AppState, raw: RawClient<'_>) -> Result<ClientInput, AppError> {
    let input = ClientInput::parse(raw)?;
    if !input.birth_date.is_empty() && input.birth_date > state.clock.latest_date_anywhere() {
        return Err(AppError::field("birth_date", Problem::DateInFuture));
    }
    Ok(input)
}

pub async fn create(state: &AppState, user: &CurrentUser, raw: RawClient<'_>) -> Result<i64, AppError> {
    let input = checked(state, raw)?;
    Ok(store::create(&state.db, user.practice_id, &input, state.clock.now()).await?)
}

pub async fn update(state: &AppState, user: &CurrentUser, id: i64, raw: RawClient<'_>) -> Result<(), AppError> {
    let input = checked(state, raw)?;
    if store::update(&state.db, user.practice_id, id, &input, state.clock.now()).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Deletes the client, its data keys first (see `store::delete`), and records it in the audit log.
pub async fn delete(state: &AppState, user: &CurrentUser, id: i64) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    if !store::delete(&mut tx, user.practice_id, id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&mut *tx, user, state.clock.now(), AuditAction::ClientDeleted, Some(id), None).await?;
    tx.commit().await?;
    Ok(())
}
