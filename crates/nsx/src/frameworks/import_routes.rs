//! Importing frameworks over HTTP: the editors' page (`/frameworks/import`: upload a CASE
//! package or a framework CSV, or paste one; works without JavaScript; errors shown on the
//! page) and `POST /api/v1/frameworks/import`. Both call the import service.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use nsx_core::accounts::FieldError;
use nsx_core::policy::{Action, Resource};
use uuid::Uuid;

use super::import_service::{self, Format, ImportOptions, ImportReport, Outcome};
use crate::error::Error;
use crate::service::{ApiCaller, Caller, PageCaller};
use crate::state::AppState;
use crate::web::cache_policy::CachePolicy;
use crate::web::error::{ApiError, ApiQuery, ApiResult, PageError, PageResult};
use crate::web::layout::Chrome;
use crate::web::multipart;

/// What the import form holds (kept when the import fails, the file aside).
#[derive(Debug, Clone, Default)]
pub struct ImportForm {
    /// `auto`, `case` or `csv`.
    pub format: String,
    /// Framework to draft into.
    pub into: String,
    /// Code of a new framework.
    pub code: String,
    /// Title of a new framework.
    pub title: String,
    /// Pasted file content.
    pub text: String,
    /// Owner chosen by an administrator.
    pub organization_id: String,
}

#[derive(Template)]
#[template(path = "frameworks/import.html")]
struct ImportPage {
    chrome: Chrome,
    form: ImportForm,
    frameworks: Vec<(String, String)>,
    organizations: Vec<(String, String)>,
    errors: Vec<FieldError>,
    report: Option<ImportReport>,
    diff: Option<String>,
}

fn render(status: StatusCode, page: &ImportPage) -> PageResult<Response> {
    let html = page
        .render()
        .map_err(|e| PageError(Error::Internal(format!("template: {e}"))))?;
    Ok((status, CachePolicy::no_store(), Html(html)).into_response())
}

async fn choices(
    st: &AppState,
    caller: &Caller,
) -> PageResult<(Vec<(String, String)>, Vec<(String, String)>)> {
    let org = caller
        .principal
        .as_ref()
        .and_then(|p| p.organization_id.map(|o| o.0));
    let frameworks = match org {
        Some(o) => super::editing::frameworks_of_organization(&st.db, o)
            .await?
            .into_iter()
            .map(|f| (f.code, f.title))
            .collect(),
        None => Vec::new(),
    };
    // An administrator outside every organization names the owner.
    let organizations = if org.is_none() {
        crate::accounts::store::list_orgs(&st.db)
            .await?
            .into_iter()
            .map(|o| (o.id.to_string(), o.name))
            .collect()
    } else {
        Vec::new()
    };
    Ok((frameworks, organizations))
}

/// `GET /frameworks/import`: the form.
pub(crate) async fn import_page(
    State(st): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
) -> PageResult<Response> {
    // The route gate has sent anonymous visitors to sign in; editors only from here.
    caller.require(Action::CreateFramework, &Resource::Site)?;
    let (frameworks, organizations) = choices(&st, &caller).await?;
    render(
        StatusCode::OK,
        &ImportPage {
            chrome: Chrome::new(&viewer),
            form: ImportForm {
                format: "auto".into(),
                ..ImportForm::default()
            },
            frameworks,
            organizations,
            errors: Vec::new(),
            report: None,
            diff: None,
        },
    )
}

/// Where a failed import's message goes on the page: input errors as they are, refusals
/// as one message; anything else is the server's fault.
fn page_errors(e: Error) -> Result<(StatusCode, Vec<FieldError>), Error> {
    match e {
        Error::Invalid(v) => Ok((StatusCode::UNPROCESSABLE_ENTITY, v)),
        Error::Forbidden(m) => Ok((StatusCode::FORBIDDEN, vec![FieldError::new("file", m)])),
        Error::Conflict(m) => Ok((StatusCode::CONFLICT, vec![FieldError::new("file", m)])),
        Error::NotFound(m) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![FieldError::new("into", format!("{m} was not found"))],
        )),
        other => Err(other),
    }
}

/// `POST /frameworks/import`: a multipart upload or a pasted file.
pub(crate) async fn import_submit(
    State(st): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult<Response> {
    // The route gate has sent anonymous visitors to sign in; editors only from here.
    caller.require(Action::CreateFramework, &Resource::Site)?;
    let (frameworks, organizations) = choices(&st, &caller).await?;
    let mut page = ImportPage {
        chrome: Chrome::new(&viewer),
        form: ImportForm::default(),
        frameworks,
        organizations,
        errors: Vec::new(),
        report: None,
        diff: None,
    };
    let posted = match multipart::read(&headers, &body) {
        Ok(p) => p,
        Err(m) => {
            page.errors.push(FieldError::new("file", m));
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    page.form = ImportForm {
        format: posted.text("format"),
        into: posted.text("into"),
        code: posted.text("code"),
        title: posted.text("title"),
        text: posted
            .0
            .get("text")
            .map(|f| String::from_utf8_lossy(&f.data).into_owned())
            .unwrap_or_default(),
        organization_id: posted.text("organization_id"),
    };
    let bytes: Vec<u8> = match posted.file("file") {
        Some(f) => f.data.clone(),
        None => page.form.text.trim().as_bytes().to_vec(),
    };
    if bytes.is_empty() {
        page.errors.push(FieldError::new(
            "file",
            "choose a file to upload, or paste a CASE package or a framework CSV",
        ));
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let format = match page.form.format.as_str() {
        "case" => Format::Case,
        "csv" => Format::Csv,
        _ => Format::sniff(&bytes),
    };
    let organization_id = match page.form.organization_id.as_str() {
        "" => None,
        s => match s.parse::<Uuid>() {
            Ok(u) => Some(u),
            Err(_) => {
                page.errors
                    .push(FieldError::new("organization_id", "choose an organization"));
                return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
            }
        },
    };
    let options = ImportOptions {
        into: Some(page.form.into.clone()),
        code: Some(page.form.code.clone()),
        title: Some(page.form.title.clone()),
        organization_id,
    };
    match import_service::import(&st.db, &caller, format, &bytes, options).await {
        Ok(r) => {
            page.diff = match (r.outcome, r.previous) {
                (Outcome::Drafted, Some(p)) => Some(format!(
                    "/frameworks/{}/diff?from={p}&to={}",
                    r.code, r.label
                )),
                _ => None,
            };
            // The form starts afresh after a successful import.
            page.form = ImportForm {
                format: "auto".into(),
                ..ImportForm::default()
            };
            let status = match r.outcome {
                Outcome::Unchanged => StatusCode::OK,
                _ => StatusCode::CREATED,
            };
            page.report = Some(r);
            render(status, &page)
        }
        Err(e) => {
            let (status, errors) = page_errors(e)?;
            page.errors = errors;
            render(status, &page)
        }
    }
}

/// Imports a framework: a CASE 1.0/1.1 `CFPackage` (`application/json`) or the framework
/// CSV NSX exports (`text/csv`). A file whose framework is already here becomes a new draft
/// version of it (nothing is written when it equals a version the framework has); any other
/// becomes a new framework of the caller's organization.
#[utoipa::path(
    post,
    path = "/api/v1/frameworks/import",
    tag = "frameworks",
    params(ImportOptions),
    request_body(
        description = "The file: a CASE CFPackage as JSON, or the framework CSV",
        content(
            (Object = "application/json"),
            (String = "text/csv"),
        )
    ),
    responses(
        (status = 201, description = "A new framework, or a new draft version of one", body = ImportReport,
            headers(("Location" = String, description = "The version in the API"))),
        (status = 200, description = "The file equals a version the framework has; nothing was written", body = ImportReport),
        (status = 401, description = "Not signed in", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an editor of the owning organization", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Imported at the same moment by another request", body = crate::web::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file is not a usable package or CSV; each error names the field and item, or the line and column", body = crate::web::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn import_api(
    State(st): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(options): ApiQuery<ImportOptions>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    caller.require(Action::CreateFramework, &Resource::Site)?;
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let format = match ctype.as_str() {
        "application/json" => Format::Case,
        c if c.ends_with("+json") => Format::Case,
        "text/csv" => Format::Csv,
        _ => {
            return Err(ApiError(Error::invalid(
                "content-type",
                "send a CASE package as application/json or a framework CSV as text/csv",
            )));
        }
    };
    let r = import_service::import(&st.db, &caller, format, &body, options).await?;
    let status = match r.outcome {
        Outcome::Unchanged => StatusCode::OK,
        _ => StatusCode::CREATED,
    };
    let location = format!("/api/v1/frameworks/{}/versions/{}", r.code, r.label);
    let mut resp = (status, axum::Json(r)).into_response();
    if status == StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&location)
    {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}
