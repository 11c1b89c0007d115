//! What administrators watch: the audit log (filter, page, export as CSV) and the
//! background jobs (queued, running, failed with their errors; retry a failed one), as
//! pages and as JSON.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nsx_core::policy::{Action, Resource};
use serde::Deserialize;
use uuid::Uuid;

use crate::audit::{self, AuditEntry, AuditFilter};
use crate::error::Error;
use crate::jobs::{self, Job, JobFilter, JobStatus};
use crate::paging::{PageQuery as Paging, PageRequest, Paginated};
use crate::service::{ApiCaller, PageCaller};
use crate::state::AppState;
use crate::web::cache_policy::CachePolicy;
use crate::web::error::{
    ApiJson, ApiPath, ApiQuery, ApiResult, PageError, PagePath, PageQuery, PageResult, Problem,
};
use crate::web::layout::Chrome;

const PAGE_SIZE: i64 = 50;

fn render<T: Template>(t: &T) -> PageResult<String> {
    t.render()
        .map_err(|e| PageError(Error::Internal(format!("template: {e}"))))
}

fn private_html(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        CachePolicy::private_no_store(),
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------
// Audit log

/// The audit page's query: the filter and a page number.
#[derive(Debug, Default, Deserialize)]
pub struct AuditPageQuery {
    #[serde(flatten)]
    filter: AuditFilter,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    filter: AuditFilter,
    entries: Paginated<AuditEntry>,
    query: String,
    error: Option<String>,
}

fn filter_query(f: &AuditFilter) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("actor", &f.actor),
        ("object_type", &f.object_type),
        ("object_id", &f.object_id),
        ("action", &f.action),
        ("from", &f.from),
        ("to", &f.to),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// `GET /admin/audit`.
pub(crate) async fn audit_page(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PageQuery(q): PageQuery<AuditPageQuery>,
) -> PageResult<Response> {
    caller.require(Action::ReadAudit, &Resource::Site)?;
    let page = PageRequest::page(q.page.unwrap_or(1), PAGE_SIZE)?;
    let (entries, error) = match audit::list(&state.db, &q.filter, page).await {
        Ok(e) => (e, None),
        Err(Error::Invalid(errs)) => (
            Paginated::new(Vec::new(), 0, page),
            Some(
                errs.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ),
        Err(e) => return Err(e.into()),
    };
    let t = AuditPage {
        chrome: Chrome::new(&viewer),
        query: filter_query(&q.filter),
        filter: q.filter,
        entries,
        error,
    };
    let status = if t.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut r = private_html(render(&t)?);
    *r.status_mut() = status;
    Ok(r)
}

/// `GET /admin/audit.csv`: every entry matching the filter.
pub(crate) async fn audit_csv(
    State(state): State<AppState>,
    PageCaller(caller, _): PageCaller,
    PageQuery(f): PageQuery<AuditFilter>,
) -> PageResult<Response> {
    caller.require(Action::ReadAudit, &Resource::Site)?;
    let csv = audit::export_csv(&state.db, &f).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"nsx-audit.csv\"",
            ),
        ],
        CachePolicy::private_no_store(),
        csv,
    )
        .into_response())
}

/// The audit log, newest first (administrators).
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "operations",
    params(AuditFilter, Paging),
    responses(
        (status = 200, description = "One page of entries", body = Paginated<AuditEntry>,
            headers(("X-Total-Count" = i64, description = "Entries matching the filter"))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter or the paging is wrong", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn audit_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(filter): ApiQuery<AuditFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Response> {
    caller.require(Action::ReadAudit, &Resource::Site)?;
    let page = paging.checked()?;
    let list = audit::list(&state.db, &filter, page).await?;
    let total = list.total;
    Ok(crate::paging::json_with_total(total, list))
}

// ---------------------------------------------------------------------------------------
// Jobs

/// The jobs page's query.
#[derive(Debug, Default, Deserialize)]
pub struct JobsPageQuery {
    #[serde(flatten)]
    filter: JobFilter,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
struct JobsPage {
    chrome: Chrome,
    counts: Vec<(JobStatus, i64)>,
    status: String,
    kind: String,
    jobs: Paginated<Job>,
    notice: Option<String>,
}

/// `GET /admin/jobs`.
pub(crate) async fn jobs_page(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PageQuery(q): PageQuery<JobsPageQuery>,
) -> PageResult<Response> {
    caller.require(Action::ManageJobs, &Resource::Site)?;
    let page = PageRequest::page(q.page.unwrap_or(1), PAGE_SIZE)?;
    let list = jobs::list(&state.db, &q.filter, page).await?;
    let t = JobsPage {
        chrome: Chrome::new(&viewer),
        counts: jobs::counts(&state.db).await?,
        status: q.filter.status.clone().unwrap_or_default(),
        kind: q.filter.kind.clone().unwrap_or_default(),
        jobs: list,
        notice: q
            .done
            .filter(|d| d == "retried")
            .map(|_| "The job was queued again.".to_string()),
    };
    Ok(private_html(render(&t)?))
}

/// `POST /admin/jobs/{id}/retry`.
pub(crate) async fn retry_page(
    State(state): State<AppState>,
    PageCaller(caller, _): PageCaller,
    PagePath(id): PagePath<Uuid>,
) -> PageResult<Response> {
    caller.require(Action::ManageJobs, &Resource::Site)?;
    jobs::retry(&state.db, id).await?;
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_static("/admin/jobs?done=retried"),
    );
    Ok(r)
}

/// Background jobs, newest first (administrators).
#[utoipa::path(
    get,
    path = "/api/v1/jobs",
    tag = "operations",
    params(JobFilter, Paging),
    responses(
        (status = 200, description = "One page of jobs", body = Paginated<Job>,
            headers(("X-Total-Count" = i64, description = "Jobs matching the filter"))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter or the paging is wrong", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn jobs_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(filter): ApiQuery<JobFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Response> {
    caller.require(Action::ManageJobs, &Resource::Site)?;
    let page = paging.checked()?;
    let list = jobs::list(&state.db, &filter, page).await?;
    let total = list.total;
    Ok(crate::paging::json_with_total(total, list))
}

/// Queues a failed job again (administrators).
#[utoipa::path(
    post,
    path = "/api/v1/jobs/{id}/retry",
    tag = "operations",
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "Queued again", body = Job),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job has not failed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn retry_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<ApiJson<Job>> {
    caller.require(Action::ManageJobs, &Resource::Site)?;
    Ok(ApiJson(jobs::retry(&state.db, id).await?))
}
