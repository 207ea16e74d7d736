//! SQL for appointments, each statement scoped to one practice. A time is taken only if no
//! booked appointment overlaps it, checked inside the statement that takes it.

use sqlx::AnyConnection;

use crate::ids::{ClientId, PracticeId};
use crate::server::db::{Backend, Db};

pub struct NewAppointment<'a> {
    pub practice_id: PracticeId,
    pub client_id: ClientId,
    pub service_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub source: &'a str,
    pub now: i64,
}

/// PostgreSQL runs the check-and-write under a per-practice lock (READ COMMITTED would let two
/// parallel inserts both see the time free); SQLite already serialises writers.
async fn lock_practice(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    practice_id: PracticeId,
) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        // Counted, so that the Any driver never meets PostgreSQL's `void`.
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock($1)) AS taken")
            .bind(practice_id)
            .fetch_one(&mut **tx)
            .await?;
    }
    Ok(())
}

const OVERLAP: &str = "SELECT 1 FROM appointments o WHERE o.practice_id = $1 AND o.status = 'booked'
                        AND o.starts_at < $5 AND o.ends_at > $4";

/// Books the time if it is free, inside the caller's write transaction (begun with
/// [`crate::server::db::begin_write`]) on `backend` (the transaction's [`Db::backend`]): the
/// caller seals the notes (bound to the new id) in the same one, and a booking adds its client
/// there too. `None` when another appointment takes any of the time.
pub async fn insert_if_free_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    appointment: NewAppointment<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    lock_practice(tx, backend, appointment.practice_id).await?;
    let id: Option<i64> = sqlx::query_scalar(&format!(
        "INSERT INTO appointments (practice_id, client_id, service_id, starts_at, ends_at, source, created_at)
         SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS ({OVERLAP}) RETURNING id"
    ))
    .bind(appointment.practice_id)
    .bind(appointment.client_id)
    .bind(appointment.service_id)
    .bind(appointment.starts_at)
    .bind(appointment.ends_at)
    .bind(appointment.source)
    .bind(appointment.now)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(id)
}

/// Stores a new appointment's sealed notes (`None`: no notes), in the transaction that made it.
pub async fn set_notes_in(conn: &mut AnyConnection, id: i64, sealed: Option<&[u8]>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE appointments SET notes_sealed = $1 WHERE id = $2").bind(sealed).bind(id).execute(conn).await?;
    Ok(())
}

/// Stores the sealed booker details of an online booking, in the transaction that made it.
pub async fn set_booker_in(conn: &mut AnyConnection, id: i64, ip: &[u8], agent: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE appointments SET booker_ip = $1, booker_agent = $2 WHERE id = $3")
        .bind(ip)
        .bind(agent)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// An online booking's sealed booker details.
#[derive(sqlx::FromRow)]
pub struct BookerRow {
    pub id: i64,
    pub practice_id: PracticeId,
    pub client_id: ClientId,
    #[sqlx(rename = "booker_ip")]
    pub ip: Vec<u8>,
    #[sqlx(rename = "booker_agent")]
    pub agent: Vec<u8>,
}

pub struct Change<'a> {
    pub practice_id: PracticeId,
    pub id: i64,
    pub client_id: ClientId,
    pub service_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    /// Sealed with the (new) client's key; `None`: no notes.
    pub notes_sealed: Option<&'a [u8]>,
}

pub enum Changed {
    Done,
    Taken,
    NotFound,
}

/// Moves or edits a booked appointment if its new time is free (apart from itself).
pub async fn change_if_free(db: &Db, change: Change<'_>) -> Result<Changed, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    lock_practice(&mut tx, db.backend(), change.practice_id).await?;
    let updated = sqlx::query(
        "UPDATE appointments SET starts_at = $3, ends_at = $4, client_id = $5, service_id = $6, notes_sealed = $7
         WHERE id = $2 AND practice_id = $1 AND status = 'booked'
           AND NOT EXISTS (SELECT 1 FROM appointments o WHERE o.practice_id = $1 AND o.status = 'booked'
                           AND o.id <> $2 AND o.starts_at < $4 AND o.ends_at > $3)",
    )
    .bind(change.practice_id)
    .bind(change.id)
    .bind(change.starts_at)
    .bind(change.ends_at)
    .bind(change.client_id)
    .bind(change.service_id)
    .bind(change.notes_sealed)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let result = if updated == 1 {
        Changed::Done
    } else {
        let exists: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM appointments WHERE id = $1 AND practice_id = $2 AND status = 'booked'",
        )
        .bind(change.id)
        .bind(change.practice_id)
        .fetch_one(&mut *tx)
        .await?;
        if exists == 1 { Changed::Taken } else { Changed::NotFound }
    };
    tx.commit().await?;
    Ok(result)
}

pub async fn cancel(db: &Db, practice_id: PracticeId, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE appointments SET status = 'cancelled', cancelled_at = $3
         WHERE id = $1 AND practice_id = $2 AND status = 'booked'",
    )
    .bind(id)
    .bind(practice_id)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

pub enum Restored {
    Done,
    /// Another appointment took the time meanwhile.
    Taken,
    /// Not cancelled after `since` (too late, or never cancelled, or not this practice's).
    NotFound,
}

/// Books a cancelled appointment again, if it was cancelled after `since` and its time is still
/// free.
pub async fn restore_if_free(db: &Db, practice_id: PracticeId, id: i64, since: i64) -> Result<Restored, sqlx::Error> {
    let mut tx = crate::server::db::begin_write(db).await?;
    lock_practice(&mut tx, db.backend(), practice_id).await?;
    let recent = "FROM appointments WHERE id = $1 AND practice_id = $2 AND status = 'cancelled' AND cancelled_at > $3";
    let updated = sqlx::query(&format!(
        "UPDATE appointments SET status = 'booked', cancelled_at = NULL
         WHERE id IN (SELECT id {recent})
           AND NOT EXISTS (SELECT 1 FROM appointments o WHERE o.practice_id = $2 AND o.status = 'booked'
                           AND o.starts_at < appointments.ends_at AND o.ends_at > appointments.starts_at)"
    ))
    .bind(id)
    .bind(practice_id)
    .bind(since)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let result = if updated == 1 {
        Restored::Done
    } else {
        let cancelled: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {recent}"))
            .bind(id)
            .bind(practice_id)
            .bind(since)
            .fetch_one(&mut *tx)
            .await?;
        if cancelled == 1 { Restored::Taken } else { Restored::NotFound }
    };
    tx.commit().await?;
    Ok(result)
}

#[derive(sqlx::FromRow)]
pub struct AppointmentRow {
    pub id: i64,
    pub client_id: ClientId,
    pub service_id: Option<i64>,
    pub service_name: Option<String>,
    pub service_colour: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    /// Sealed with the client's key (see `calendar::service`); `None`: no notes.
    pub notes_sealed: Option<Vec<u8>>,
    pub source: String,
    pub status: String,
}

// The two listings below read the services' names and colours in the same query, though that
// table belongs to `services/store.rs`: the calendar week is the app's hottest page, and one
// query for it is what keeps it fast (see `booked_between`). The clients' names come opened from
// `clients::directory`.

/// Booked appointments that overlap `[from, to)`, by start. A busy week holds hundreds: they
/// come back as one JSON array in one row, because the database drivers hand over rows one at a
/// time (on SQLite through a worker thread), which cost more than the query itself. JSON holds
/// no bytes, so the sealed notes travel in hex.
pub async fn booked_between(
    db: &Db,
    practice_id: PracticeId,
    from: i64,
    to: i64,
) -> Result<Vec<AppointmentRow>, sqlx::Error> {
    const COLUMNS: &str = "id, client_id, service_id, service_name, starts_at, ends_at, notes, source, status, colour";
    let notes_hex = match db.backend() {
        Backend::Sqlite => "CASE WHEN a.notes_sealed IS NULL THEN NULL ELSE hex(a.notes_sealed) END",
        Backend::Postgres => "encode(a.notes_sealed, 'hex')",
    };
    let rows = format!(
        "SELECT a.id AS id, a.client_id AS client_id, a.service_id AS service_id, s.name AS service_name,
                a.starts_at AS starts_at, a.ends_at AS ends_at, {notes_hex} AS notes, a.source AS source,
                a.status AS status, s.colour AS colour
         FROM appointments a LEFT JOIN services s ON s.id = a.service_id
         WHERE a.practice_id = $1 AND a.status = 'booked' AND a.starts_at < $3 AND a.ends_at > $2"
    );
    let sql = match db.backend() {
        // SQLite aggregates in the order the subquery delivers.
        Backend::Sqlite => {
            format!("SELECT json_group_array(json_array({COLUMNS})) FROM ({rows} ORDER BY a.starts_at, a.id) AS week")
        }
        Backend::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_array({COLUMNS}) ORDER BY starts_at, id), '[]')::text
             FROM ({rows}) AS week"
        ),
    };
    let json: String = sqlx::query_scalar(&sql).bind(practice_id).bind(from).bind(to).fetch_one(db).await?;
    type Fields =
        (i64, ClientId, Option<i64>, Option<String>, i64, i64, Option<String>, String, String, Option<String>);
    let rows: Vec<Fields> = serde_json::from_str(&json).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
    rows.into_iter()
        .map(|(id, client_id, service_id, service_name, starts_at, ends_at, notes, source, status, colour)| {
            let notes_sealed =
                notes.map(|hex| decode_hex(&hex)).transpose().map_err(|error| sqlx::Error::Decode(error.into()))?;
            Ok(AppointmentRow {
                id,
                client_id,
                service_id,
                service_name,
                service_colour: colour,
                starts_at,
                ends_at,
                notes_sealed,
                source,
                status,
            })
        })
        .collect()
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, &'static str> {
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8).ok_or("not hex");
    hex.as_bytes().chunks(2).map(|pair| Ok(digit(pair[0])? << 4 | digit(*pair.get(1).ok_or("odd hex")?)?)).collect()
}

pub async fn appointment(db: &Db, practice_id: PracticeId, id: i64) -> Result<Option<AppointmentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id AS id, a.client_id AS client_id, a.service_id AS service_id, s.name AS service_name,
                s.colour AS service_colour, a.starts_at AS starts_at, a.ends_at AS ends_at,
                a.notes_sealed AS notes_sealed, a.source AS source, a.status AS status
         FROM appointments a LEFT JOIN services s ON s.id = a.service_id
         WHERE a.id = $1 AND a.practice_id = $2",
    )
    .bind(id)
    .bind(practice_id)
    .fetch_optional(db)
    .await
}

/// Every appointment of the client, past, coming and cancelled, in time order.
pub async fn of_client(
    db: &Db,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<Vec<AppointmentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id AS id, a.client_id AS client_id, a.service_id AS service_id, s.name AS service_name,
                s.colour AS service_colour, a.starts_at AS starts_at, a.ends_at AS ends_at,
                a.notes_sealed AS notes_sealed, a.source AS source, a.status AS status
         FROM appointments a LEFT JOIN services s ON s.id = a.service_id
         WHERE a.practice_id = $1 AND a.client_id = $2
         ORDER BY a.starts_at, a.id",
    )
    .bind(practice_id)
    .bind(client_id)
    .fetch_all(db)
    .await
}

/// How many appointments the client has, past, coming and cancelled.
pub async fn count_for_client<'e, E>(db: E, practice_id: PracticeId, client_id: ClientId) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT COUNT(*) FROM appointments WHERE practice_id = $1 AND client_id = $2")
        .bind(practice_id)
        .bind(client_id)
        .fetch_one(db)
        .await
}

/// Each client's latest appointment (its start, past or coming, cancelled too), or only `client`'s: the cleanup job's "last activity".
pub async fn last_activity<'e, E>(
    db: E,
    practice_id: PracticeId,
    client: Option<ClientId>,
) -> Result<Vec<(ClientId, i64)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    const ALL: &str = "SELECT client_id, MAX(starts_at) FROM appointments WHERE practice_id = $1 GROUP BY client_id";
    const ONE: &str = "SELECT client_id, MAX(starts_at) FROM appointments WHERE practice_id = $1 AND client_id = $2 GROUP BY client_id";
    crate::server::db::per_client(db, ALL, ONE, practice_id, client).await
}

/// Deletes the client's appointments, in the caller's transaction (the client is deleted next).
pub async fn delete_for_client_in(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM appointments WHERE client_id = $1 AND practice_id = $2")
        .bind(client_id)
        .bind(practice_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many appointments the practice has, and how many of them its clients booked online (the
/// booking history, with each booker's sealed network address).
pub async fn counts_of_practice(db: &Db, practice_id: PracticeId) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN source = 'online' THEN 1 ELSE 0 END), 0)
         FROM appointments WHERE practice_id = $1",
    )
    .bind(practice_id)
    .fetch_one(db)
    .await
}

/// Deletes every appointment of the practice (booking history included); how many went.
pub async fn delete_all_of_practice(db: &Db, practice_id: PracticeId) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM appointments WHERE practice_id = $1")
        .bind(practice_id)
        .execute(db)
        .await?
        .rows_affected())
}

/// An online booking whose booker details are still kept: what a request for its IP address names.
#[derive(sqlx::FromRow)]
pub struct OnlineBookingRow {
    pub id: i64,
    pub client_id: ClientId,
    pub starts_at: i64,
    /// When the booking was made.
    pub created_at: i64,
}

/// One online booking of the practice whose booker details are still kept.
pub async fn online_booking(
    db: &Db,
    practice_id: PracticeId,
    id: i64,
) -> Result<Option<OnlineBookingRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, client_id, starts_at, created_at FROM appointments
         WHERE id = $1 AND practice_id = $2 AND booker_ip IS NOT NULL",
    )
    .bind(id)
    .bind(practice_id)
    .fetch_optional(db)
    .await
}

/// A client's online bookings whose booker details are still kept, newest first.
pub async fn online_bookings_of(
    db: &Db,
    practice_id: PracticeId,
    client_id: ClientId,
) -> Result<Vec<OnlineBookingRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, client_id, starts_at, created_at FROM appointments
         WHERE practice_id = $1 AND client_id = $2 AND booker_ip IS NOT NULL ORDER BY starts_at DESC LIMIT 50",
    )
    .bind(practice_id)
    .bind(client_id)
    .fetch_all(db)
    .await
}

/// One appointment's sealed booker details, in the caller's transaction (the release step reads
/// them where it marks the request released).
pub async fn booker_of_in(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    id: i64,
) -> Result<Option<BookerRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, practice_id, client_id, booker_ip, booker_agent FROM appointments
         WHERE id = $1 AND practice_id = $2 AND booker_ip IS NOT NULL AND booker_agent IS NOT NULL",
    )
    .bind(id)
    .bind(practice_id)
    .fetch_optional(conn)
    .await
}

/// Clears the booker details of bookings made before `cutoff`, except `keep` (bookings under a
/// request); or, `dry_run`, counts them. Returns how many.
pub async fn clear_booker_details(db: &Db, cutoff: i64, keep: &[i64], dry_run: bool) -> Result<u64, sqlx::Error> {
    let except = if keep.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = (0..keep.len()).map(|i| format!("${}", i + 2)).collect();
        format!(" AND id NOT IN ({})", list.join(", "))
    };
    let filter = format!("WHERE booker_ip IS NOT NULL AND created_at < $1{except}");
    let sql = if dry_run {
        format!("SELECT COUNT(*) FROM appointments {filter}")
    } else {
        format!("UPDATE appointments SET booker_ip = NULL, booker_agent = NULL {filter}")
    };
    if dry_run {
        let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(cutoff);
        for id in keep {
            query = query.bind(*id);
        }
        return Ok(u64::try_from(query.fetch_one(db).await?).unwrap_or(0));
    }
    let mut query = sqlx::query(&sql).bind(cutoff);
    for id in keep {
        query = query.bind(*id);
    }
    Ok(query.execute(db).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::decode_hex;

    #[test]
    fn hex_from_either_database_decodes_and_garbage_is_refused() {
        assert_eq!(decode_hex("10ff00").unwrap(), [0x10, 0xff, 0x00], "PostgreSQL writes lower case");
        assert_eq!(decode_hex("10FF00").unwrap(), [0x10, 0xff, 0x00], "SQLite upper case");
        assert_eq!(decode_hex("").unwrap(), Vec::<u8>::new());
        assert!(decode_hex("1").is_err());
        assert!(decode_hex("zz").is_err());
    }
}
