//! Outgoing e-mail over SMTP (lettre), to the relay in `smtp.url`.

use lettre::message::{Mailbox, header::ContentType};
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
        let to: Mailbox = to
            .parse()
            .map_err(|e| Error::invalid("email", format!("cannot send to {to:?}: {e}")))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| Error::Internal(format!("building e-mail: {e}")))?;
        self.transport
            .send(msg)
            .await
            .map_err(|e| Error::Internal(format!("sending e-mail: {e}")))?;
        Ok(())
    }
}
