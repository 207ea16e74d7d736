//! Outgoing mail: through SMTP (lettre) when `TRYGG_SMTP_URL` is set, otherwise into the
//! `outbox` table, which the development page lists (attachments there by name and size only).

use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::clock::Clock;
use super::db::Db;

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
}

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
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    /// One `name (size)` per line.
    pub attachments: String,
}

impl Mailer {
    pub fn new(smtp_url: Option<&str>, from: &str, db: Db, clock: Clock) -> Result<Self, MailError> {
        let smtp =
            smtp_url.map(|url| AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map(|b| b.build())).transpose()?;
        let from = from.parse().map_err(|_| MailError::Address)?;
        Ok(Self { smtp, from, db, clock })
    }

    pub async fn send(&self, email: Email) -> Result<(), MailError> {
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

    /// Sends without making the caller wait or fail: a slow or broken mail server must not change
    /// how long a request takes (which would tell whether an account exists), nor fail it.
    pub fn send_in_background(&self, email: Email) {
        let mailer = self.clone();
        tokio::spawn(async move {
            if let Err(error) = mailer.send(email).await {
                tracing::error!(%error, "sending mail failed");
            }
        });
    }

    pub async fn outbox(&self) -> Result<Vec<OutboxRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, recipient, subject, body, created_at, attachments FROM outbox ORDER BY id DESC LIMIT 100",
        )
        .fetch_all(&self.db)
        .await
    }
}
