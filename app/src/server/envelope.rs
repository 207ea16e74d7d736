//! Envelope encryption of client data.
//!
//! Each client has its own random 256-bit data key. It is stored only wrapped (sealed) by the
//! master key, in `client_keys`. Everything that names a client or says why they come (the
//! profile, notes, appointment notes, journal texts, the booking's IP address and User-Agent,
//! consent evidence, the outbox's copies of mails to the client) is sealed with that data key: XChaCha20-Poly1305,
//! with associated data that binds practice, client, record, field and key version. Deleting a
//! client deletes its keys first, so whatever copies of its records remain (a backup, a stray
//! export) can no longer be opened. Rotating the master key re-wraps the data keys and leaves the
//! records alone.

use std::collections::{BTreeMap, HashMap};

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::KeyInit;
use rand::RngCore;
use rand::rngs::OsRng;
use sqlx::{AnyConnection, Row};

use super::crypto::{Binding, MasterKey, OpenError, open_with, seal_with, split_versioned};
use super::db::Db;
use crate::error::AppError;
use crate::ids::{ClientId, PracticeId};

/// The format byte of a value sealed with a client's data key (master-sealed values use 1–2).
pub const CLIENT_SEALED: u8 = 0x10;

/// Where a sealed value belongs inside a client: `record` names the row (`"journal:5/version:2"`),
/// `field` the column (`"journal.text"`).
#[derive(Clone, Copy)]
pub struct Field<'a> {
    pub record: &'a str,
    pub field: &'a str,
}

/// A client's data keys, unwrapped, by version; the highest seals new values. Neither `Debug`
/// nor `Serialize`, and never leaves the server.
pub struct ClientKeys {
    practice_id: PracticeId,
    client_id: ClientId,
    keys: BTreeMap<u32, XChaCha20Poly1305>,
}

impl ClientKeys {
    fn aad(&self, version: u32, field: Field<'_>) -> Vec<u8> {
        let row = format!("practice:{}/client:{}/{}", self.practice_id, self.client_id, field.record);
        Binding { purpose: field.field, row: &row }.encode(version)
    }

    pub fn seal(&self, plaintext: &[u8], field: Field<'_>) -> Vec<u8> {
        let (version, cipher) = self.keys.iter().next_back().expect("a client has at least one key");
        seal_with(cipher, CLIENT_SEALED, *version, plaintext, &self.aad(*version, field))
    }

    pub fn open(&self, sealed: &[u8], field: Field<'_>) -> Result<Vec<u8>, OpenError> {
        let (version, rest) = split_versioned(sealed, CLIENT_SEALED).ok_or(OpenError)?;
        let cipher = self.keys.get(&version).ok_or(OpenError)?;
        open_with(cipher, rest, &self.aad(version, field))
    }

    pub fn seal_text(&self, text: &str, field: Field<'_>) -> Vec<u8> {
        self.seal(text.as_bytes(), field)
    }

    /// Opens a sealed text. Failure means tampering, a value moved between rows, or a lost key:
    /// logged, and answered as an internal error.
    pub fn open_text(&self, sealed: &[u8], field: Field<'_>) -> Result<String, AppError> {
        self.open(sealed, field).ok().and_then(|bytes| String::from_utf8(bytes).ok()).ok_or_else(|| {
            tracing::error!(client_id = %self.client_id, field = field.field, "a client value did not decrypt");
            AppError::Internal
        })
    }
}

#[cfg(test)]
impl ClientKeys {
    /// Keys of a fixed value, for unit tests elsewhere.
    pub fn for_tests(practice_id: i64, client_id: i64) -> Self {
        Self {
            practice_id: PracticeId(practice_id),
            client_id: ClientId(client_id),
            keys: BTreeMap::from([(1, XChaCha20Poly1305::new((&[7u8; 32]).into()))]),
        }
    }
}

/// Whether a stored value is sealed with a client's data key (rather than the master key, as
/// values from before envelope encryption were).
pub fn is_client_sealed(value: &[u8]) -> bool {
    value.first() == Some(&CLIENT_SEALED)
}

pub fn wrap_binding_row(practice_id: PracticeId, client_id: ClientId, version: u32) -> String {
    format!("practice:{practice_id}/client:{client_id}/key:{version}")
}

pub const WRAP_PURPOSE: &str = "client_keys.key";

fn unwrap_keys(
    master: &MasterKey,
    practice_id: PracticeId,
    client_id: ClientId,
    rows: &[(i64, Vec<u8>)],
) -> Result<ClientKeys, AppError> {
    let mut keys = BTreeMap::new();
    for (version, wrapped) in rows {
        let version = u32::try_from(*version).map_err(AppError::internal)?;
        let row = wrap_binding_row(practice_id, client_id, version);
        let bytes = master.open(wrapped, Binding { purpose: WRAP_PURPOSE, row: &row }).map_err(|_| {
            tracing::error!(%client_id, version, "a client's data key did not unwrap (wrong master key?)");
            AppError::Internal
        })?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| AppError::Internal)?;
        keys.insert(version, XChaCha20Poly1305::new((&key).into()));
    }
    Ok(ClientKeys { practice_id, client_id, keys })
}

async fn stored_keys(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<Vec<(i64, Vec<u8>)>, sqlx::Error> {
    let rows: Vec<KeyRow> = sqlx::query_as(
        "SELECT client_id, version, wrapped FROM client_keys WHERE practice_id = $1 AND client_id = $2 ORDER BY version",
    )
    .bind(practice_id)
    .bind(client_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|row| (row.version, row.wrapped)).collect())
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    client_id: ClientId,
    version: i64,
    wrapped: Vec<u8>,
}

/// The client's keys, or `None` when it has none (never had a sealed value, or was deleted).
pub async fn existing(
    db: &Db,
    master: &MasterKey,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<Option<ClientKeys>, AppError> {
    existing_in(&mut *db.acquire().await?, master, practice_id, client_id).await
}

/// [`existing`] on the caller's connection (or transaction).
pub async fn existing_in(
    conn: &mut AnyConnection,
    master: &MasterKey,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<Option<ClientKeys>, AppError> {
    let rows = stored_keys(conn, practice_id, client_id).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    unwrap_keys(master, practice_id, client_id, &rows).map(Some)
}

/// The keys of the practice's clients in `only` (all its clients when `None`), in one query:
/// for pages that open many clients' values at once.
pub async fn of_clients(
    conn: &mut AnyConnection,
    master: &MasterKey,
    practice_id: PracticeId,
    only: Option<&[ClientId]>,
) -> Result<HashMap<ClientId, ClientKeys>, AppError> {
    if only.is_some_and(|ids| ids.is_empty()) {
        return Ok(HashMap::new());
    }
    let mut sql = "SELECT client_id, version, wrapped FROM client_keys WHERE practice_id = $1".to_string();
    if let Some(ids) = only {
        let list = (0..ids.len()).map(|i| format!("${}", i + 2)).collect::<Vec<_>>().join(", ");
        sql.push_str(&format!(" AND client_id IN ({list})"));
    }
    sql.push_str(" ORDER BY client_id, version");
    let mut query = sqlx::query_as::<_, KeyRow>(&sql).bind(practice_id);
    for id in only.unwrap_or_default() {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(conn).await?;
    let mut by_client: HashMap<ClientId, Vec<(i64, Vec<u8>)>> = HashMap::new();
    for row in rows {
        by_client.entry(row.client_id).or_default().push((row.version, row.wrapped));
    }
    by_client
        .into_iter()
        .map(|(client_id, rows)| Ok((client_id, unwrap_keys(master, practice_id, client_id, &rows)?)))
        .collect()
}

/// The client's keys, creating its first data key when it has none. The client must belong to
/// the practice: the key is only inserted for a client row that does.
pub async fn for_client(
    db: &Db,
    master: &MasterKey,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<ClientKeys, AppError> {
    for_client_in(&mut *db.acquire().await?, master, practice_id, client_id).await
}

/// [`for_client`] on the caller's connection (or transaction): a client created in it gets its
/// key in it too.
pub async fn for_client_in(
    conn: &mut AnyConnection,
    master: &MasterKey,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<ClientKeys, AppError> {
    if let Some(keys) = existing_in(conn, master, practice_id, client_id).await? {
        return Ok(keys);
    }
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    let wrapped =
        master.seal(&key, Binding { purpose: WRAP_PURPOSE, row: &wrap_binding_row(practice_id, client_id, 1) });
    // Two first writes at once: one insert wins, and both read the winner's key back.
    sqlx::query(
        "INSERT INTO client_keys (client_id, version, practice_id, wrapped)
         SELECT id, 1, practice_id, $3 FROM clients WHERE id = $1 AND practice_id = $2
         ON CONFLICT (client_id, version) DO NOTHING",
    )
    .bind(client_id)
    .bind(practice_id)
    .bind(wrapped)
    .execute(&mut *conn)
    .await?;
    existing_in(conn, master, practice_id, client_id).await?.ok_or(AppError::NotFound)
}

/// Rotation: every data key unwrapped with whichever master version wrapped it and wrapped
/// again with the current one, in one transaction. Returns how many keys were re-wrapped.
pub async fn rewrap_all(db: &Db, master: &MasterKey) -> Result<u64, AppError> {
    let mut tx = super::db::begin_write(db).await?;
    let rows =
        sqlx::query("SELECT client_id, version, practice_id, wrapped FROM client_keys").fetch_all(&mut *tx).await?;
    let mut count = 0;
    for row in rows {
        let (client_id, version, practice_id): (ClientId, i64, PracticeId) =
            (row.try_get("client_id")?, row.try_get("version")?, row.try_get("practice_id")?);
        let wrapped: Vec<u8> = row.try_get("wrapped")?;
        let binding_row = wrap_binding_row(practice_id, client_id, u32::try_from(version).map_err(AppError::internal)?);
        let binding = Binding { purpose: WRAP_PURPOSE, row: &binding_row };
        let key = master.open(&wrapped, binding).map_err(|_| {
            tracing::error!(%client_id, version, "a client's data key did not unwrap during rotation");
            AppError::Internal
        })?;
        sqlx::query("UPDATE client_keys SET wrapped = $1 WHERE client_id = $2 AND version = $3")
            .bind(master.seal(&key, binding))
            .bind(client_id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        count += 1;
    }
    tx.commit().await?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(practice_id: i64, client_id: i64, key: [u8; 32]) -> ClientKeys {
        ClientKeys {
            practice_id: PracticeId(practice_id),
            client_id: ClientId(client_id),
            keys: BTreeMap::from([(1, XChaCha20Poly1305::new((&key).into()))]),
        }
    }

    const TEXT: Field<'static> = Field { record: "journal:3/version:1", field: "journal.text" };

    #[test]
    fn round_trip_carries_the_key_version() {
        let k = keys(1, 2, [5; 32]);
        let sealed = k.seal_text("Søvn bedre, mindre uro.", TEXT);
        assert!(is_client_sealed(&sealed));
        assert_eq!(sealed[1..5], 1u32.to_be_bytes());
        assert_eq!(k.open_text(&sealed, TEXT).unwrap(), "Søvn bedre, mindre uro.");
    }

    #[test]
    fn another_client_practice_record_or_field_cannot_open() {
        let sealed = keys(1, 2, [5; 32]).seal(b"secret", TEXT);
        // Even with the same key bytes, the binding differs.
        assert_eq!(keys(1, 3, [5; 32]).open(&sealed, TEXT), Err(OpenError));
        assert_eq!(keys(9, 2, [5; 32]).open(&sealed, TEXT), Err(OpenError));
        let other_record = Field { record: "journal:4/version:1", ..TEXT };
        let other_field = Field { field: "journal.title", ..TEXT };
        assert_eq!(keys(1, 2, [5; 32]).open(&sealed, other_record), Err(OpenError));
        assert_eq!(keys(1, 2, [5; 32]).open(&sealed, other_field), Err(OpenError));
        assert_eq!(keys(1, 2, [6; 32]).open(&sealed, TEXT), Err(OpenError));
        assert_eq!(keys(1, 2, [5; 32]).open(&sealed, TEXT).unwrap(), b"secret");
    }

    #[test]
    fn master_sealed_values_are_told_apart() {
        let master = MasterKey::from_bytes(&[1; 32]);
        assert!(!is_client_sealed(&master.seal(b"x", Binding { purpose: "p", row: "r" })));
    }
}
