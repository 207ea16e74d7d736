//! Master key rotation, in steps an operator runs while the servers keep serving:
//!
//! 1. `server keys rotate`: the key file gains a new current version; the old ones stay, so
//!    everything still opens. Every running server notices the changed file before its next
//!    seal and seals with the new version from then on. Then, in two transactions, every client
//!    data key is re-wrapped, and the few account secrets that the master key seals directly
//!    (two-factor keys, lost-2FA evidence) are sealed again; a crash between them leaves values
//!    under the old version, which `rewrap` (and `retire`'s check) take care of. The client
//!    records themselves are not touched: their data keys did not change.
//! 2. `server keys retire`: scans every column the master key seals and drops the old versions
//!    from the key file only when no value names them any more. A value a server sealed just
//!    as the rotation ran (it began before the file changed) makes it refuse;
//!    `server keys rewrap` moves such values to the current version, and retiring then works.
//!
//! A crash between the steps leaves a key file with more versions than needed, never fewer.

use crate::error::AppError;
use crate::server::crypto::{MasterKey, master_version_of};
use crate::server::db::{self, Db};
use crate::server::envelope;

#[derive(Debug, PartialEq, Eq)]
pub struct Rotation {
    pub version: u32,
    pub data_keys: u64,
    pub account_secrets: u64,
}

pub async fn rotate_master_key(db: &Db, master: &MasterKey) -> Result<Rotation, AppError> {
    master.add_version().map_err(AppError::internal)?;
    rewrap(db, master).await
}

/// Seals everything the master key seals again with its current version.
pub async fn rewrap(db: &Db, master: &MasterKey) -> Result<Rotation, AppError> {
    let version = master.current_version();
    let data_keys = envelope::rewrap_all(db, master).await?;
    let account_secrets = reseal_account_secrets(db, master).await?;
    Ok(Rotation { version, data_keys, account_secrets })
}

/// Every column that holds values the master key sealed directly.
const MASTER_SEALED_COLUMNS: [(&str, &str); 6] = [
    ("client_keys", "wrapped"),
    ("users", "totp_secret"),
    ("totp_setups", "secret"),
    ("lost_2fa_requests", "card_last4"),
    ("lost_2fa_evidence", "data"),
    ("practice_exports", "key_wrapped"),
];

/// Values that still name a version other than the current one: where, which version, how many.
#[derive(Debug, PartialEq, Eq)]
pub struct StillSealed {
    pub column: String,
    pub version: u32,
    pub count: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RetireError {
    #[error("values still sealed with older versions: {0:?}")]
    StillSealed(Vec<StillSealed>),
    #[error(transparent)]
    Failed(#[from] AppError),
}

/// Drops every version but the current one from the key file, after checking that no stored
/// value names one of them. Returns the versions dropped.
pub async fn retire(db: &Db, master: &MasterKey) -> Result<Vec<u32>, RetireError> {
    let current = master.current_version();
    let mut still = Vec::new();
    for (table, column) in MASTER_SEALED_COLUMNS {
        // Only the header (format byte and version): evidence files can be megabytes each.
        let headers: Vec<Vec<u8>> =
            sqlx::query_scalar(&format!("SELECT substr({column}, 1, 5) FROM {table} WHERE {column} IS NOT NULL"))
                .fetch_all(db)
                .await
                .map_err(AppError::from)?;
        let mut counts = std::collections::BTreeMap::new();
        for version in headers.iter().filter_map(|header| master_version_of(header)).filter(|v| *v != current) {
            *counts.entry(version).or_insert(0) += 1;
        }
        still.extend(counts.into_iter().map(|(version, count)| StillSealed {
            column: format!("{table}.{column}"),
            version,
            count,
        }));
    }
    if !still.is_empty() {
        return Err(RetireError::StillSealed(still));
    }
    master.retire_old_versions().map_err(|error| RetireError::Failed(AppError::internal(error)))
}
/// The secrets the master key seals directly, in one transaction: the two-factor keys, the
/// lost-2FA evidence and the keys of practice exports.
async fn reseal_account_secrets(db: &Db, master: &MasterKey) -> Result<u64, AppError> {
    let mut tx = db::begin_write(db).await?;
    let count = crate::two_factor::service::reseal_master_sealed(&mut tx, master).await?
        + crate::support::service::reseal_master_sealed(&mut tx, master).await?
        + crate::export::service::reseal_master_sealed(&mut tx, master).await?;
    tx.commit().await?;
    Ok(count)
}
