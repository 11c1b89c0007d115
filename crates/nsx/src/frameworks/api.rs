//! The frameworks JSON API: the framework index, each framework's versions, a whole
//! version with its statements and citations, and one statement by id. Errors are RFC 9457
//! problem documents.

use axum::extract::State;
use nsx_core::frameworks::draft::EvidencePack;
use nsx_core::frameworks::{Source, Statement};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::queries;
use super::queries::filter_from;
use super::service::{check_code, parse_label};
use super::{FrameworkView, StatementView, VersionSummary, store};
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};

/// A framework version's headline facts.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionInfo {
    /// Version id (stable).
    pub id: Uuid,
    /// Framework id (stable).
    pub framework_id: Uuid,
    /// Framework code: an O*NET-SOC code, or the owner's slug.
    pub code: String,
    /// Version label, e.g. `v26.05` (a second one cut in the same month: `v26.05.2`).
    pub version: String,
    /// `draft`, `in_review`, `published`, `superseded` or `discarded`.
    pub status: String,
    /// Occupation title.
    pub title: String,
    /// Job Zone (1–5).
    pub job_zone: Option<i64>,
    /// O*NET release the version is grounded in.
    pub onet_release: String,
    /// Stable path of the version's page.
    pub url: String,
    /// Number of statements.
    pub statement_count: i64,
    /// When it was drafted (RFC 3339).
    pub drafted_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// When an editor last changed it (RFC 3339); absent while it is as drafted.
    pub edited_at: Option<String>,
    /// When it was published (RFC 3339).
    pub published_at: Option<String>,
    /// The label it had as a draft, when publishing gave it another.
    pub former_label: Option<String>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl From<&VersionSummary> for VersionInfo {
    fn from(v: &VersionSummary) -> Self {
        VersionInfo {
            id: v.id,
            framework_id: v.framework_id,
            code: v.code.clone(),
            version: v.label.to_string(),
            status: v.status.as_str().into(),
            title: v.title.clone(),
            job_zone: v.job_zone,
            onet_release: v.onet_release.clone(),
            url: v.url.clone(),
            statement_count: v.statement_count,
            drafted_at: rfc3339(v.drafted_at),
            updated_at: rfc3339(v.updated_at),
            edited_at: v.edited_at.map(rfc3339),
            published_at: v.published_at.map(rfc3339),
            former_label: v.former_label.clone(),
        }
    }
}

/// A statement with its ids.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementOut {
    /// Statement id (unique to its version).
    pub id: Uuid,
    /// Item id (the same subject and level across versions).
    pub item_id: Uuid,
    /// Content and citations.
    #[serde(flatten)]
    pub statement: Statement,
}

impl From<&StatementView> for StatementOut {
    fn from(s: &StatementView) -> Self {
        StatementOut {
            id: s.id,
            item_id: s.item_id,
            statement: s.statement.clone(),
        }
    }
}

/// A whole framework version.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkOut {
    /// Headline facts.
    pub version: VersionInfo,
    /// The "context covered" paragraph.
    pub context: String,
    /// Statements in section, domain, level and order sequence.
    pub statements: Vec<StatementOut>,
    /// The AI-usage evidence pack.
    pub evidence: EvidencePack,
    /// What could not be grounded.
    pub gaps: Vec<String>,
    /// Sources cited, with licences and attribution.
    pub sources: Vec<Source>,
}

impl From<&FrameworkView> for FrameworkOut {
    fn from(v: &FrameworkView) -> Self {
        FrameworkOut {
            version: (&v.version).into(),
            context: v.context.clone(),
            statements: v.statements.iter().map(Into::into).collect(),
            evidence: v.evidence.clone(),
            gaps: v.gaps.clone(),
            sources: v.sources.clone(),
        }
    }
}

/// Index filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// SOC major group (two digits, e.g. `17`).
    pub group: Option<String>,
    /// Job Zone (1–5).
    pub job_zone: Option<String>,
    /// Status of the newest version.
    pub status: Option<String>,
    /// Words a statement of the newest version must contain.
    pub q: Option<String>,
    /// Page size (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Rows to skip.
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<i64>,
}

/// One page of frameworks.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkList {
    /// How many frameworks match.
    pub total: usize,
    /// Page size used.
    pub limit: usize,
    /// Rows skipped.
    pub offset: usize,
    /// The newest version of each matching framework.
    pub items: Vec<VersionInfo>,
}

fn field(f: &str, m: String) -> Error {
    Error::Invalid(vec![nsx_core::accounts::FieldError::new(f, m)])
}

fn empty_none(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Frameworks, newest version of each, filtered.
#[utoipa::path(
    get,
    path = "/api/v1/frameworks",
    tag = "frameworks",
    params(ListParams),
    responses(
        (status = 200, description = "A page of frameworks", body = FrameworkList,
            headers(("X-Total-Count" = i64, description = "Frameworks matching the filters"))),
        (status = 422, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_frameworks(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<axum::response::Response> {
    let mut f = filter_from(
        empty_none(&p.group),
        empty_none(&p.job_zone),
        empty_none(&p.status),
        empty_none(&p.q),
    )
    .map_err(|(f, m)| field(if f == "zone" { "job_zone" } else { &f }, m))?;
    let page = crate::paging::PageQuery {
        limit: p.limit,
        offset: p.offset,
    }
    .checked()?;
    f.limit = page.limit as usize;
    f.offset = page.offset as usize;
    let found = queries::index(&state.db, &f).await?;
    Ok(crate::paging::json_with_total(
        found.total as i64,
        FrameworkList {
            total: found.total,
            limit: f.limit,
            offset: f.offset,
            items: found.items.iter().map(Into::into).collect(),
        },
    ))
}

pub(crate) async fn load(
    state: &AppState,
    code: &str,
    version: Option<&str>,
) -> ApiResult<FrameworkOut> {
    check_code(code)?;
    let label = version.map(parse_label).transpose()?;
    let v = store::load_version(&state.db, code, label.as_ref())
        .await?
        .ok_or_else(|| {
            Error::NotFound(match (label, version) {
                (Some(l), _) => format!("version {l} of the framework for {code}"),
                _ => format!("a framework for {code}"),
            })
        })?;
    Ok((&v).into())
}

/// The newest version of a framework, with statements and citations.
#[utoipa::path(
    get,
    path = "/api/v1/frameworks/{code}",
    tag = "frameworks",
    params(("code" = String, Path, description = "O*NET-SOC code, e.g. 17-3024.00")),
    responses(
        (status = 200, description = "The newest version", body = FrameworkOut),
        (status = 404, description = "No framework for the code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed code", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_framework(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<ApiJson<FrameworkOut>> {
    Ok(ApiJson(load(&state, &code, None).await?))
}

/// Every version of a framework, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/frameworks/{code}/versions",
    tag = "frameworks",
    params(("code" = String, Path, description = "O*NET-SOC code")),
    responses(
        (status = 200, description = "Versions, newest first", body = Vec<VersionInfo>),
        (status = 404, description = "No framework for the code", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_versions(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<ApiJson<Vec<VersionInfo>>> {
    check_code(&code)?;
    let v = store::list_versions(&state.db, &code).await?;
    if v.is_empty() {
        return Err(Error::NotFound(format!("a framework for {code}")).into());
    }
    Ok(ApiJson(v.iter().map(Into::into).collect()))
}

/// One version of a framework, with statements and citations.
#[utoipa::path(
    get,
    path = "/api/v1/frameworks/{code}/versions/{version}",
    tag = "frameworks",
    params(
        ("code" = String, Path, description = "O*NET-SOC code"),
        ("version" = String, Path, description = "Version label, e.g. v26.05"),
    ),
    responses(
        (status = 200, description = "The version", body = FrameworkOut),
        (status = 404, description = "No such version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed code or label", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_version(
    State(state): State<AppState>,
    ApiPath((code, version)): ApiPath<(String, String)>,
) -> ApiResult<ApiJson<FrameworkOut>> {
    Ok(ApiJson(load(&state, &code, Some(&version)).await?))
}

/// A statement with the version it belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementDetail {
    /// The version holding the statement.
    pub version: VersionInfo,
    /// The statement.
    pub statement: StatementOut,
}

/// One statement by id.
#[utoipa::path(
    get,
    path = "/api/v1/statements/{id}",
    tag = "frameworks",
    params(("id" = Uuid, Path, description = "Statement id")),
    responses(
        (status = 200, description = "The statement", body = StatementDetail),
        (status = 404, description = "No such statement", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_statement(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<StatementDetail>> {
    let missing = || Error::NotFound(format!("statement {id}"));
    let (code, label) = queries::statement_home(&state.db, id)
        .await?
        .ok_or_else(missing)?;
    let label = parse_label(&label)?;
    let v = store::load_version(&state.db, &code, Some(&label))
        .await?
        .ok_or_else(missing)?;
    let s = v
        .statements
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(missing)?;
    Ok(ApiJson(StatementDetail {
        version: (&v.version).into(),
        statement: s.into(),
    }))
}
