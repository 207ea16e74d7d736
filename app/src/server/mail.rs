//! Outgoing mail: through SMTP (lettre) when `TRYGG_SMTP_URL` is set, otherwise into the
//! `outbox` table, which the development page lists (attachments there by name and size only).
//! A mail to a client lies in the outbox sealed with the client's data key, like everything
//! else that names a client, and goes with the client.

use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::clock::Clock;
use super::crypto::MasterKey;
use super::db::Db;
use super::envelope::{self, Field};
use crate::error::AppError;
use crate::ids::{ClientId, PracticeId};

fn outbox_record(id: i64) -> String {
    format!("outbox:{id}")
}

pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

pub struct Attachment {
    pub filename: String,
    /// A MIME type, e.g. `application/pdf`.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Attachment {
    /// How the outbox lists it: `name (12 KB)`.
    fn label(&self) -> String {
        format!("{} ({} KB)", self.filename, self.bytes.len().div_ceil(1024))
    }
}

#[derive(Clone)]
pub struct Mailer {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    db: Db,
    clock: Clock,
    master: Arc<MasterKey>,
}

/// The client a mail goes to, whose key seals the outbox's copy.
#[derive(Clone, Copy)]
pub struct ClientRecipient {
    pub practice_id: PracticeId,
    pub client_id: ClientId,
}

/// A client's mail as the outbox seals it.
#[derive(Serialize, Deserialize)]
struct SealedMail {
    recipient: String,
    subject: String,
    body: String,
    attachments: String,
}

const OUTBOX_MAIL: &str = "outbox.mail";

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address")]
    Address,
    #[error("invalid attachment type")]
    ContentType,
    #[error("building message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("smtp: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("outbox: {0}")]
    Outbox(#[from] sqlx::Error),
    #[error("outbox: the client is gone")]
    ClientGone,
}

#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    /// One `name (size)` per line.
    pub attachments: String,
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    id: i64,
    recipient: String,
    subject: String,
    body: String,
    created_at: i64,
    attachments: String,
    practice_id: Option<PracticeId>,
    client_id: Option<ClientId>,
    sealed: Option<Vec<u8>>,
}

impl Mailer {
    pub fn new(
        smtp_url: Option<&str>,
        from: &str,
        db: Db,
        clock: Clock,
        master: Arc<MasterKey>,
    ) -> Result<Self, MailError> {
        let smtp =
            smtp_url.map(|url| AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map(|b| b.build())).transpose()?;
        let from = from.parse().map_err(|_| MailError::Address)?;
        Ok(Self { smtp, from, db, clock, master })
    }

    pub async fn send(&self, email: Email) -> Result<(), MailError> {
        self.send_to(email, None).await
    }

    async fn send_to(&self, email: Email, client: Option<ClientRecipient>) -> Result<(), MailError> {
        match &self.smtp {
            Some(transport) => {
                let builder = Message::builder()
                    .from(self.from.clone())
                    .to(email.to.parse().map_err(|_| MailError::Address)?)
                    .subject(email.subject);
                let message = if email.attachments.is_empty() {
                    builder.header(ContentType::TEXT_PLAIN).body(email.body)?
                } else {
                    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(email.body));
                    for attachment in email.attachments {
                        let kind = ContentType::parse(attachment.content_type).map_err(|_| MailError::ContentType)?;
                        parts = parts.singlepart(MimeAttachment::new(attachment.filename).body(attachment.bytes, kind));
                    }
                    builder.multipart(parts)?
                };
                transport.send(message).await?;
            }
            None => {
                let attachments = email.attachments.iter().map(Attachment::label).collect::<Vec<_>>().join("\n");
                if let Some(client) = client {
                    let mail =
                        SealedMail { recipient: email.to, subject: email.subject, body: email.body, attachments };
                    return self.keep_sealed(client, &mail).await;
                }
                sqlx::query(
                    "INSERT INTO outbox (recipient, subject, body, created_at, attachments) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(email.to)
                .bind(email.subject)
                .bind(email.body)
                .bind(self.clock.now())
                .bind(attachments)
                .execute(&self.db)
                .await?;
            }
        }
        Ok(())
    }

    /// The outbox's copy of a client's mail: a row bound to the client, then its content sealed
    /// with the client's key and bound to that row, in one transaction.
    async fn keep_sealed(&self, client: ClientRecipient, mail: &SealedMail) -> Result<(), MailError> {
        let mut tx = super::db::begin_write(&self.db).await?;
        let keys = envelope::for_client_in(&mut tx, &self.master, client.practice_id, client.client_id)
            .await
            .map_err(|_| MailError::ClientGone)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (recipient, subject, body, created_at, attachments, practice_id, client_id)
             VALUES ('', '', '', $1, '', $2, $3) RETURNING id",
        )
        .bind(self.clock.now())
        .bind(client.practice_id)
        .bind(client.client_id)
        .fetch_one(&mut *tx)
        .await?;
        let json = serde_json::to_vec(mail).expect("a mail serialises");
        let sealed = keys.seal(&json, Field { record: &outbox_record(id), field: OUTBOX_MAIL });
        sqlx::query("UPDATE outbox SET sealed = $1 WHERE id = $2").bind(sealed).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends without making the caller wait or fail: a slow or broken mail server must not change
    /// how long a request takes (which would tell whether an account exists), nor fail it.
    pub fn send_in_background(&self, email: Email) {
        self.spawn(email, None);
    }

    /// [`Self::send_in_background`] to a client: the outbox keeps it sealed with the client's key.
    pub fn send_to_client_in_background(&self, client: ClientRecipient, email: Email) {
        self.spawn(email, Some(client));
    }

    fn spawn(&self, email: Email, client: Option<ClientRecipient>) {
        let mailer = self.clone();
        tokio::spawn(async move {
            if let Err(error) = mailer.send_to(email, client).await {
                tracing::error!(%error, "sending mail failed");
            }
        });
    }

    /// The newest 100 mails of the outbox, clients' mails opened; those of a deleted client (its
    /// key gone) are left out.
    pub async fn outbox(&self) -> Result<Vec<OutboxRow>, AppError> {
        let rows: Vec<StoredRow> = sqlx::query_as(
            "SELECT id, recipient, subject, body, created_at, attachments, practice_id, client_id, sealed
             FROM outbox ORDER BY id DESC LIMIT 100",
        )
        .fetch_all(&self.db)
        .await?;
        let mut mails = Vec::with_capacity(rows.len());
        for row in rows {
            let (id, created_at) = (row.id, row.created_at);
            let mail = match (row.practice_id, row.client_id, row.sealed) {
                (Some(practice_id), Some(client_id), Some(sealed)) => {
                    let Some(keys) = envelope::existing(&self.db, &self.master, practice_id, client_id).await? else {
                        continue;
                    };
                    let json = keys.open_text(&sealed, Field { record: &outbox_record(id), field: OUTBOX_MAIL })?;
                    serde_json::from_str(&json).map_err(AppError::internal)?
                }
                _ => SealedMail {
                    recipient: row.recipient,
                    subject: row.subject,
                    body: row.body,
                    attachments: row.attachments,
                },
            };
            let SealedMail { recipient, subject, body, attachments } = mail;
            mails.push(OutboxRow { id, recipient, subject, body, created_at, attachments });
        }
        Ok(mails)
    }
}
