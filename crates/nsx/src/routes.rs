//! The route table: every page and API route the exchange answers, with the access each
//! needs. A reader finds any URL here; `router` builds the application from it; a test
//! walks it to check every route against the authorization policy.
//!
//! Pages are registered with [`RouteTable::page`], API routes (which also land in the
//! OpenAPI document) with [`RouteTable::api`]. Handlers live in their domain modules.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};
use nsx_core::policy::{self, Access, Action, Decision};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use crate::accounts::Viewer;
use crate::error::Error;
use crate::state::AppState;
use crate::web::error::{ApiError, PageError};
use crate::{
    accounts, corrections, following, frameworks, occupations, operations, review, search, web,
};

/// One route: its method, its path pattern (axum syntax, `{param}`), and what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: Method,
    /// Path pattern, e.g. `/frameworks/{code}`.
    pub path: String,
    /// Who may call it.
    pub access: Access,
    /// Whether it is part of the JSON API (and the OpenAPI document).
    pub api: bool,
}

/// The routes being collected: the page router, the API router and the specs of both.
pub struct RouteTable {
    pages: Router<AppState>,
    api: OpenApiRouter<AppState>,
    specs: Vec<RouteSpec>,
}

impl RouteTable {
    fn new() -> Self {
        RouteTable {
            pages: Router::new(),
            api: crate::web::openapi::base_router(),
            specs: Vec::new(),
        }
    }

    /// A page (or other non-API) route.
    fn page<H, T>(mut self, method: Method, path: &str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = match MethodFilter::try_from(method.clone()) {
            Ok(f) => f,
            Err(_) => panic!("route table: unsupported method {method} for {path}"),
        };
        self.pages = self.pages.route(path, on(filter, handler));
        self.specs.push(RouteSpec {
            method,
            path: path.to_string(),
            access,
            api: false,
        });
        self
    }

    fn get<H, T>(self, path: &str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.page(Method::GET, path, access, handler)
    }

    fn post<H, T>(self, path: &str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.page(Method::POST, path, access, handler)
    }

    /// API routes described by `#[utoipa::path]` (one path, one or more methods), all
    /// needing `access`.
    fn api(mut self, access: Access, r: UtoipaMethodRouter<AppState>) -> Self {
        for (path, item) in &r.1.paths {
            for method in methods_of(item) {
                self.specs.push(RouteSpec {
                    method,
                    path: path.clone(),
                    access,
                    api: true,
                });
            }
        }
        self.api = self.api.routes(r);
        self
    }
}

fn methods_of(item: &utoipa::openapi::PathItem) -> Vec<Method> {
    let mut v = Vec::new();
    let pairs = [
        (&item.get, Method::GET),
        (&item.post, Method::POST),
        (&item.put, Method::PUT),
        (&item.patch, Method::PATCH),
        (&item.delete, Method::DELETE),
    ];
    for (op, m) in pairs {
        if op.is_some() {
            v.push(m);
        }
    }
    v
}

const ANYONE: Access = Access::Anyone;
const SIGNED_IN: Access = Access::SignedIn;
const ADMIN_ACCOUNTS: Access = Access::Action(Action::AdministerAccounts);
const READ_AUDIT: Access = Access::Action(Action::ReadAudit);
const MANAGE_JOBS: Access = Access::Action(Action::ManageJobs);
const CREATE_FRAMEWORK: Access = Access::Action(Action::CreateFramework);
const EDIT_FRAMEWORK: Access = Access::Action(Action::EditFramework);
const PUBLISH_FRAMEWORK: Access = Access::Action(Action::PublishFramework);
const SUGGEST: Access = Access::Action(Action::SuggestCorrection);
const READ_CORRECTION: Access = Access::Action(Action::ReadCorrection);
const TRIAGE: Access = Access::Action(Action::TriageCorrections);
const MANAGE_REVIEW: Access = Access::Action(Action::ManageReview);

/// Every route the exchange answers.
pub fn table() -> RouteTable {
    use accounts::{account, admin as acc_admin, sign_in};
    use corrections::routes as corr;
    use frameworks::subscription_routes as subs;
    use frameworks::{
        api as fw_api, authoring, authoring_api, case, diff_api, diff_routes, exports, routes as fw,
    };
    use occupations::{api as occ_api, routes as occ};
    let case_path = |rest: &str| format!("{}{rest}", nsx_core::frameworks::case::CASE_PREFIX);
    RouteTable::new()
        // The catalog.
        .get("/", ANYONE, occ::home)
        .get("/occupations", ANYONE, occ::browse)
        .get("/occupations/{code}", ANYONE, occ::occupation)
        .get("/sources", ANYONE, occ::sources)
        .get(occ::DURABLE_MAPPING_PATH, ANYONE, occ::durable_mapping)
        .get("/api", ANYONE, occ::api_overview)
        .api(ANYONE, routes!(occ_api::list_occupations))
        .api(ANYONE, routes!(occ_api::get_occupation))
        .api(ANYONE, routes!(occ_api::list_sources))
        // Search.
        .get("/search", ANYONE, search::routes::page)
        .get(
            "/api/v1/search/suggest",
            ANYONE,
            search::api::suggest_opensearch,
        )
        .api(ANYONE, routes!(search::api::search))
        .api(ANYONE, routes!(search::api::suggest))
        // Frameworks: pages, API, CASE and exports.
        .get("/frameworks", ANYONE, fw::index)
        .get("/frameworks/{code}", ANYONE, fw::latest)
        .get("/frameworks/{code}/{version}", ANYONE, fw::version)
        .get("/frameworks/{code}/diff", ANYONE, diff_routes::diff_page)
        .get(
            "/frameworks/{code}/changes",
            ANYONE,
            diff_routes::changes_page,
        )
        .api(ANYONE, routes!(fw_api::list_frameworks))
        .api(ANYONE, routes!(fw_api::get_framework))
        .api(ANYONE, routes!(fw_api::list_versions))
        .api(ANYONE, routes!(fw_api::get_version))
        .api(ANYONE, routes!(fw_api::get_statement))
        .api(ANYONE, routes!(diff_api::get_diff))
        .api(ANYONE, routes!(diff_api::get_changes))
        // Frameworks: the editorial workflow.
        .get("/workspace", SIGNED_IN, authoring::workspace)
        .get("/frameworks/new", CREATE_FRAMEWORK, authoring::new_page)
        .post("/frameworks", CREATE_FRAMEWORK, authoring::create)
        .get(
            "/frameworks/{code}/manage",
            EDIT_FRAMEWORK,
            authoring::manage,
        )
        .post(
            "/frameworks/{code}/details",
            EDIT_FRAMEWORK,
            authoring::update_details,
        )
        .post(
            "/frameworks/{code}/drafts",
            EDIT_FRAMEWORK,
            authoring::start_draft,
        )
        .get(
            "/frameworks/{code}/{version}/edit",
            EDIT_FRAMEWORK,
            authoring::edit_page,
        )
        .post(
            "/frameworks/{code}/{version}/edit",
            EDIT_FRAMEWORK,
            authoring::edit_submit,
        )
        .post(
            "/frameworks/{code}/{version}/status",
            PUBLISH_FRAMEWORK,
            authoring::change_status,
        )
        .api(CREATE_FRAMEWORK, routes!(authoring_api::create_framework))
        .api(EDIT_FRAMEWORK, routes!(authoring_api::update_details))
        .api(EDIT_FRAMEWORK, routes!(authoring_api::start_draft))
        .api(EDIT_FRAMEWORK, routes!(authoring_api::apply_edits))
        .api(PUBLISH_FRAMEWORK, routes!(authoring_api::change_status))
        .get(&case_path("/CFDocuments"), ANYONE, case::documents)
        .get(&case_path("/CFDocuments/{id}"), ANYONE, case::document)
        .get(&case_path("/CFPackages/{id}"), ANYONE, case::package)
        .get(&case_path("/CFItems/{id}"), ANYONE, case::item)
        .get(
            &case_path("/CFItemAssociations/{id}"),
            ANYONE,
            case::item_associations,
        )
        .get(
            &case_path("/CFAssociations/{id}"),
            ANYONE,
            case::association,
        )
        .get(&case_path("/CFItemTypes/{id}"), ANYONE, case::item_type)
        .get(&case_path("/CFLicenses/{id}"), ANYONE, case::license)
        .get(&case_path("/CFSubjects/{id}"), ANYONE, case::subject)
        .get(&case_path("/CFConcepts/{id}"), ANYONE, case::concept)
        .get(&case_path("/CFRubrics/{id}"), ANYONE, case::rubric)
        .get(
            &case_path("/CFAssociationGroupings/{id}"),
            ANYONE,
            case::association_grouping,
        )
        // Exchange: the identifiers of the CTDL-ASN and RSD exports.
        .get("/ctdl/{id}", ANYONE, frameworks::resolve::ctdl)
        .get(
            "/rsd/collections/{id}",
            ANYONE,
            frameworks::resolve::rsd_collection,
        )
        .get("/rsd/skills/{id}", ANYONE, frameworks::resolve::rsd_skill)
        // Exchange: importing frameworks.
        .get(
            "/frameworks/import",
            CREATE_FRAMEWORK,
            frameworks::import_routes::import_page,
        )
        .post(
            "/frameworks/import",
            CREATE_FRAMEWORK,
            frameworks::import_routes::import_submit,
        )
        .api(
            CREATE_FRAMEWORK,
            routes!(frameworks::import_routes::import_api),
        )
        // Exchange: following frameworks on other CASE servers.
        .get("/frameworks/subscriptions", CREATE_FRAMEWORK, subs::list)
        .post("/frameworks/subscriptions", CREATE_FRAMEWORK, subs::add)
        .get(
            "/frameworks/subscriptions/{id}",
            CREATE_FRAMEWORK,
            subs::show,
        )
        .post(
            "/frameworks/subscriptions/{id}/check",
            CREATE_FRAMEWORK,
            subs::check_now,
        )
        .post(
            "/frameworks/subscriptions/{id}/delete",
            CREATE_FRAMEWORK,
            subs::remove,
        )
        .api(CREATE_FRAMEWORK, routes!(subs::list_api, subs::add_api))
        .api(CREATE_FRAMEWORK, routes!(subs::get_api, subs::delete_api))
        .api(CREATE_FRAMEWORK, routes!(subs::check_api))
        .get(
            "/exports/frameworks/{code}/{format}",
            ANYONE,
            exports::latest,
        )
        .get(
            "/exports/frameworks/{code}/{version}/{format}",
            ANYONE,
            exports::versioned,
        )
        // Correction suggestions: the form behind every "suggest a correction" link, the
        // triage queue of the framework owner's editors, and one's own suggestions.
        .get(
            "/frameworks/{code}/{version}/corrections/new",
            ANYONE,
            corr::new_form,
        )
        .post(
            "/frameworks/{code}/{version}/corrections/new",
            SUGGEST,
            corr::submit,
        )
        .get("/corrections/submitted", ANYONE, corr::submitted)
        .get("/corrections", TRIAGE, corr::queue)
        .get("/corrections/export.csv", TRIAGE, corr::export)
        .get("/corrections/{id}", READ_CORRECTION, corr::show)
        .post("/corrections/{id}/triage", TRIAGE, corr::triage)
        .get("/account/corrections", SIGNED_IN, corr::mine)
        .api(SUGGEST, routes!(corrections::api::create_correction))
        .api(TRIAGE, routes!(corrections::api::list_corrections))
        .api(READ_CORRECTION, routes!(corrections::api::get_correction))
        .api(TRIAGE, routes!(corrections::api::triage_correction))
        .api(SIGNED_IN, routes!(corrections::api::my_corrections))
        // Calls for input: the public list and each call, opening a call on a draft,
        // reviewers joining and responding section by section, results for the owner.
        .get("/calls", ANYONE, review::routes::list)
        .get("/calls/{id}", ANYONE, review::routes::show)
        .post("/calls/{id}/join", SIGNED_IN, review::routes::join)
        .post(
            "/calls/{id}/verify-email",
            SIGNED_IN,
            review::routes::verify_email,
        )
        .get(
            "/calls/{id}/respond",
            SIGNED_IN,
            review::routes::respond_form,
        )
        .post(
            "/calls/{id}/respond",
            SIGNED_IN,
            review::routes::respond_submit,
        )
        .post("/calls/{id}/leave", SIGNED_IN, review::routes::leave)
        .get(
            "/calls/{id}/results",
            MANAGE_REVIEW,
            review::routes::results,
        )
        .get(
            "/calls/{id}/results.csv",
            MANAGE_REVIEW,
            review::routes::results_csv,
        )
        .get(
            "/frameworks/{code}/{version}/call",
            MANAGE_REVIEW,
            review::routes::new_form,
        )
        .post(
            "/frameworks/{code}/{version}/call",
            MANAGE_REVIEW,
            review::routes::open,
        )
        .get(
            "/verify-email/{token}",
            ANYONE,
            review::routes::confirm_email,
        )
        .api(ANYONE, routes!(review::api::list_calls))
        .api(MANAGE_REVIEW, routes!(review::api::open_call))
        .api(ANYONE, routes!(review::api::get_call))
        .api(SIGNED_IN, routes!(review::api::join, review::api::leave))
        .api(
            SIGNED_IN,
            routes!(review::api::my_responses, review::api::upsert_responses),
        )
        .api(MANAGE_REVIEW, routes!(review::api::results))
        // Dispositions of a closed call's comments, concluding it, the revision, each
        // reviewer's own comments and the public disposition report.
        .get(
            "/calls/{id}/dispositions",
            MANAGE_REVIEW,
            review::disposition_routes::board,
        )
        .post(
            "/calls/{id}/dispositions",
            MANAGE_REVIEW,
            review::disposition_routes::set,
        )
        .post(
            "/calls/{id}/conclude",
            MANAGE_REVIEW,
            review::disposition_routes::conclude,
        )
        .post(
            "/calls/{id}/revise",
            MANAGE_REVIEW,
            review::disposition_routes::revise,
        )
        .post(
            "/calls/{id}/publish",
            MANAGE_REVIEW,
            review::disposition_routes::publish,
        )
        .get(
            "/calls/{id}/my-comments",
            SIGNED_IN,
            review::disposition_routes::mine,
        )
        .post(
            "/calls/{id}/my-comments",
            SIGNED_IN,
            review::disposition_routes::answer,
        )
        .get(
            "/calls/{id}/report",
            ANYONE,
            review::disposition_routes::report,
        )
        .get(
            "/calls/{id}/report.csv",
            ANYONE,
            review::disposition_routes::report_csv,
        )
        .api(
            MANAGE_REVIEW,
            routes!(
                review::disposition_api::list_dispositions,
                review::disposition_api::set_dispositions
            ),
        )
        .api(
            MANAGE_REVIEW,
            routes!(review::disposition_api::mark_duplicates),
        )
        .api(MANAGE_REVIEW, routes!(review::disposition_api::conclude))
        .api(
            MANAGE_REVIEW,
            routes!(review::disposition_api::start_revision),
        )
        .api(
            MANAGE_REVIEW,
            routes!(review::disposition_api::publish_revision),
        )
        .api(
            SIGNED_IN,
            routes!(
                review::disposition_api::my_dispositions,
                review::disposition_api::give_verdict
            ),
        )
        .api(ANYONE, routes!(review::disposition_api::report))
        // Following frameworks and occupations, invitations to calls, unsubscribing from
        // the notification e-mails (no sign-in: the link is signed).
        .post("/follow", ANYONE, following::routes::follow)
        .post("/unfollow", SIGNED_IN, following::routes::unfollow)
        .get(
            "/follow/confirm/{token}",
            ANYONE,
            following::routes::confirm_page,
        )
        .post(
            "/follow/confirm/{token}",
            ANYONE,
            following::routes::confirm,
        )
        .get(
            "/unsubscribe/{token}",
            ANYONE,
            following::routes::unsubscribe_page,
        )
        .post(
            "/unsubscribe/{token}",
            ANYONE,
            following::routes::unsubscribe,
        )
        .get("/account/follows", SIGNED_IN, following::routes::mine)
        .get(
            "/calls/{id}/invitations",
            MANAGE_REVIEW,
            following::routes::invitations,
        )
        .post(
            "/calls/{id}/invitations",
            MANAGE_REVIEW,
            following::routes::invite,
        )
        .api(
            SIGNED_IN,
            routes!(following::api::my_follows, following::api::follow),
        )
        .api(SIGNED_IN, routes!(following::api::unfollow))
        .api(
            MANAGE_REVIEW,
            routes!(
                following::api::list_invitations,
                following::api::add_invitations
            ),
        )
        // Accounts: signing up and in, one's own account.
        .get("/sign-up", ANYONE, sign_in::sign_up_page)
        .post("/sign-up", ANYONE, sign_in::sign_up)
        .get("/sign-in", ANYONE, sign_in::sign_in_page)
        .post("/sign-in", ANYONE, sign_in::sign_in)
        .post("/sign-out", ANYONE, sign_in::sign_out)
        .get("/password-reset", ANYONE, sign_in::reset_request_page)
        .post("/password-reset", ANYONE, sign_in::reset_request)
        .get("/password-reset/{token}", ANYONE, sign_in::reset_page)
        .post("/password-reset/{token}", ANYONE, sign_in::reset_submit)
        .get("/account", SIGNED_IN, account::account_page)
        .post("/account/profile", SIGNED_IN, account::account_profile)
        .post("/account/password", SIGNED_IN, account::account_password)
        .post("/account/tokens", SIGNED_IN, account::account_token_create)
        .post(
            "/account/tokens/{id}/revoke",
            SIGNED_IN,
            account::account_token_revoke,
        )
        .api(SIGNED_IN, routes!(accounts::api::me))
        .api(
            SIGNED_IN,
            routes!(accounts::api::list_tokens, accounts::api::create_token),
        )
        .api(SIGNED_IN, routes!(accounts::api::revoke_token))
        // Administration.
        .get("/admin", ADMIN_ACCOUNTS, acc_admin::admin_home)
        .get("/admin/users", ADMIN_ACCOUNTS, acc_admin::admin_users)
        .get("/admin/users/{id}", ADMIN_ACCOUNTS, acc_admin::admin_user)
        .post(
            "/admin/users/{id}/roles",
            ADMIN_ACCOUNTS,
            acc_admin::admin_user_roles,
        )
        .post(
            "/admin/users/{id}/status",
            ADMIN_ACCOUNTS,
            acc_admin::admin_user_status,
        )
        .post(
            "/admin/users/{id}/organization",
            ADMIN_ACCOUNTS,
            acc_admin::admin_user_org,
        )
        .get(
            "/admin/organizations",
            ADMIN_ACCOUNTS,
            acc_admin::admin_orgs,
        )
        .post(
            "/admin/organizations",
            ADMIN_ACCOUNTS,
            acc_admin::admin_org_create,
        )
        .get(
            "/admin/organizations/{id}",
            ADMIN_ACCOUNTS,
            acc_admin::admin_org,
        )
        .post(
            "/admin/organizations/{id}",
            ADMIN_ACCOUNTS,
            acc_admin::admin_org_update,
        )
        .api(ADMIN_ACCOUNTS, routes!(accounts::api::list_users))
        .api(ADMIN_ACCOUNTS, routes!(accounts::api::grant_role))
        .api(ADMIN_ACCOUNTS, routes!(accounts::api::revoke_role))
        .api(
            ADMIN_ACCOUNTS,
            routes!(
                accounts::api::list_organizations,
                accounts::api::create_organization
            ),
        )
        .get("/admin/audit", READ_AUDIT, operations::audit_page)
        .get("/admin/audit.csv", READ_AUDIT, operations::audit_csv)
        .api(READ_AUDIT, routes!(operations::audit_api))
        .get("/admin/jobs", MANAGE_JOBS, operations::jobs_page)
        .post(
            "/admin/jobs/{id}/retry",
            MANAGE_JOBS,
            operations::retry_page,
        )
        .api(MANAGE_JOBS, routes!(operations::jobs_api))
        .api(MANAGE_JOBS, routes!(operations::retry_api))
        // Operations.
        .get("/healthz", ANYONE, web::health::healthz)
        .get("/readyz", ANYONE, web::health::readyz)
        .get("/assets/{file}", ANYONE, web::assets::asset)
        .get("/api/openapi.json", ANYONE, web::openapi::openapi_json)
        .get("/api/docs", ANYONE, web::openapi::docs_page)
}

/// The specs of every route, in table order (for tests and `nsx routes`).
pub fn specs() -> Vec<RouteSpec> {
    table().specs
}

/// The OpenAPI document of every API route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    web::openapi::complete(table().api.into_openapi())
}

/// Builds the complete application: every route and every layer.
pub fn router(state: AppState) -> Router {
    let t = table();
    let access: HashMap<(Method, String), Access> = t
        .specs
        .iter()
        .map(|s| ((s.method.clone(), s.path.clone()), s.access))
        .collect();
    let gate_state = GateState {
        state: state.clone(),
        access: Arc::new(access),
    };
    let (api, doc) = t.api.split_for_parts();
    let docs = web::openapi::Docs::new(Arc::new(web::openapi::complete(doc)));
    let app = t
        .pages
        .merge(api)
        .route_layer(axum::middleware::from_fn_with_state(gate_state, gate))
        .layer(axum::Extension(docs));
    web::stack(app, state)
}

#[derive(Clone)]
struct GateState {
    state: AppState,
    access: Arc<HashMap<(Method, String), Access>>,
}

/// Checks every request against its route's access before the handler reads any input:
/// anonymous visitors of a protected page are sent to sign in (the API answers 401), and
/// signed-in users who could not do the route's action at all get 403. The viewer it
/// works out is kept for the handler.
async fn gate(State(g): State<GateState>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let Some(path) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
    else {
        return next.run(req).await;
    };
    let access = g
        .access
        .get(&(req.method().clone(), path.clone()))
        .copied()
        // HEAD is answered by the GET route.
        .or_else(|| g.access.get(&(Method::GET, path)).copied())
        .unwrap_or(Access::Action(Action::AdministerAccounts));
    if access == Access::Anyone {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let viewer = match Viewer::from_parts(&mut parts, &g.state).await {
        Ok(v) => v,
        Err(e) => return refuse(api, e, &parts),
    };
    let principal = viewer.user.as_ref().map(crate::service::principal_of);
    match policy::gate(principal.as_ref(), access) {
        Decision::Allow => {
            parts.extensions.insert(viewer);
            next.run(Request::from_parts(parts, body)).await
        }
        Decision::SignIn => refuse(
            api,
            Error::Unauthorized("sign in to continue".into()),
            &parts,
        ),
        Decision::Deny(why) => refuse(api, Error::Forbidden(why), &parts),
    }
}

fn refuse(api: bool, e: Error, parts: &axum::http::request::Parts) -> Response {
    if api {
        return ApiError(e).into_response();
    }
    if matches!(e, Error::Unauthorized(_)) {
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
        let mut r = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("/sign-in?next={next}")) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        return r;
    }
    PageError(e).into_response()
}
