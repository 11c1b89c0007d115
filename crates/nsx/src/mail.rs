//! Outgoing e-mail over SMTP (lettre), to the relay in `smtp.url`.

use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::SmtpConfig;
use crate::error::{Error, Result};

/// A configured SMTP sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Builds a mailer when `smtp.url` is set; `None` when e-mail is not configured.
    pub fn from_config(cfg: &SmtpConfig) -> Result<Option<Mailer>> {
        let Some(url) = &cfg.url else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| Error::Config(format!("smtp.url: {e}")))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = cfg
            .from
            .parse()
            .map_err(|e| Error::Config(format!("smtp.from {:?}: {e}", cfg.from)))?;
        Ok(Some(Mailer { transport, from }))
    }

    /// Sends a plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<()> {
        self.send_with(to, subject, body, None).await
    }

    /// Sends a plain-text message; with `unsubscribe` (an `https://` or `http://` URL), it
    /// carries `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 2369, RFC 8058).
    pub async fn send_with(
        &self,
        to: &str,
        subject: &str,
        body: String,
        unsubscribe: Option<&str>,
    ) -> Result<()> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| Error::invalid("email", format!("cannot send to {to:?}: {e}")))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN);
        if let Some(url) = unsubscribe.filter(|u| {
            (u.starts_with("https://") || u.starts_with("http://"))
                && !u.contains(['<', '>', '\r', '\n'])
        }) {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_string(),
                ));
        }
        let msg = builder
            .body(body)
            .map_err(|e| Error::Internal(format!("building e-mail: {e}")))?;
        self.transport
            .send(msg)
            .await
            .map_err(|e| Error::Internal(format!("sending e-mail: {e}")))?;
        Ok(())
    }
}

/// The kind of background job that sends one e-mail.
pub const EMAIL_JOB: &str = "email";

/// An e-mail waiting in the outbox.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Puts an e-mail in the outbox inside the caller's transaction: it is sent by whichever
/// node runs the job, retried with back-off while the relay is down, and lost never.
pub async fn queue(tx: &mut crate::db::Tx, email: OutgoingEmail) -> Result<()> {
    if email.to.parse::<Mailbox>().is_err() {
        return Err(Error::invalid(
            "email",
            format!("{:?} is not an e-mail address", email.to),
        ));
    }
    let payload = serde_json::to_value(&email)
        .map_err(|e| Error::Internal(format!("queueing e-mail: {e}")))?;
    crate::jobs::enqueue(
        tx,
        crate::jobs::NewJob::now(EMAIL_JOB, payload).attempts(12),
    )
    .await?;
    Ok(())
}

/// The payload key of an outbox e-mail's unsubscribe URL (see [`queue_with_unsubscribe`]).
pub const UNSUBSCRIBE_KEY: &str = "list_unsubscribe";

/// [`queue`] for a notification e-mail: the message is sent with `List-Unsubscribe`
/// headers naming `unsubscribe` (the same link its body carries).
pub async fn queue_with_unsubscribe(
    tx: &mut crate::db::Tx,
    email: OutgoingEmail,
    unsubscribe: &str,
) -> Result<()> {
    if email.to.parse::<Mailbox>().is_err() {
        return Err(Error::invalid(
            "email",
            format!("{:?} is not an e-mail address", email.to),
        ));
    }
    let mut payload = serde_json::to_value(&email)
        .map_err(|e| Error::Internal(format!("queueing e-mail: {e}")))?;
    if let Some(o) = payload.as_object_mut() {
        o.insert(UNSUBSCRIBE_KEY.into(), unsubscribe.into());
    }
    crate::jobs::enqueue(
        tx,
        crate::jobs::NewJob::now(EMAIL_JOB, payload).attempts(12),
    )
    .await?;
    Ok(())
}

/// Puts an e-mail in the outbox in a transaction of its own.
pub async fn queue_now(db: &crate::db::Db, email: OutgoingEmail) -> Result<()> {
    let mut tx = db.begin().await?;
    queue(&mut tx, email).await?;
    tx.commit().await
}

/// Sends the e-mails of the outbox.
pub struct EmailJob;

#[async_trait::async_trait]
impl crate::jobs::JobHandler for EmailJob {
    async fn run(
        &self,
        state: &crate::state::AppState,
        job: &crate::jobs::Job,
    ) -> std::result::Result<(), crate::jobs::JobError> {
        use crate::jobs::JobError;
        let email: OutgoingEmail = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("not an e-mail: {e}")))?;
        let Some(mailer) = &state.mailer else {
            return Err(JobError::Retry(
                "no SMTP relay is configured (smtp.url); the e-mail waits in the outbox".into(),
            ));
        };
        let unsubscribe = job.payload.get(UNSUBSCRIBE_KEY).and_then(|v| v.as_str());
        match mailer
            .send_with(&email.to, &email.subject, email.body, unsubscribe)
            .await
        {
            Ok(()) => Ok(()),
            Err(Error::Invalid(e)) => Err(JobError::Fatal(format!("{e:?}"))),
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }
}
