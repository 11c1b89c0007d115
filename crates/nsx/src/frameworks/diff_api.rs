//! The JSON face of framework changes: the diff of any two versions and the changelog.

use axum::extract::State;
use nsx_core::frameworks::diff::{Change, Counts, Segment};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::api::VersionInfo;
use super::changes;
use super::service::check_code;
use crate::state::AppState;
use crate::web::error::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};

/// Which versions to compare.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// The older version's label, e.g. `v26.05`; defaults to the version before `to`.
    pub from: Option<String>,
    /// The newer version's label; defaults to the newest version.
    pub to: Option<String>,
}

/// What changed between two versions of a framework.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffOut {
    /// Framework code.
    pub code: String,
    /// The version compared from.
    pub from: VersionInfo,
    /// The version compared to.
    pub to: VersionInfo,
    /// Word-level diff of the context paragraph; absent when it is the same.
    pub context: Option<Vec<Segment>>,
    /// Every statement of either version and what happened to it: the newer version's
    /// statements in order, each removed statement after the one that preceded it.
    pub changes: Vec<Change>,
    /// How many statements changed in each way.
    pub counts: Counts,
}

/// What changed between two versions of a framework: statements added, removed, moved
/// (section, domain, level or place among its level) and reworded (with word-level
/// segments), citations added and removed, and the context paragraph.
#[utoipa::path(
    get,
    path = "/api/v1/frameworks/{code}/diff",
    tag = "frameworks",
    params(("code" = String, Path, description = "Framework code: an O*NET-SOC code such as 17-3024.00, or a name such as industrial-maintenance"), DiffParams),
    responses(
        (status = 200, description = "The diff", body = DiffOut),
        (status = 404, description = "No framework for the code, or no version with the `from` or `to` label (the problem names which)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed code, `from` or `to`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_diff(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(p): ApiQuery<DiffParams>,
) -> ApiResult<ApiJson<DiffOut>> {
    check_code(&code)?;
    let (from, to) = changes::labels_of(p.from.as_deref(), p.to.as_deref())?;
    let d = changes::diff_versions(&state.db, &code, from, to).await?;
    Ok(ApiJson(DiffOut {
        code,
        from: (&d.from).into(),
        to: (&d.to).into(),
        context: d.diff.context,
        changes: d.diff.changes,
        counts: d.diff.counts,
    }))
}

/// One version in a changelog.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangelogEntryOut {
    /// The version.
    pub version: VersionInfo,
    /// The label of the version before it, if any.
    pub previous: Option<String>,
    /// What changed since the previous version; absent for the first version.
    pub changes: Option<Counts>,
    /// The diff against the previous version (page).
    pub diff_url: Option<String>,
    /// The diff against the previous version (JSON).
    pub diff_api_url: Option<String>,
}

/// A framework's changelog.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangelogOut {
    /// Framework code.
    pub code: String,
    /// Every version, newest first.
    pub versions: Vec<ChangelogEntryOut>,
}

/// Every version of a framework, newest first, with its status, dates and how many
/// statements were added, removed, moved and reworded since the version before it.
#[utoipa::path(
    get,
    path = "/api/v1/frameworks/{code}/changes",
    tag = "frameworks",
    params(("code" = String, Path, description = "Framework code: an O*NET-SOC code such as 17-3024.00, or a name such as industrial-maintenance")),
    responses(
        (status = 200, description = "The changelog", body = ChangelogOut),
        (status = 404, description = "No framework for the code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed code", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_changes(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<ApiJson<ChangelogOut>> {
    check_code(&code)?;
    let log = changes::changelog(&state.db, &code).await?;
    let versions = log
        .iter()
        .map(|e| {
            let label = e.version.label;
            ChangelogEntryOut {
                version: (&e.version).into(),
                previous: e.previous.map(|p| p.to_string()),
                changes: e.counts,
                diff_url: e.previous.map(|p| changes::diff_path(&code, &p, &label)),
                diff_api_url: e
                    .previous
                    .map(|p| format!("/api/v1/frameworks/{code}/diff?from={p}&to={label}")),
            }
        })
        .collect();
    Ok(ApiJson(ChangelogOut { code, versions }))
}
