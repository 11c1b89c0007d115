//! The rules of following and invitations, shared by the pages, the API and the demo:
//! each function checks its input, asks the policy, works in one transaction with its
//! audit entry, and commits.

use nsx_core::accounts::normalize_email;
use nsx_core::following::{
    Scope, TargetKind, Unsubscribe, check_code, parse_csv_rows, parse_pasted, verify,
};
use nsx_core::ids::{CallId, OrganizationId};
use nsx_core::policy::{Action, Resource};
use nsx_core::review::Phase;
use serde_json::json;

use super::notify::{self, SECRET_NAME};
use super::{Follow, Invitation, OBJECT_TYPE, store};
use crate::accounts::store::{random_secret, token_hash};
use crate::audit::{self, Change};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::mail::{self, OutgoingEmail};
use crate::on_db;
use crate::service::Caller;
use crate::state::AppState;

/// Reads a target kind from a form or path.
pub fn parse_kind(s: &str) -> Result<TargetKind> {
    TargetKind::parse(s).ok_or_else(|| Error::invalid("kind", "choose framework or occupation"))
}

/// The title of a followed framework or occupation; `NotFound` when there is none.
pub async fn target_title(db: &Db, kind: TargetKind, code: &str) -> Result<String> {
    let code = check_code(code).map_err(|_| Error::not_found(format!("the {kind} {code:?}")))?;
    let sql = match kind {
        TargetKind::Framework => "SELECT title FROM frameworks WHERE code = $1 LIMIT 1",
        TargetKind::Occupation => "SELECT title FROM occupations WHERE code = $1 LIMIT 1",
    };
    let t: Option<String> = on_db!(db, p => sqlx::query_scalar(sql)
        .bind(&code)
        .fetch_optional(p)
        .await)?;
    t.ok_or_else(|| Error::not_found(format!("the {kind} {code}")))
}

/// What following asked for led to.
#[derive(Debug, Clone)]
pub enum Followed {
    /// The follow is in place (signed in, or the address had already confirmed).
    Following(Follow),
    /// A confirmation link went to the address; nothing is sent before it is followed.
    ConfirmationSent(String),
}

/// Follows a framework or an occupation: a signed-in caller at once with their account's
/// address; an anonymous one with `email`, confirmed by a link sent through the outbox.
pub async fn follow(
    db: &Db,
    public_url: &str,
    caller: &Caller,
    account_email: Option<&str>,
    kind: TargetKind,
    code: &str,
    email: Option<&str>,
) -> Result<Followed> {
    let code = check_code(code).map_err(|e| Error::Invalid(vec![e]))?;
    let title = target_title(db, kind, &code).await?;
    caller.require(Action::ReadPublic, &Resource::Site)?;
    let mut tx = db.begin().await?;
    let out = match (caller.user_id(), account_email) {
        (Some(user), Some(address)) => {
            let f = store::upsert_follow(&mut tx, kind, &code, address, Some(user.0), None).await?;
            audit::record(
                &mut tx,
                caller,
                Change::new("follow.created", OBJECT_TYPE, f.id)
                    .after(json!({"kind": kind.as_str(), "code": code, "confirmed": true})),
            )
            .await?;
            Followed::Following(f)
        }
        _ => {
            let address =
                normalize_email(email.unwrap_or("")).map_err(|e| Error::Invalid(vec![e]))?;
            let secret = random_secret();
            let f = store::upsert_follow(
                &mut tx,
                kind,
                &code,
                &address,
                None,
                Some(&token_hash(&secret)),
            )
            .await?;
            if f.confirmed_at.is_none() {
                mail::queue(
                    &mut tx,
                    OutgoingEmail {
                        to: address.clone(),
                        subject: format!("Confirm: follow {title}"),
                        body: format!(
                            "Someone (we hope you) asked to be e-mailed when a call for input opens on {title} ({kind} {code}).\n\nTo confirm, open this link:\n\n{public_url}/follow/confirm/{secret}\n\nIf you did not ask for this, ignore this message: nothing is sent to you unless you confirm.\n"
                        ),
                    },
                )
                .await?;
            }
            audit::record(
                &mut tx,
                caller,
                Change::new("follow.requested", OBJECT_TYPE, f.id)
                    .after(json!({"kind": kind.as_str(), "code": code, "confirmed": f.confirmed_at.is_some()})),
            )
            .await?;
            // The same answer whether or not the address already follows, so that the
            // form does not tell who follows what.
            Followed::ConfirmationSent(address)
        }
    };
    tx.commit().await?;
    Ok(out)
}

/// Confirms an anonymous follow by the secret of its link.
pub async fn confirm(db: &Db, secret: &str) -> Result<Follow> {
    if secret.is_empty() || secret.len() > 200 {
        return Err(Error::not_found("this confirmation link"));
    }
    let mut tx = db.begin().await?;
    let f = store::confirm(&mut tx, &token_hash(secret))
        .await?
        .ok_or_else(|| {
            Error::not_found(
                "this confirmation link (it was used already, or replaced by a newer one)",
            )
        })?;
    audit::record(
        &mut tx,
        &Caller::anonymous(None),
        Change::new("follow.confirmed", OBJECT_TYPE, f.id)
            .after(json!({"kind": f.kind.as_str(), "code": f.code})),
    )
    .await?;
    tx.commit().await?;
    Ok(f)
}

/// Stops a signed-in caller following something; whether they did.
pub async fn unfollow(
    db: &Db,
    caller: &Caller,
    account_email: &str,
    kind: TargetKind,
    code: &str,
) -> Result<bool> {
    let user = caller
        .user_id()
        .ok_or_else(|| Error::Unauthorized("sign in to stop following".into()))?;
    caller.require(Action::ManageOwnAccount, &Resource::User(user))?;
    let code = check_code(code).map_err(|e| Error::Invalid(vec![e]))?;
    let mut tx = db.begin().await?;
    let removed = store::delete_of_user(&mut tx, kind, &code, user.0, account_email).await?;
    if removed {
        audit::record(
            &mut tx,
            caller,
            Change::new("follow.removed", OBJECT_TYPE, format!("{kind}:{code}"))
                .before(json!({"kind": kind.as_str(), "code": code})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(removed)
}

/// A signed-in caller's follows.
pub async fn mine(db: &Db, caller: &Caller, account_email: &str) -> Result<Vec<Follow>> {
    let user = caller
        .user_id()
        .ok_or_else(|| Error::Unauthorized("sign in to see what you follow".into()))?;
    store::follows_of_user(db, user.0, account_email).await
}

// ---------------------------------------------------------------------------------------
// Unsubscribing

/// Reads an unsubscribe link's token (checking its signature).
pub async fn read_token(db: &Db, token: &str) -> Result<Unsubscribe> {
    let secret = store::secret(db, SECRET_NAME).await?;
    verify(secret.as_bytes(), token).map_err(|e| Error::invalid("token", e.to_string()))
}

/// What an unsubscribe stops, in words.
pub fn describe(u: &Unsubscribe) -> String {
    match &u.scope {
        Scope::Follow(k, c) => format!("e-mails to {} about the {k} {c}", u.email),
        Scope::Call(_) => format!(
            "e-mails to {} about this call for input (invitation, reminder, dispositions)",
            u.email
        ),
    }
}

/// Carries out an unsubscribe link: a follow is removed, e-mails about a call stop.
/// Doing it twice is harmless.
pub async fn unsubscribe(db: &Db, token: &str) -> Result<Unsubscribe> {
    let u = read_token(db, token).await?;
    let mut tx = db.begin().await?;
    let changed = match &u.scope {
        Scope::Follow(k, c) => store::delete_by_email(&mut tx, *k, c, &u.email).await?,
        Scope::Call(_) => store::suppress(&mut tx, &u.email, &u.scope.encode()).await?,
    };
    if changed {
        audit::record(
            &mut tx,
            &Caller::anonymous(None),
            Change::new("follow.unsubscribed", OBJECT_TYPE, u.scope.encode())
                .after(json!({"scope": u.scope.encode()})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(u)
}

// ---------------------------------------------------------------------------------------
// Invitations

/// Reads invitees from a pasted list and an uploaded CSV file (either or both).
pub fn read_invitees(pasted: &str, csv: Option<&[u8]>) -> Result<Vec<String>> {
    let mut errors = Vec::new();
    let mut out = match parse_pasted(pasted) {
        Ok(v) => v,
        Err(e) => {
            errors.extend(e);
            Vec::new()
        }
    };
    if let Some(bytes) = csv {
        let mut rows = Vec::new();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        for (i, rec) in reader.records().enumerate() {
            match rec {
                Ok(r) => rows.push(r.iter().map(str::to_string).collect::<Vec<_>>()),
                Err(e) => {
                    errors.push(nsx_core::accounts::FieldError::new(
                        "csv",
                        format!("line {}: cannot read this line ({e})", i + 1),
                    ));
                    rows.push(Vec::new());
                }
            }
        }
        match parse_csv_rows(&rows) {
            Ok(v) => {
                for e in v {
                    if !out.contains(&e) {
                        out.push(e);
                    }
                }
            }
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    if out.is_empty() {
        return Err(Error::invalid(
            "emails",
            "paste at least one e-mail address or choose a CSV file",
        ));
    }
    Ok(out)
}

/// What an invitation run did.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Invited {
    /// Addresses newly invited.
    pub added: Vec<String>,
    /// Addresses that were invited already (nothing changed for them).
    pub already: Vec<String>,
    /// Invitation e-mails queued now (the call is open); otherwise they go when it opens.
    pub emailed: usize,
}

/// Invites addresses to a call (editors of the owner; not once it has closed). All or
/// nothing: the addresses were checked before. Invitees of an open call are e-mailed at
/// once, the others when it opens.
pub async fn invite(
    state: &AppState,
    caller: &Caller,
    id: CallId,
    emails: Vec<String>,
) -> Result<Invited> {
    let db = &state.db;
    let call = crate::review::service::get(db, id).await?;
    caller.require(
        Action::ManageReview,
        &Resource::OwnedBy(call.organization_id.map(OrganizationId)),
    )?;
    if call.phase_now() == Phase::Closed {
        return Err(Error::Conflict(format!(
            "the call closed on {} ({}); invitations are no longer sent",
            call.closes_local(),
            call.closes_utc()
        )));
    }
    let mut tx = db.begin().await?;
    let added = store::add_invitations(&mut tx, id, &emails, caller.user_id().map(|u| u.0)).await?;
    if !added.is_empty() {
        audit::record(
            &mut tx,
            caller,
            Change::new("review.invited", crate::review::OBJECT_TYPE, id)
                .after(json!({"invited": added.len()})),
        )
        .await?;
    }
    tx.commit().await?;
    let already = emails
        .iter()
        .filter(|e| !added.contains(*e))
        .cloned()
        .collect();
    let emailed = notify::invite_now(state, &call, &added).await?;
    Ok(Invited {
        added,
        already,
        emailed,
    })
}

/// A call's invitations (editors of the owner).
pub async fn invitations(db: &Db, caller: &Caller, id: CallId) -> Result<Vec<Invitation>> {
    let call = crate::review::service::get(db, id).await?;
    caller.require(
        Action::ManageReview,
        &Resource::OwnedBy(call.organization_id.map(OrganizationId)),
    )?;
    store::invitations(db, id).await
}
