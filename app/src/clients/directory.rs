//! The practice's clients, opened. Names and contact details are sealed in the database with each
//! client's own key, so the database can neither search nor sort them: this server keeps each
//! practice's clients opened in memory, with their keys, and serves the client list, its search,
//! the calendar's names and the booking page's match from there.
//!
//! Every use first reads the practice's revision (one indexed row). When another request, or
//! another server on the same PostgreSQL, changed a client since, only the changed clients are
//! read and opened again; after a deletion the whole list is. So the memory never answers with a
//! deleted client, nor misses a new one. Why this rather than a blind index: README, "Client
//! search".

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::store::{self, Revision};
use crate::error::AppError;
use crate::ids::{ClientId, PracticeId};
use crate::server::crypto::MasterKey;
use crate::server::db::Db;
use crate::server::envelope::{self, ClientKeys, Field};

/// What identifies a client, sealed as one JSON value with the client's key.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub email: String,
    pub phone: String,
    /// `YYYY-MM-DD`, or empty.
    pub birth_date: String,
    pub address: String,
}

const PROFILE: Field<'static> = Field { record: "profile", field: "clients.profile" };

impl Profile {
    pub fn seal(&self, keys: &ClientKeys) -> Vec<u8> {
        keys.seal(&serde_json::to_vec(self).expect("a profile serialises"), PROFILE)
    }

    pub fn open(keys: &ClientKeys, sealed: &[u8]) -> Result<Self, AppError> {
        let json = keys.open_text(sealed, PROFILE)?;
        serde_json::from_str(&json).map_err(AppError::internal)
    }
}

/// One opened client: its profile, its keys (to open its other values without another query),
/// the lower-case text that search and sorting compare, and the values of its rows opened so far.
pub struct Entry {
    pub id: ClientId,
    pub profile: Profile,
    pub keys: Arc<ClientKeys>,
    name_key: String,
    email_key: String,
    opened: Mutex<HashMap<(&'static str, i64), Opened>>,
}

/// A row's sealed value (by field and row id) and its text.
struct Opened {
    sealed: Vec<u8>,
    text: String,
}

/// How many opened row values an entry remembers before it starts again.
const OPENED_MAX: usize = 2_000;

impl Entry {
    fn new(id: ClientId, profile: Profile, keys: Arc<ClientKeys>) -> Self {
        let name_key = profile.name.to_lowercase();
        let email_key = profile.email.to_lowercase();
        Self { id, profile, keys, name_key, email_key, opened: Mutex::default() }
    }

    /// Opens `field` of row `id` (bound to `record`), sealed with this client's key, and remembers
    /// it: the calendar shows the same notes on every visit, and opening them each time cost more
    /// than the rest of the week's data. Only the very same sealed bytes of the same row and field
    /// are answered from memory; anything else is opened (and checked) again. The memory goes
    /// with the entry, which is replaced when the client changes and dropped when it is deleted.
    pub fn open_remembered(
        &self,
        field: &'static str,
        id: i64,
        record: impl FnOnce() -> String,
        sealed: &[u8],
    ) -> Result<String, AppError> {
        if let Some(known) = self.opened.lock().expect("opened lock").get(&(field, id))
            && known.sealed == sealed
        {
            return Ok(known.text.clone());
        }
        let text = self.keys.open_text(sealed, Field { record: &record(), field })?;
        let mut opened = self.opened.lock().expect("opened lock");
        if opened.len() >= OPENED_MAX {
            opened.clear();
        }
        opened.insert((field, id), Opened { sealed: sealed.to_vec(), text: text.clone() });
        Ok(text)
    }

    /// Name or e-mail contains the (lower-case) query, or the phone number does as typed.
    fn matches(&self, query: &str) -> bool {
        self.name_key.contains(query) || self.email_key.contains(query) || self.profile.phone.contains(query)
    }
}

/// One practice's clients at one revision, in name order.
pub struct Directory {
    revision: Revision,
    entries: HashMap<ClientId, Arc<Entry>>,
    by_name: Vec<Arc<Entry>>,
}

impl Directory {
    fn new(revision: Revision, entries: HashMap<ClientId, Arc<Entry>>) -> Self {
        let mut by_name: Vec<Arc<Entry>> = entries.values().cloned().collect();
        by_name.sort_by(|a, b| a.name_key.cmp(&b.name_key).then(a.id.0.cmp(&b.id.0)));
        Self { revision, entries, by_name }
    }

    pub fn get(&self, id: ClientId) -> Option<&Arc<Entry>> {
        self.entries.get(&id)
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The clients whose name, e-mail or phone contains `query` (all when empty), by name, at
    /// most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Arc<Entry>> {
        let query = query.trim().to_lowercase();
        self.by_name.iter().filter(|entry| entry.matches(&query)).take(limit).collect()
    }

    /// The first client (oldest) with exactly this name and e-mail, case aside: how an online
    /// booking finds the client it belongs to. The name must match too, so a stranger's booking
    /// never lands on another client's record by e-mail alone.
    pub fn with_name_and_email(&self, name: &str, email: &str) -> Option<ClientId> {
        let (name, email) = (name.trim().to_lowercase(), email.trim().to_lowercase());
        self.by_name.iter().filter(|e| e.name_key == name && e.email_key == email).map(|e| e.id).min_by_key(|id| id.0)
    }
}

/// One client's profile, opened on its own (a client's link page has no reason to open the whole
/// practice); `None` when the practice has no such client.
pub async fn profile(
    db: &Db,
    master: &MasterKey,
    practice_id: PracticeId,
    id: ClientId,
) -> Result<Option<Profile>, AppError> {
    let Some(Some(sealed)) = store::sealed_profile(db, practice_id, id).await? else { return Ok(None) };
    let keys = envelope::existing(db, master, practice_id, id).await?.ok_or_else(|| {
        tracing::error!(client_id = %id, "a sealed profile without a data key");
        AppError::Internal
    })?;
    Profile::open(&keys, &sealed).map(Some)
}

/// The opened client lists of the practices this server has served; one per app.
#[derive(Default)]
pub struct Directories {
    practices: Mutex<HashMap<PracticeId, Arc<Directory>>>,
}

impl Directories {
    /// The practice's clients as of now, read through `conn` (a transaction sees its own
    /// changes). Reads and opens only what changed since this server last looked.
    pub async fn of(
        &self,
        conn: &mut AnyConnection,
        master: &MasterKey,
        practice_id: PracticeId,
    ) -> Result<Arc<Directory>, AppError> {
        let revision = store::revision_of(&mut *conn, practice_id).await?;
        let cached = self.practices.lock().expect("directory lock").get(&practice_id).cloned();
        if let Some(directory) = &cached
            && directory.revision == revision
        {
            return Ok(directory.clone());
        }
        // A deleted client leaves no row to notice: after a deletion, the entries whose row is
        // still there are kept (ids are never used again), and only what changed is opened.
        let base = match cached {
            Some(directory) if directory.revision.deletions != revision.deletions => {
                let present: HashSet<ClientId> = store::ids_of(&mut *conn, practice_id).await?.into_iter().collect();
                let kept = directory.entries.iter().filter(|(id, _)| present.contains(id));
                Some(Arc::new(Directory::new(directory.revision, kept.map(|(id, e)| (*id, e.clone())).collect())))
            }
            cached => cached,
        };
        let since = base.as_ref().map_or(-1, |d| d.revision.revision);
        let rows = store::profiles_since(&mut *conn, practice_id, since).await?;
        let ids: Vec<ClientId> = rows.iter().map(|row| row.id).collect();
        let mut keys = envelope::of_clients(conn, master, practice_id, base.as_ref().map(|_| ids.as_slice())).await?;
        let mut entries = base.map(|d| d.entries.clone()).unwrap_or_default();
        for row in rows {
            let (Some(sealed), Some(keys)) = (row.profile_sealed, keys.remove(&row.id)) else {
                tracing::error!(client_id = %row.id, "a client without a sealed profile or a key");
                continue;
            };
            let profile = Profile::open(&keys, &sealed)?;
            entries.insert(row.id, Arc::new(Entry::new(row.id, profile, Arc::new(keys))));
        }
        let directory = Arc::new(Directory::new(revision, entries));
        let mut practices = self.practices.lock().expect("directory lock");
        let newer = practices.get(&practice_id).is_none_or(|d| d.revision.revision <= revision.revision);
        if newer {
            practices.insert(practice_id, directory.clone());
        }
        Ok(directory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, name: &str, email: &str, phone: &str) -> Arc<Entry> {
        let profile = Profile { name: name.into(), email: email.into(), phone: phone.into(), ..Profile::default() };
        Arc::new(Entry::new(ClientId(id), profile, Arc::new(ClientKeys::for_tests(1, id))))
    }

    fn directory(entries: Vec<Arc<Entry>>) -> Directory {
        Directory::new(Revision::default(), entries.into_iter().map(|e| (e.id, e)).collect())
    }

    #[test]
    fn search_finds_name_email_or_phone_in_part_by_name() {
        let d = directory(vec![
            entry(1, "Åse Berg", "ase@example.no", "+47 912 34 567"),
            entry(2, "Ola Nordmann", "ola@example.no", ""),
            entry(3, "anne Olsen", "", "22 33 44 55"),
        ]);
        let names = |q: &str| d.search(q, 10).iter().map(|e| e.profile.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(""), ["anne Olsen", "Ola Nordmann", "Åse Berg"], "by name, case aside");
        assert_eq!(names("OL"), ["anne Olsen", "Ola Nordmann"]);
        assert_eq!(names("åse"), ["Åse Berg"]);
        assert_eq!(names("@example"), ["Ola Nordmann", "Åse Berg"]);
        assert_eq!(names("912 34"), ["Åse Berg"]);
        assert!(names("%").is_empty(), "no wildcards");
        assert_eq!(d.search("", 2).len(), 2);
    }

    #[test]
    fn a_remembered_value_is_only_the_same_bytes_of_the_same_row() {
        let e = entry(1, "Ola", "", "");
        let record = |id: i64| move || format!("appointment:{id}");
        let seal = |id: i64, text: &str| e.keys.seal_text(text, Field { record: &record(id)(), field: "n" });
        let first = seal(5, "Med partner");
        assert_eq!(e.open_remembered("n", 5, record(5), &first).unwrap(), "Med partner");
        assert_eq!(e.open_remembered("n", 5, record(5), &first).unwrap(), "Med partner", "from memory");
        let changed = seal(5, "Alene");
        assert_eq!(e.open_remembered("n", 5, record(5), &changed).unwrap(), "Alene", "new bytes are opened");
        // Row 6 holding row 5's sealed value (moved in the database) does not open.
        assert!(e.open_remembered("n", 6, record(6), &changed).is_err());
        let mut tampered = changed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(e.open_remembered("n", 5, record(5), &tampered).is_err(), "changed bytes are checked again");
    }

    #[test]
    fn a_booking_matches_only_name_and_email_together() {
        let d = directory(vec![
            entry(4, "Kari Nordmann", "kari@example.no", ""),
            entry(2, "Kari Nordmann", "kari@example.no", ""),
            entry(3, "Kari Hansen", "kari@example.no", ""),
        ]);
        assert_eq!(d.with_name_and_email(" kari nordmann ", "KARI@example.no"), Some(ClientId(2)), "the oldest");
        assert_eq!(d.with_name_and_email("Kari Hansen", "kari@example.no"), Some(ClientId(3)));
        assert_eq!(d.with_name_and_email("Stranger", "kari@example.no"), None);
        assert_eq!(d.with_name_and_email("Kari Nordmann", "other@example.no"), None);
    }
}
