//! The cleanup rules. A client's last activity is its latest appointment, journal writing,
//! message or consent step (or when it was added, if none); the retention period counts from
//! there. The practice is mailed when a client comes within [`NOTICE_DAYS`] of its end, and the
//! client goes at the first run that is past both the end and 14 days after that mail. The job
//! runs every night inside the server, one server at a time (a lease), and deletes each client
//! in a transaction of its own, checking again inside it that the client is still due.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{Months, TimeZone};
use sqlx::AnyConnection;

use super::store;
use super::types::{
    CleanupChoice, CleanupOverview, DEFAULT_MONTHS, Going, Held, NOTICE_DAYS, PREVIEW_DAYS, hold_reason,
};
use crate::audit::store as audit;
use crate::audit::types::AuditAction;
use crate::clients::types::{DeletionCause, DeletionCounts, DeletionLogEntry};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ids::{ClientId, PracticeId};
use crate::server::db::{Backend, begin_write};
use crate::server::envelope::Field;
use crate::server::lease::{self, Due, Lease};
use crate::server::mail::Email;
use crate::server::sessions::CurrentUser;
use crate::server::state::AppState;

/// The lease's name.
pub const JOB: &str = "cleanup";
/// The night's run starts at this hour (UTC): 03:00 in Oslo in winter, 04:00 in summer.
const RUN_HOUR_UTC: u32 = 2;
/// A run keeps its lease this long past its last sign of life; a server that dies mid-run lets
/// the next one in after it.
pub const LEASE_SECS: i64 = 120;
const RENEW_EVERY: Duration = Duration::from_secs(20);
/// How long one transaction of a run goes on deleting clients before it commits: others wait for
/// SQLite's write lock no longer than this.
const BATCH_BUDGET: Duration = Duration::from_millis(50);
/// The pause after each such transaction. SQLite's busy handler looks again for the lock at most
/// 25 ms apart in its first 100 ms of waiting, so a writer waiting behind a run gets in within
/// one batch and one pause, instead of finding the lock taken again and again.
const PAUSE_BETWEEN_BATCHES: Duration = Duration::from_millis(25);
const DAY: i64 = 86_400;
const NOTICE: i64 = NOTICE_DAYS * DAY;
const LOG_SHOWN: i64 = 50;
const HOLD_REASON: Field<'static> = Field { record: "cleanup", field: "cleanup_holds.reason" };

/// One client as the job sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub id: ClientId,
    pub last_activity: i64,
    pub held: bool,
    /// When the practice was mailed about the client.
    pub noticed_at: Option<i64>,
}

/// What a run does with a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Keep,
    /// Tell the practice: the period ends within 14 days (or has ended).
    Notice,
    /// The notice no longer holds (active again, or on hold): should the client come due again,
    /// the practice is told again.
    Forget,
    Delete,
}

/// When the retention period of `months` after `last_activity` ends.
pub fn due_at(last_activity: i64, months: u32) -> i64 {
    chrono::DateTime::from_timestamp(last_activity, 0)
        .and_then(|moment| moment.checked_add_months(Months::new(months)))
        .map_or(i64::MAX, |moment| moment.timestamp())
}

impl Standing {
    pub fn step(&self, months: u32, now: i64) -> Step {
        let due = due_at(self.last_activity, months);
        let near = due.saturating_sub(NOTICE) <= now;
        match self.noticed_at {
            Some(_) if self.held || !near => Step::Forget,
            Some(noticed) if due <= now && slot_before(noticed) + NOTICE <= now => Step::Delete,
            None if near && !self.held => Step::Notice,
            _ => Step::Keep,
        }
    }

    /// When the job will delete the client if nothing changes, its next run being `next_run`
    /// (runs come daily); `None` while the client is on hold.
    pub fn deletes_at(&self, months: u32, next_run: i64) -> Option<i64> {
        if self.held {
            return None;
        }
        let due = due_at(self.last_activity, months);
        let noticed = self.noticed_at.unwrap_or_else(|| next_run.max(due.saturating_sub(NOTICE)));
        Some(due.max(slot_before(noticed) + NOTICE).max(next_run))
    }
}

/// The start of the night's run at or before `moment`.
fn slot_before(moment: i64) -> i64 {
    let day = moment.div_euclid(DAY) * DAY;
    let slot = day + i64::from(RUN_HOUR_UTC) * 3600;
    if slot <= moment { slot } else { slot - DAY }
}

/// When the next run starts, the last one having finished at `last_run`: the first night's
/// slot after it, or now when that has passed (the server starts it within minutes).
fn next_run(last_run: Option<i64>, now: i64) -> i64 {
    let from = last_run.unwrap_or(now);
    (slot_before(from) + DAY).max(now)
}

/// The practice's clients (or one of them, in the caller's transaction) as the job sees them.
async fn standings(
    conn: &mut AnyConnection,
    practice_id: PracticeId,
    client: Option<ClientId>,
) -> Result<Vec<Standing>, sqlx::Error> {
    let mut latest: HashMap<ClientId, i64> =
        crate::clients::store::created(&mut *conn, practice_id, client).await?.into_iter().collect();
    let activities = [
        crate::calendar::store::last_activity(&mut *conn, practice_id, client).await?,
        crate::journal::store::last_activity(&mut *conn, practice_id, client).await?,
        crate::consent::store::last_activity(&mut *conn, practice_id, client).await?,
        crate::messages::store::last_activity(&mut *conn, practice_id, client).await?,
    ];
    for (id, at) in activities.into_iter().flatten() {
        if let Some(latest) = latest.get_mut(&id) {
            *latest = (*latest).max(at);
        }
    }
    let held: HashSet<ClientId> =
        store::holds(&mut *conn, practice_id, client).await?.into_iter().map(|hold| hold.client_id).collect();
    let noticed: HashMap<ClientId, i64> = store::notices(&mut *conn, practice_id, client).await?.into_iter().collect();
    Ok(latest
        .into_iter()
        .map(|(id, last_activity)| Standing {
            id,
            last_activity,
            held: held.contains(&id),
            noticed_at: noticed.get(&id).copied(),
        })
        .collect())
}

/// How a run was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    /// The server's nightly run: only when tonight's has not run yet.
    Scheduled,
    /// `server cleanup run`: now, unless another server is running it.
    ByHand,
    /// `server cleanup run --dry-run`: counts what a run would do, and changes nothing.
    DryRun,
}

/// What a run did (or, dry, would do).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    pub practices: u64,
    pub deleted: u64,
    pub noticed: u64,
    pub counts: DeletionCounts,
    /// Online bookings whose IP address and User-Agent were cleared (retention).
    pub addresses_cleared: u64,
}

/// Runs the cleanup over every practice that has it on. `None`: not now (another server holds
/// the lease, or tonight's run is done).
pub async fn run(state: &AppState, mode: RunMode) -> Result<Option<RunReport>, AppError> {
    let due = match mode {
        RunMode::DryRun => return run_with(state, true, None).await.map(Some),
        RunMode::ByHand => Due::Now,
        RunMode::Scheduled => Due::NotRunSince(slot_before(state.clock.now())),
    };
    let Some(lease) = lease::take(&state.db, &state.clock, JOB, LEASE_SECS, due).await? else {
        return Ok(None);
    };
    let outcome = run_with(state, false, Some(&lease)).await;
    lease.release(outcome.is_ok()).await?;
    if outcome.as_ref().is_ok_and(|report| report.deleted > 0 || report.addresses_cleared > 0) {
        crate::server::db::purge_wal(&state.db).await;
    }
    if let Ok(report) = &outcome {
        tracing::info!(
            practices = report.practices,
            deleted = report.deleted,
            noticed = report.noticed,
            addresses_cleared = report.addresses_cleared,
            "cleanup ran"
        );
    }
    outcome.map(Some)
}

async fn run_with(state: &AppState, dry_run: bool, lease: Option<&Lease>) -> Result<RunReport, AppError> {
    let mut report = RunReport::default();
    let mut renewed = Instant::now();
    for practice in store::enabled(&state.db).await? {
        if !keep(lease, &mut renewed).await? {
            return Err(lease_lost());
        }
        let months = u32::try_from(practice.retention_months).unwrap_or(DEFAULT_MONTHS);
        report.practices += 1;
        // One practice's trouble is logged and the others are cleaned all the same; only a lost
        // lease stops the run.
        match clean(state, practice.practice_id, months, dry_run, lease, &mut renewed, &mut report).await {
            Ok(true) => {}
            Ok(false) => return Err(lease_lost()),
            Err(error) => {
                tracing::error!(?error, practice_id = %practice.practice_id, "the cleanup of one practice failed");
            }
        }
    }
    // Booking IP addresses past the operator's retention period go in the same run, for every
    // practice (the cleanup setting does not switch them off).
    if !keep(lease, &mut renewed).await? {
        return Err(lease_lost());
    }
    report.addresses_cleared = crate::ip_requests::service::clear_old_addresses(state, dry_run).await?;
    Ok(report)
}

fn lease_lost() -> AppError {
    tracing::error!("the cleanup lease ran out mid-run; stopping");
    AppError::Internal
}

/// One practice's part of a run; `false` when the run's lease was lost on the way.
async fn clean(
    state: &AppState,
    practice_id: PracticeId,
    months: u32,
    dry_run: bool,
    lease: Option<&Lease>,
    renewed: &mut Instant,
    report: &mut RunReport,
) -> Result<bool, AppError> {
    let now = state.clock.now();
    let standings = standings(&mut *state.db.acquire().await?, practice_id, None).await?;
    let mut to_notice = Vec::new();
    let mut due = Vec::new();
    for standing in standings {
        match standing.step(months, now) {
            Step::Keep => {}
            Step::Forget if !dry_run => store::forget_notice(&state.db, practice_id, standing.id).await?,
            Step::Forget => {}
            Step::Notice => to_notice.push(standing.id),
            Step::Delete if dry_run => {
                let mut conn = state.db.acquire().await?;
                report.counts += crate::clients::erasure::counts_in(&mut conn, practice_id, standing.id).await?;
                report.deleted += 1;
            }
            Step::Delete => due.push(standing.id),
        }
    }
    let mut log_id = None;
    let mut rest = due.as_slice();
    while !rest.is_empty() {
        let (done, deleted) = delete_due(state, practice_id, rest, months, &mut log_id).await?;
        rest = &rest[done..];
        if !rest.is_empty() && state.db.backend() == Backend::Sqlite {
            tokio::time::sleep(PAUSE_BETWEEN_BATCHES).await;
        }
        for counts in deleted {
            report.counts += counts;
            report.deleted += 1;
        }
        if !keep(lease, renewed).await? {
            return Ok(false);
        }
    }
    report.noticed += match (dry_run, to_notice.is_empty()) {
        (_, true) => 0,
        (true, false) => to_notice.len() as u64,
        (false, false) => notify(state, practice_id, &to_notice, now).await?,
    };
    Ok(true)
}

/// Renews the run's lease when it is due; `false` when it was lost (it ran out and another
/// server may be running the job): the run stops.
async fn keep(lease: Option<&Lease>, renewed: &mut Instant) -> Result<bool, sqlx::Error> {
    let Some(lease) = lease else { return Ok(true) };
    if renewed.elapsed() < RENEW_EVERY {
        return Ok(true);
    }
    let held = lease.renew().await?;
    *renewed = Instant::now();
    Ok(held)
}

/// Deletes the first of `due` in one transaction, as many as fit in [`BATCH_BUDGET`] (at least
/// one), each only if it is still due inside the transaction (a booking or a hold since the plan
/// was made keeps it): a client is deleted whole or not at all, and the write lock is never held
/// long. How many of `due` it went through, and what each deleted client took.
async fn delete_due(
    state: &AppState,
    practice_id: PracticeId,
    due: &[ClientId],
    months: u32,
    log_id: &mut Option<i64>,
) -> Result<(usize, Vec<DeletionCounts>), AppError> {
    let started = Instant::now();
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    let mut log = *log_id;
    let mut deleted = Vec::new();
    let mut done = 0;
    for &id in due {
        done += 1;
        if still_due_in(&mut tx, state, practice_id, id, months, now).await? {
            let line = match log {
                Some(line) => line,
                None => {
                    let cause = DeletionCause::Retention;
                    *log.insert(crate::clients::store::log_deletion_in(&mut tx, practice_id, now, cause).await?)
                }
            };
            deleted
                .extend(crate::clients::erasure::erase_in(&mut tx, practice_id, id, state.db.backend(), line).await?);
        }
        // PostgreSQL locks rows, not the database: one client per transaction there, so a batch
        // never holds one client's locks while it waits for the next's.
        if started.elapsed() >= BATCH_BUDGET || state.db.backend() == Backend::Postgres {
            break;
        }
    }
    tx.commit().await?;
    *log_id = log;
    Ok((done, deleted))
}

/// Whether the client is (still) to be deleted, read in the deleting transaction with the
/// client's row locked.
async fn still_due_in(
    tx: &mut AnyConnection,
    state: &AppState,
    practice_id: PracticeId,
    id: ClientId,
    months: u32,
    now: i64,
) -> Result<bool, sqlx::Error> {
    if !crate::clients::store::lock_in(&mut *tx, state.db.backend(), practice_id, id).await? {
        return Ok(false);
    }
    // Switched off, or the period changed, since the run began: this run deletes no more.
    if store::choice_in(&mut *tx, practice_id).await? != (CleanupChoice { enabled: true, months }) {
        return Ok(false);
    }
    let standing = standings(tx, practice_id, Some(id)).await?;
    Ok(standing.first().map(|standing| standing.step(months, now)) == Some(Step::Delete))
}

/// Mails the practice's practitioners how many clients go in 14 days (no names), with a link to
/// the preview, and only then notes the notice for each client: a run that stops in between mails
/// again next time rather than deleting anyone untold. The notice counts once the mail reached at
/// least one practitioner; when it reached none, nothing is noted and the next run tries again.
/// How many clients the mail named.
async fn notify(state: &AppState, practice_id: PracticeId, clients: &[ClientId], now: i64) -> Result<u64, AppError> {
    let zone = crate::profile::store::zone_of(&state.db, practice_id).await?;
    let date = zone.timestamp_opt(now + NOTICE, 0).single().map(|moment| moment.date_naive());
    let link = format!("{}/settings/cleanup#preview", state.config.base_url);
    let count = clients.len().to_string();
    // The job knows no reader's language: the mail says it in both.
    let [nb, en] = [Lang::Nb, Lang::En].map(|lang| {
        let t = lang.texts();
        let date = date.map(|date| crate::dates::long_date(lang, date)).unwrap_or_default();
        (
            t.mail_cleanup_subject.replace("{n}", &count),
            t.mail_cleanup_body.replace("{n}", &count).replace("{date}", &date).replace("{link}", &link),
        )
    });
    let mut reached = 0;
    for to in crate::auth::store::practitioner_emails(&state.db, practice_id).await? {
        let email = Email {
            to,
            subject: format!("{} / {}", nb.0, en.0),
            body: format!("{}\n\n---\n\n{}", nb.1, en.1),
            attachments: Vec::new(),
        };
        match state.mailer.send(email).await {
            Ok(()) => reached += 1,
            Err(error) => tracing::error!(%error, "a cleanup notice could not be mailed"),
        }
    }
    if reached == 0 {
        tracing::error!(%practice_id, "no practitioner could be told about the cleanup; trying again at the next run");
        return Ok(0);
    }
    let mut tx = begin_write(&state.db).await?;
    let mut noticed = 0;
    for &id in clients {
        if store::add_notice_in(&mut tx, practice_id, id, now).await? {
            noticed += 1;
        }
    }
    tx.commit().await?;
    Ok(noticed)
}

/// Settings → Cleanup: the choice, who goes at the next run and within 30 days after it, who is
/// on hold and why, and the deletion log.
pub async fn overview(state: &AppState, user: &CurrentUser) -> Result<CleanupOverview, AppError> {
    let practice_id = user.practice_id;
    let choice = store::choice(&state.db, practice_id).await?;
    let zone = crate::profile::store::zone_of(&state.db, practice_id).await?;
    let now = state.clock.now();
    let next = next_run(lease::last_run(&state.db, JOB).await?, now);
    let directory = crate::clients::service::directory(state, practice_id).await?;
    let standings = standings(&mut *state.db.acquire().await?, practice_id, None).await?;
    let holds: HashMap<ClientId, store::HoldRow> =
        store::holds(&state.db, practice_id, None).await?.into_iter().map(|hold| (hold.client_id, hold)).collect();
    let date = |moment: i64| crate::local_time::to_local(zone, moment).0.format("%Y-%m-%d").to_string();
    let (mut at_next_run, mut soon, mut held) = (Vec::new(), Vec::new(), Vec::new());
    for standing in standings {
        let Some(entry) = directory.get(standing.id) else { continue };
        let name = entry.profile.name.clone();
        if let Some(hold) = holds.get(&standing.id) {
            held.push(Held {
                id: standing.id,
                name,
                reason: entry.keys.open_text(&hold.reason_sealed, HOLD_REASON).unwrap_or_else(|_| {
                    tracing::error!(client_id = %standing.id, "a hold reason that does not open");
                    String::new()
                }),
                last_activity: date(standing.last_activity),
                since: date(hold.held_at),
            });
            continue;
        }
        let Some(deletes_at) = standing.deletes_at(choice.months, next) else { continue };
        let going = (
            deletes_at,
            Going { id: standing.id, name, last_activity: date(standing.last_activity), deletes_on: date(deletes_at) },
        );
        if deletes_at <= next {
            at_next_run.push(going);
        } else if deletes_at <= next + PREVIEW_DAYS * DAY {
            soon.push(going);
        }
    }
    let by_date = |list: &mut Vec<(i64, Going)>| {
        list.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
        list.drain(..).map(|(_, going)| going).collect::<Vec<_>>()
    };
    held.sort_by(|a, b| a.name.cmp(&b.name));
    let log = crate::clients::store::deletion_log(&state.db, practice_id, LOG_SHOWN)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(DeletionLogEntry {
                when: crate::local_time::moment_text(zone, row.at),
                cause: DeletionCause::from_code(&row.cause)?,
                clients: row.clients,
                counts: DeletionCounts {
                    appointments: row.appointments,
                    journal_entries: row.journal_entries,
                    consents: row.consents,
                    messages: row.messages,
                    files: row.files,
                },
            })
        })
        .collect();
    Ok(CleanupOverview {
        choice,
        next_run: crate::local_time::moment_text(zone, next),
        at_next_run: by_date(&mut at_next_run),
        soon: by_date(&mut soon),
        held,
        log,
    })
}

/// Saves the choice. A changed choice (switched on or off, another period) forgets the notices
/// given under the old one: who comes due under the new one is told again, 14 days ahead.
pub async fn save(state: &AppState, user: &CurrentUser, choice: CleanupChoice) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut tx = begin_write(&state.db).await?;
    if store::choice_in(&mut tx, user.practice_id).await? != choice {
        store::forget_notices_in(&mut tx, user.practice_id).await?;
    }
    store::set_choice_in(&mut tx, user.practice_id, choice, now).await?;
    // The record says the period in months, and 0 for off.
    let record = if choice.enabled { i64::from(choice.months) } else { 0 };
    audit::record(&mut *tx, user, now, AuditAction::CleanupChanged, None, Some(record)).await?;
    tx.commit().await?;
    Ok(())
}

/// Keeps the practice's client from the cleanup, with the reason sealed with its key.
pub async fn hold(state: &AppState, user: &CurrentUser, id: ClientId, typed_reason: &str) -> Result<(), AppError> {
    let reason = hold_reason(typed_reason)?;
    let entry = crate::clients::service::entry(state, user.practice_id, id).await?.ok_or(AppError::NotFound)?;
    let sealed = entry.keys.seal_text(&reason, HOLD_REASON);
    let now = state.clock.now();
    if !store::hold(&state.db, user.practice_id, id, &sealed, now).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&state.db, user, now, AuditAction::ClientHeld, Some(id), None).await?;
    Ok(())
}

pub async fn release(state: &AppState, user: &CurrentUser, id: ClientId) -> Result<(), AppError> {
    if !store::release(&state.db, user.practice_id, id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&state.db, user, state.clock.now(), AuditAction::ClientHoldReleased, Some(id), None).await?;
    Ok(())
}

/// Runs the nightly cleanup when its time has come; checks every 10 minutes.
pub async fn run_nightly(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(error) = run(&state, RunMode::Scheduled).await {
            tracing::error!(?error, "the cleanup run failed; the next check tries again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000;

    fn standing(last_activity: i64, held: bool, noticed_at: Option<i64>) -> Standing {
        Standing { id: ClientId(1), last_activity, held, noticed_at }
    }

    #[test]
    fn the_period_ends_whole_months_after_the_last_activity() {
        let activity = chrono::Utc.with_ymd_and_hms(2024, 1, 31, 10, 0, 0).unwrap().timestamp();
        let due = chrono::Utc.with_ymd_and_hms(2024, 2, 29, 10, 0, 0).unwrap().timestamp();
        assert_eq!(due_at(activity, 1), due, "the end of a short month");
        let ten_years = chrono::Utc.with_ymd_and_hms(2034, 1, 31, 10, 0, 0).unwrap().timestamp();
        assert_eq!(due_at(activity, 120), ten_years);
    }

    #[test]
    fn a_client_is_noticed_14_days_ahead_and_deleted_no_sooner_than_14_days_after() {
        let months = 12;
        let due = NOW + 10 * DAY;
        let last = due - 366 * DAY;
        let last = last + (due - due_at(last, months));
        assert_eq!(due_at(last, months), due);
        assert_eq!(standing(last, false, None).step(months, NOW - 5 * DAY), Step::Keep, "19 days ahead");
        assert_eq!(standing(last, false, None).step(months, NOW), Step::Notice, "10 days ahead");
        assert_eq!(standing(last, false, Some(NOW)).step(months, NOW), Step::Keep, "told once");
        assert_eq!(standing(last, false, Some(NOW)).step(months, due), Step::Keep, "due, but told 10 days ago");
        assert_eq!(standing(last, false, Some(NOW)).step(months, NOW + NOTICE), Step::Delete);
        // Counted from the night of the notice: a notice given after that night's run still goes
        // at the run 14 nights on, on the date the mail named.
        let night = slot_before(NOW);
        assert_eq!(standing(last, false, Some(night + 600)).step(months, night + NOTICE + 180), Step::Delete);
        // Overdue when the cleanup is switched on: told first, deleted 14 days later.
        assert_eq!(standing(last, false, None).step(months, due + 100 * DAY), Step::Notice);
    }

    #[test]
    fn held_and_active_clients_stay_and_lose_their_notice() {
        let months = 12;
        let old = NOW - 800 * DAY;
        assert_eq!(standing(old, true, None).step(months, NOW), Step::Keep);
        assert_eq!(standing(old, true, Some(NOW - 30 * DAY)).step(months, NOW), Step::Forget);
        assert_eq!(standing(NOW - DAY, false, Some(NOW - 30 * DAY)).step(months, NOW), Step::Forget);
        assert_eq!(standing(old, true, None).deletes_at(months, NOW), None);
        // A future appointment is the latest activity: nothing before a year after it.
        assert_eq!(standing(NOW + 60 * DAY, false, None).step(months, NOW), Step::Keep);
    }

    #[test]
    fn the_preview_dates_follow_the_notice() {
        let months = 12;
        let old = NOW - 800 * DAY;
        assert_eq!(standing(old, false, None).deletes_at(months, NOW), Some(slot_before(NOW) + NOTICE));
        assert_eq!(standing(old, false, Some(NOW - 20 * DAY)).deletes_at(months, NOW), Some(NOW));
        let due = due_at(NOW - 300 * DAY, months);
        assert_eq!(standing(NOW - 300 * DAY, false, None).deletes_at(months, NOW), Some(due));
    }

    #[test]
    fn the_night_run_comes_once_a_day_at_its_hour() {
        let day_start = NOW.div_euclid(DAY) * DAY;
        let slot = day_start + 2 * 3600;
        assert_eq!(slot_before(slot), slot);
        assert_eq!(slot_before(slot - 1), slot - DAY);
        assert_eq!(next_run(Some(slot + 60), slot + 3600), slot + DAY);
        assert_eq!(next_run(Some(slot - DAY + 60), slot + 3600), slot + 3600, "missed: now");
        assert_eq!(next_run(None, slot - 60), slot);
    }
}
