//! The administration pages: users (roles, status, organization) and organizations.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use nsx_core::accounts::{OrgKind, Role};
use serde::Deserialize;
use uuid::Uuid;

use super::account::roles_text;
use super::extract::AdminViewer;
use super::{Organization, User, store};
use crate::error::Error;
use crate::service::{Caller, RequestId};
use crate::state::AppState;
use crate::web::error::{PageForm, PagePath, PageQuery, PageResult};
use crate::web::forms::{FormErrors, render, see_other};
use crate::web::layout::Chrome;

fn kind_options() -> Vec<(&'static str, &'static str)> {
    OrgKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect()
}

#[derive(Template)]
#[template(path = "accounts/admin.html")]
struct AdminHome {
    chrome: Chrome,
    users: i64,
    admins: i64,
    organizations: i64,
}

pub(crate) async fn admin_home(
    State(state): State<AppState>,
    AdminViewer(_, viewer): AdminViewer,
) -> PageResult<Response> {
    Ok(render(
        StatusCode::OK,
        &AdminHome {
            chrome: Chrome::new(&viewer),
            users: store::count_users(&state.db).await?,
            admins: store::count_with_role(&state.db, Role::Admin).await?,
            organizations: store::count_orgs(&state.db).await?,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<u32>,
}

/// One row of the user table.
struct UserRow {
    user: User,
    roles: String,
    organization: String,
}

#[derive(Template)]
#[template(path = "accounts/admin_users.html")]
struct AdminUsers {
    chrome: Chrome,
    q: String,
    rows: Vec<UserRow>,
    page: u32,
    more: bool,
}

const USERS_PER_PAGE: i64 = 50;

pub(crate) async fn admin_users(
    State(state): State<AppState>,
    AdminViewer(_, viewer): AdminViewer,
    PageQuery(query): PageQuery<UsersQuery>,
) -> PageResult<Response> {
    let page = query.page.unwrap_or(1).max(1);
    let offset = i64::from(page - 1) * USERS_PER_PAGE;
    let mut users = store::search_users(&state.db, &query.q, USERS_PER_PAGE + 1, offset).await?;
    let more = users.len() as i64 > USERS_PER_PAGE;
    users.truncate(USERS_PER_PAGE as usize);
    let orgs = store::list_orgs(&state.db).await?;
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            roles: roles_text(&u),
            organization: u
                .organization_id
                .and_then(|o| orgs.iter().find(|x| x.id == o))
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            user: u,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AdminUsers {
            chrome: Chrome::new(&viewer),
            q: query.q,
            rows,
            page,
            more,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AdminUserQuery {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/admin_user.html")]
struct AdminUserPage {
    chrome: Chrome,
    user: User,
    is_self: bool,
    roles: Vec<(&'static str, &'static str, bool)>,
    organizations: Vec<Organization>,
    notice: Option<&'static str>,
}

pub(crate) async fn admin_user(
    State(state): State<AppState>,
    AdminViewer(me, viewer): AdminViewer,
    PagePath(id): PagePath<Uuid>,
    PageQuery(q): PageQuery<AdminUserQuery>,
) -> PageResult<Response> {
    let user = store::find_user(&state.db, id)
        .await?
        .ok_or_else(|| Error::not_found("the user"))?;
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.label(), user.has_role(*r)))
        .collect();
    let notice = match q.done.as_deref() {
        Some("roles") => Some("Roles saved."),
        Some("status") => Some("Account status saved."),
        Some("organization") => Some("Organization saved."),
        _ => None,
    };
    Ok(render(
        StatusCode::OK,
        &AdminUserPage {
            chrome: Chrome::new(&viewer),
            is_self: me.id == user.id,
            user,
            roles,
            organizations: store::list_orgs(&state.db).await?,
            notice,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    action: String,
}

pub(crate) async fn admin_user_roles(
    State(state): State<AppState>,
    AdminViewer(me, _): AdminViewer,
    RequestId(rid): RequestId,
    PagePath(id): PagePath<Uuid>,
    PageForm(form): PageForm<RoleForm>,
) -> PageResult<Response> {
    let caller = Caller::user(&me, rid);
    let role: Role = form
        .role
        .parse()
        .map_err(|e: nsx_core::accounts::UnknownName| Error::invalid("role", e.to_string()))?;
    let grant = match form.action.as_str() {
        "grant" => true,
        "revoke" => false,
        _ => return Err(Error::invalid("action", "choose grant or revoke").into()),
    };
    let (add, remove): (&[Role], &[Role]) = if grant {
        (&[role], &[])
    } else {
        (&[], &[role])
    };
    super::service::change_roles(&state.db, &caller, id, add, remove).await?;
    Ok(see_other(&format!("/admin/users/{id}?done=roles")))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct StatusForm {
    #[serde(default)]
    action: String,
}

pub(crate) async fn admin_user_status(
    State(state): State<AppState>,
    AdminViewer(me, _): AdminViewer,
    RequestId(rid): RequestId,
    PagePath(id): PagePath<Uuid>,
    PageForm(form): PageForm<StatusForm>,
) -> PageResult<Response> {
    let caller = Caller::user(&me, rid);
    let disabled = match form.action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(Error::invalid("action", "choose disable or enable").into()),
    };
    super::service::set_disabled(&state.db, &caller, id, disabled).await?;
    Ok(see_other(&format!("/admin/users/{id}?done=status")))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct UserOrgForm {
    #[serde(default)]
    organization_id: String,
}

pub(crate) async fn admin_user_org(
    State(state): State<AppState>,
    AdminViewer(me, _): AdminViewer,
    RequestId(rid): RequestId,
    PagePath(id): PagePath<Uuid>,
    PageForm(form): PageForm<UserOrgForm>,
) -> PageResult<Response> {
    let caller = Caller::user(&me, rid);
    let org = match form.organization_id.trim() {
        "" => None,
        s => Some(
            s.parse::<Uuid>()
                .map_err(|_| Error::invalid("organization_id", "choose an organization"))?,
        ),
    };
    super::service::set_organization(&state.db, &caller, id, org).await?;
    Ok(see_other(&format!("/admin/users/{id}?done=organization")))
}

#[derive(Debug, Default, Deserialize, Clone)]
pub(crate) struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sector: String,
}

impl OrgForm {
    fn input(&self) -> super::service::OrganizationInput {
        super::service::OrganizationInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            sector: Some(self.sector.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/admin_orgs.html")]
struct AdminOrgs {
    chrome: Chrome,
    organizations: Vec<Organization>,
    kinds: Vec<(&'static str, &'static str)>,
    form_name: String,
    form_kind: String,
    form_sector: String,
    notice: Option<&'static str>,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

pub(crate) async fn admin_orgs(
    State(state): State<AppState>,
    AdminViewer(_, viewer): AdminViewer,
    PageQuery(q): PageQuery<DoneQuery>,
) -> PageResult<Response> {
    Ok(render(
        StatusCode::OK,
        &AdminOrgs {
            chrome: Chrome::new(&viewer),
            organizations: store::list_orgs(&state.db).await?,
            kinds: kind_options(),
            form_name: String::new(),
            form_kind: String::new(),
            form_sector: String::new(),
            notice: (q.done.as_deref() == Some("created")).then_some("Organization created."),
            errors: FormErrors::default(),
        },
    ))
}

pub(crate) async fn admin_org_create(
    State(state): State<AppState>,
    AdminViewer(me, viewer): AdminViewer,
    RequestId(rid): RequestId,
    PageForm(form): PageForm<OrgForm>,
) -> PageResult<Response> {
    let caller = Caller::user(&me, rid);
    let result = super::service::create_organization(&state.db, &caller, &form.input()).await;
    match result {
        Ok(_) => Ok(see_other("/admin/organizations?done=created")),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AdminOrgs {
                    chrome: Chrome::new(&viewer),
                    organizations: store::list_orgs(&state.db).await?,
                    kinds: kind_options(),
                    form_name: form.name,
                    form_kind: form.kind,
                    form_sector: form.sector,
                    notice: None,
                    errors,
                },
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/admin_org.html")]
struct AdminOrgPage {
    chrome: Chrome,
    org: Organization,
    kinds: Vec<(&'static str, &'static str)>,
    form_name: String,
    form_kind: String,
    form_sector: String,
    notice: Option<&'static str>,
    errors: FormErrors,
}

pub(crate) async fn admin_org(
    State(state): State<AppState>,
    AdminViewer(_, viewer): AdminViewer,
    PagePath(id): PagePath<Uuid>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> PageResult<Response> {
    let org = store::find_org(&state.db, id)
        .await?
        .ok_or_else(|| Error::not_found("the organization"))?;
    Ok(render(
        StatusCode::OK,
        &AdminOrgPage {
            chrome: Chrome::new(&viewer),
            form_name: org.name.clone(),
            form_kind: org.kind.as_str().to_string(),
            form_sector: org.sector.clone().unwrap_or_default(),
            org,
            kinds: kind_options(),
            notice: (q.done.as_deref() == Some("saved")).then_some("Organization saved."),
            errors: FormErrors::default(),
        },
    ))
}

pub(crate) async fn admin_org_update(
    State(state): State<AppState>,
    AdminViewer(me, viewer): AdminViewer,
    RequestId(rid): RequestId,
    PagePath(id): PagePath<Uuid>,
    PageForm(form): PageForm<OrgForm>,
) -> PageResult<Response> {
    let caller = Caller::user(&me, rid);
    let org = store::find_org(&state.db, id)
        .await?
        .ok_or_else(|| Error::not_found("the organization"))?;
    let result = super::service::update_organization(&state.db, &caller, id, &form.input()).await;
    match result {
        Ok(_) => Ok(see_other(&format!("/admin/organizations/{id}?done=saved"))),
        Err(e) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AdminOrgPage {
                chrome: Chrome::new(&viewer),
                org,
                kinds: kind_options(),
                form_name: form.name,
                form_kind: form.kind,
                form_sector: form.sector,
                notice: None,
                errors: FormErrors::from_error(e)?,
            },
        )),
    }
}
