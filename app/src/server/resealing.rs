//! Sealing a column again with the master key's current version, for key rotation. Each feature
//! that keeps values the master key seals directly describes its columns with `MasterSealed`.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::crypto::{Binding, MasterKey};
use crate::error::AppError;

/// One column the master key seals directly: how to read it, how to write it back, and the
/// binding of each row.
pub struct MasterSealed {
    /// Selects `k1` (the row's id), `k2` (a second key column, or `''`) and `v` (the value).
    pub select: &'static str,
    /// Writes `$1` to the row named by `$2` (and `$3` when `k2` is not empty).
    pub update: &'static str,
    /// The purpose and the row the value is bound to.
    pub binding: fn(&AnyRow) -> Result<(String, String), sqlx::Error>,
}

/// Opens every value of `columns` and seals it again with the current version, inside the
/// caller's transaction. Returns how many values were sealed again.
pub async fn reseal(
    tx: &mut sqlx::AnyConnection,
    master: &MasterKey,
    columns: &[MasterSealed],
) -> Result<u64, AppError> {
    let mut count = 0;
    for column in columns {
        for row in sqlx::query(column.select).fetch_all(&mut *tx).await? {
            let (purpose, binding_row) = (column.binding)(&row)?;
            let binding = Binding { purpose: &purpose, row: &binding_row };
            let value: Vec<u8> = row.try_get("v")?;
            let plain = master.open(&value, binding).map_err(|_| {
                tracing::error!(purpose, "a master-sealed value did not open during rotation");
                AppError::Internal
            })?;
            let k1: i64 = row.try_get("k1")?;
            let k2: String = row.try_get("k2")?;
            let update = sqlx::query(column.update).bind(master.seal(&plain, binding)).bind(k1);
            let update = if k2.is_empty() { update } else { update.bind(k2) };
            update.execute(&mut *tx).await?;
            count += 1;
        }
    }
    Ok(count)
}
