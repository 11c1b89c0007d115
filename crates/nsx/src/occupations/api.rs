//! The occupations JSON API: `/api/v1/occupations`, `/api/v1/occupations/{code}` and
//! `/api/v1/sources`.

use axum::extract::State;
use axum::response::{Json, Response};
use nsx_core::codes::OnetSocCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{OccupationDetail, OccupationList, SourceRelease};
use super::store::{self, ListFilter, MAX_LIMIT, parse_job_zone, parse_major_group};
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::{ApiPath, ApiQuery, ApiResult, Problem};
use crate::web::layout::ONET_ATTRIBUTION;

/// Filters and paging for the occupation list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// SOC 2018 major group, two digits (e.g. `17`).
    pub major_group: Option<String>,
    /// Job Zone, 1–5.
    #[param(minimum = 1, maximum = 5)]
    pub job_zone: Option<i64>,
    /// Only occupations with (`true`) or without (`false`) enough source data for a framework.
    pub framework_ready: Option<bool>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Matches to skip (default 0).
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<i64>,
}

/// Lists occupations, ordered by code.
#[utoipa::path(
    get,
    path = "/api/v1/occupations",
    tag = "occupations",
    params(ListParams),
    responses(
        (status = 200, description = "A page of occupations", body = OccupationList,
            headers(("X-Total-Count" = i64, description = "Occupations matching the filters"))),
        (status = 422, description = "A filter is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn list_occupations(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let major_group = q
        .major_group
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_major_group)
        .transpose()?;
    let job_zone = q.job_zone.map(parse_job_zone).transpose()?;
    let page = crate::paging::PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .checked_within(50, MAX_LIMIT)?;
    let (limit, offset) = (page.limit, page.offset);
    let filter = ListFilter {
        major_group,
        job_zone,
        framework_ready: q.framework_ready,
    };
    let list = store::list(&state.db, &filter, limit, offset).await?;
    Ok(crate::paging::json_with_total(list.total, &list))
}

/// Reads an O*NET-SOC code from the API path.
fn api_code(raw: &str) -> Result<OnetSocCode, Error> {
    raw.parse::<OnetSocCode>()
        .map_err(|e| Error::invalid("code", e.to_string()))
}

/// Everything held about one occupation, each item with its citation.
#[utoipa::path(
    get,
    path = "/api/v1/occupations/{code}",
    tag = "occupations",
    params(("code" = String, Path, description = "O*NET-SOC code, e.g. 17-3024.00")),
    responses(
        (status = 200, description = "The occupation", body = OccupationDetail),
        (status = 404, description = "No occupation has this code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The code is malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn get_occupation(
    State(state): State<AppState>,
    ApiPath(raw): ApiPath<String>,
) -> ApiResult<Json<OccupationDetail>> {
    let code = api_code(&raw)?;
    let d = store::detail(&state.db, &code)
        .await?
        .ok_or_else(|| Error::NotFound(format!("the occupation {code}")))?;
    Ok(Json(d))
}

/// The imported source releases.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceList {
    /// Every imported release, O*NET first, newest first within a source.
    pub sources: Vec<SourceRelease>,
    /// The attribution O*NET's licence requires wherever its data is shown.
    pub onet_attribution: String,
}

/// Lists the imported source releases with their licences and required attribution.
#[utoipa::path(
    get,
    path = "/api/v1/sources",
    tag = "occupations",
    responses((status = 200, description = "Imported source releases", body = SourceList))
)]
pub(crate) async fn list_sources(State(state): State<AppState>) -> ApiResult<Json<SourceList>> {
    Ok(Json(SourceList {
        sources: store::sources(&state.db).await?,
        onet_attribution: ONET_ATTRIBUTION.to_string(),
    }))
}
