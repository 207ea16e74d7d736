//! Outgoing mail: through SMTP (lettre) when `TRYGG_SMTP_URL` is set, otherwise into the
//! `outbox` table, which the development page lists.

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::clock::Clock;
use super::db::Db;

pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
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
    #[error("building message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("smtp: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("outbox: {0}")]
    Outbox(#[from] sqlx::Error),
}

#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
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
                let message = Message::builder()
                    .from(self.from.clone())
                    .to(email.to.parse().map_err(|_| MailError::Address)?)
                    .subject(email.subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(email.body)?;
                transport.send(message).await?;
            }
            None => {
                sqlx::query("INSERT INTO outbox (recipient, subject, body, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(email.to)
                    .bind(email.subject)
                    .bind(email.body)
                    .bind(self.clock.now())
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
        use sqlx::Row;
        let rows =
            sqlx::query("SELECT id, recipient, subject, body, created_at FROM outbox ORDER BY id DESC LIMIT 100")
                .fetch_all(&self.db)
                .await?;
        Ok(rows
            .into_iter()
            .map(|row| OutboxRow {
                id: row.get(0),
                recipient: row.get(1),
                subject: row.get(2),
                body: row.get(3),
                created_at: row.get(4),
            })
            .collect())
    }
}
