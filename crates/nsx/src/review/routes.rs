//! Call-for-input pages: the public list and each call's page, the editors' form that
//! opens a call and their results (with CSV), and the reviewer's pages: join, respond
//! section by section (each section its own form, so nothing needs JavaScript and a
//! submitted section never touches another), propose, comment, answer the survey, leave.
//!
//! None of these pages is cached: each shows one visitor's state of a call that moves with
//! the clock.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use nsx_core::accounts::FieldError;
use nsx_core::frameworks::{Section, Status, VersionLabel};
use nsx_core::ids::{CallId, OrganizationId};
use nsx_core::policy::{Action, Resource};
use nsx_core::review::{
    AnswerValue, CommentType, NAICS_SECTORS, Phase, QuestionKind, StakeholderType, Stance,
    StatementResponse, Tally,
};
use serde::Deserialize;
use uuid::Uuid;

use super::charts::{self, StanceRow};
use super::service::{self, MyResponses, NewCall, ProfileInput, ProposalInput, Submitted};
use super::{Call, Participant, Profile};
use crate::accounts::Viewer;
use crate::error::Error;
use crate::frameworks::StatementView;
use crate::service::{Caller, PageCaller};
use crate::state::AppState;
use crate::web::cache_policy::CachePolicy;
use crate::web::error::{PageError, PageForm, PagePath, PageQuery};
use crate::web::forms::{FormErrors, render};
use crate::web::layout::Chrome;

type PageResult<T> = Result<T, PageError>;

fn chrome(viewer: &Viewer) -> Chrome {
    if viewer.signed_in() {
        Chrome::new(viewer)
    } else {
        Chrome::anonymous()
    }
}

/// The stakeholder types as (value, label) for selects.
fn type_options() -> Vec<(String, String)> {
    StakeholderType::ALL
        .iter()
        .map(|t| (t.as_str().to_string(), t.label().to_string()))
        .collect()
}

fn sector_options() -> Vec<(String, String)> {
    NAICS_SECTORS
        .iter()
        .map(|(c, t)| (c.to_string(), format!("{c} — {t}")))
        .collect()
}

fn family_options() -> Vec<(String, String)> {
    nsx_core::occupations::SOC_MAJOR_GROUPS
        .iter()
        .map(|(c, t)| (c.to_string(), format!("{c} — {t}")))
        .collect()
}

// ---------------------------------------------------------------------------------------
// The public list

/// `?family=49`
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    family: Option<String>,
}

/// One list of calls on the page.
struct Group {
    key: &'static str,
    title: &'static str,
    empty: &'static str,
    calls: Vec<Call>,
}

#[derive(Template)]
#[template(path = "review/list.html")]
struct ListPage {
    chrome: Chrome,
    groups: Vec<Group>,
    family: String,
    families: Vec<(String, String)>,
    errors: FormErrors,
}

/// `GET /calls`: open, upcoming and recently closed calls.
pub async fn list(
    State(state): State<AppState>,
    PageCaller(_, viewer): PageCaller,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let raw = q.family.unwrap_or_default();
    let (family, errors, status) = match service::check_family(Some(raw.as_str())) {
        Ok(f) => (f, FormErrors::default(), StatusCode::OK),
        Err(e) => (
            None,
            FormErrors::from_error(e)?,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let lists = service::lists(&state.db, family.as_deref()).await?;
    let groups = vec![
        Group {
            key: "open",
            title: "Open now",
            empty: "No call is open at the moment.",
            calls: lists.open,
        },
        Group {
            key: "upcoming",
            title: "Upcoming",
            empty: "No call is announced.",
            calls: lists.upcoming,
        },
        Group {
            key: "closed",
            title: "Recently closed",
            empty: "No call closed in the last 90 days.",
            calls: lists.closed,
        },
    ];
    Ok(render(
        status,
        &ListPage {
            chrome: chrome(&viewer),
            groups,
            family: family.unwrap_or_default(),
            families: family_options(),
            errors,
        },
    ))
}

// ---------------------------------------------------------------------------------------
// One call

/// `?done=joined` and the like.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "review/call.html")]
struct CallPage {
    chrome: Chrome,
    call: Call,
    phase: Phase,
    statements: usize,
    participant: Option<Participant>,
    may_manage: bool,
    notice: Option<&'static str>,
    errors: FormErrors,
    form: ProfileForm,
    types: Vec<(String, String)>,
    sectors: Vec<(String, String)>,
    respondents: usize,
    join: &'static str,
    link: String,
}

/// The reviewer profile form.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    stakeholder_type: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    role: String,
}

impl From<&Profile> for ProfileForm {
    fn from(p: &Profile) -> Self {
        ProfileForm {
            stakeholder_type: p.stakeholder_type.as_str().into(),
            sector: p.sector.clone().unwrap_or_default(),
            organization: p.organization.clone(),
            country: p.country.clone(),
            role: p.role.clone(),
        }
    }
}

async fn call_page(
    state: &AppState,
    caller: &Caller,
    viewer: &Viewer,
    id: CallId,
    notice: Option<&'static str>,
    errors: FormErrors,
    form: Option<ProfileForm>,
) -> Result<CallPage, Error> {
    let call = service::get(&state.db, id).await?;
    let link = format!("{}{}", state.config.public_url(), call.path());
    let statements = service::statements(&state.db, &call).await?.len();
    let verified = match caller.user_id() {
        Some(u) => crate::accounts::verification::verified_at(&state.db, u.0)
            .await?
            .is_some(),
        None => false,
    };
    let participant = service::participation(&state.db, id, caller).await?;
    let form = match form {
        Some(f) => f,
        None => service::profile(&state.db, caller)
            .await?
            .as_ref()
            .map(ProfileForm::from)
            .unwrap_or_default(),
    };
    let respondents = super::store::participants(&state.db, id).await?.len();
    let join = match (&participant, viewer.signed_in(), verified) {
        (_, false, _) => "anonymous",
        (_, true, false) => "unverified",
        (Some(p), _, _) if p.active() => "active",
        (Some(_), _, _) => "left",
        (None, _, _) => "new",
    };
    Ok(CallPage {
        link,
        join,
        chrome: chrome(viewer),
        phase: call.phase_now(),
        may_manage: caller.may(
            Action::ManageReview,
            &Resource::OwnedBy(call.organization_id.map(OrganizationId)),
        ),
        call,
        statements,
        participant,
        notice,
        errors,
        form,
        types: type_options(),
        sectors: sector_options(),
        respondents,
    })
}

fn notice_of(done: Option<&str>) -> Option<&'static str> {
    match done {
        Some("opened") => Some(
            "The call is set up. The version is now in review and cannot be edited until the call ends.",
        ),
        Some("joined") => Some("You have joined the call. Your profile is kept for later calls."),
        Some("left") => {
            Some("You have left the call; your responses were withdrawn and no longer count.")
        }
        Some("verify") => Some(
            "A confirmation link is on its way to your e-mail address. Follow it, then come back to join.",
        ),
        _ => None,
    }
}

/// `GET /calls/{id}`
pub async fn show(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let page = call_page(
        &state,
        &caller,
        &viewer,
        id,
        notice_of(q.done.as_deref()),
        FormErrors::default(),
        None,
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /calls/{id}/join`
pub async fn join(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
    PageForm(form): PageForm<ProfileForm>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let input = ProfileInput {
        stakeholder_type: form.stakeholder_type.clone(),
        sector: Some(form.sector.clone()),
        organization: form.organization.clone(),
        country: form.country.clone(),
        role: form.role.clone(),
    };
    match service::join(&state.db, &caller, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/calls/{id}/respond?done=joined")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let page = call_page(&state, &caller, &viewer, id, None, errors, Some(form)).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// `POST /calls/{id}/verify-email`: sends a confirmation link to the caller's address.
pub async fn verify_email(
    State(state): State<AppState>,
    PageCaller(_, viewer): PageCaller,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let Some(user) = viewer.user.as_ref() else {
        return Err(Error::Unauthorized("sign in first".into()).into());
    };
    service::get(&state.db, id).await?;
    crate::accounts::verification::send_link(&state.db, &state.config.public_url(), user).await?;
    Ok(Redirect::to(&format!("/calls/{id}?done=verify")).into_response())
}

#[derive(Template)]
#[template(path = "review/verified.html")]
struct VerifiedPage {
    chrome: Chrome,
}

/// `GET /verify-email/{token}`
pub async fn confirm_email(
    State(state): State<AppState>,
    PageCaller(_, viewer): PageCaller,
    PagePath(token): PagePath<String>,
) -> PageResult<Response> {
    crate::accounts::verification::confirm(&state.db, &token).await?;
    Ok(render(
        StatusCode::OK,
        &VerifiedPage {
            chrome: chrome(&viewer),
        },
    ))
}

/// `POST /calls/{id}/leave`
pub async fn leave(
    State(state): State<AppState>,
    PageCaller(caller, _): PageCaller,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    service::leave(&state.db, &caller, id).await?;
    Ok(Redirect::to(&format!("/calls/{id}?done=left")).into_response())
}

// ---------------------------------------------------------------------------------------
// Opening a call

#[derive(Template)]
#[template(path = "review/new.html")]
struct NewPage {
    chrome: Chrome,
    code: String,
    title: String,
    label: String,
    status: String,
    errors: FormErrors,
    form: OpenForm,
    types: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    slots: Vec<usize>,
}

/// The form that opens a call; survey questions come as `q{n}_prompt`, `q{n}_kind`,
/// `q{n}_options` (one per line) and `q{n}_required`.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    invitation: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    opens_at: String,
    #[serde(default)]
    closes_at: String,
    #[serde(default)]
    remove_share: String,
    #[serde(default)]
    change_share: String,
    #[serde(default)]
    importance_floor: String,
    #[serde(default)]
    min_group: String,
    #[serde(skip)]
    types: Vec<String>,
    #[serde(skip)]
    questions: Vec<(String, String, String, bool)>,
}

/// Survey slots on the form.
const SLOTS: usize = 5;

impl OpenForm {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let questions = (0..SLOTS)
            .map(|i| {
                (
                    get(&format!("q{i}_prompt")),
                    get(&format!("q{i}_kind")),
                    get(&format!("q{i}_options")),
                    !get(&format!("q{i}_required")).is_empty(),
                )
            })
            .collect();
        OpenForm {
            invitation: get("invitation"),
            contact_name: get("contact_name"),
            contact_email: get("contact_email"),
            time_zone: get("time_zone"),
            opens_at: get("opens_at"),
            closes_at: get("closes_at"),
            remove_share: get("remove_share"),
            change_share: get("change_share"),
            importance_floor: get("importance_floor"),
            min_group: get("min_group"),
            types: pairs
                .iter()
                .filter(|(n, _)| n == "stakeholder_types")
                .map(|(_, v)| v.clone())
                .collect(),
            questions,
        }
    }

    fn has_type(&self, t: &str) -> bool {
        self.types.iter().any(|x| x == t)
    }

    fn q(&self, i: &usize) -> (String, String, String, bool) {
        self.questions
            .get(*i)
            .cloned()
            .unwrap_or_else(|| (String::new(), "single".into(), String::new(), false))
    }

    fn to_input(&self) -> Result<NewCall, Error> {
        let mut errors = Vec::new();
        let mut questions = Vec::new();
        for (i, (prompt, kind, options, required)) in self.questions.iter().enumerate() {
            if prompt.trim().is_empty() {
                continue;
            }
            match kind.parse::<QuestionKind>() {
                Ok(kind) => questions.push(nsx_core::review::Question {
                    prompt: prompt.clone(),
                    kind,
                    options: options.lines().map(str::to_string).collect(),
                    required: *required,
                }),
                Err(e) => errors.push(FieldError::new(&format!("q{i}_kind"), e)),
            }
        }
        let defaults = nsx_core::review::Thresholds::default();
        let num = |field: &str, s: &str, d: f64, errors: &mut Vec<FieldError>| -> f64 {
            let t = s.trim();
            if t.is_empty() {
                return d;
            }
            let (t, pct) = match t.strip_suffix('%') {
                Some(p) => (p.trim(), true),
                None => (t, false),
            };
            match t.parse::<f64>() {
                Ok(v) if pct => v / 100.0,
                Ok(v) => v,
                Err(_) => {
                    errors.push(FieldError::new(field, format!("{s:?} is not a number")));
                    d
                }
            }
        };
        let thresholds = nsx_core::review::Thresholds {
            remove_share: num(
                "remove_share",
                &self.remove_share,
                defaults.remove_share,
                &mut errors,
            ),
            change_share: num(
                "change_share",
                &self.change_share,
                defaults.change_share,
                &mut errors,
            ),
            importance_floor: num(
                "importance_floor",
                &self.importance_floor,
                defaults.importance_floor,
                &mut errors,
            ),
            min_group: num(
                "min_group",
                &self.min_group,
                f64::from(defaults.min_group),
                &mut errors,
            ) as u32,
        };
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(NewCall {
            invitation: self.invitation.clone(),
            contact_name: self.contact_name.clone(),
            contact_email: self.contact_email.clone(),
            stakeholder_types: self.types.clone(),
            time_zone: self.time_zone.clone(),
            opens_at: self.opens_at.clone(),
            closes_at: self.closes_at.clone(),
            questions,
            thresholds: Some(thresholds),
        })
    }
}

fn parse_label(s: &str) -> Result<VersionLabel, Error> {
    s.trim()
        .parse()
        .map_err(|e: nsx_core::frameworks::FrameworkError| Error::invalid("version", e.0))
}

async fn new_page(
    state: &AppState,
    caller: &Caller,
    viewer: &Viewer,
    code: &str,
    version: &str,
    form: OpenForm,
    errors: FormErrors,
) -> Result<NewPage, Error> {
    let label = parse_label(version)?;
    let f = crate::frameworks::editing::find_framework(&state.db, code)
        .await?
        .ok_or_else(|| Error::not_found(format!("framework {code}")))?;
    caller.require(
        Action::ManageReview,
        &Resource::OwnedBy(f.organization_id.map(OrganizationId)),
    )?;
    let v = crate::frameworks::store::list_versions(&state.db, code)
        .await?
        .into_iter()
        .find(|v| v.label == label)
        .ok_or_else(|| Error::not_found(format!("version {label} of framework {code}")))?;
    Ok(NewPage {
        chrome: chrome(viewer),
        code: code.to_string(),
        title: f.title,
        label: label.to_string(),
        status: v.status.label().to_string(),
        errors,
        form,
        types: type_options(),
        kinds: QuestionKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), k.label().to_string()))
            .collect(),
        slots: (0..SLOTS).collect(),
    })
}

/// `GET /frameworks/{code}/{version}/call`: the form that opens a call on a draft.
pub async fn new_form(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath((code, version)): PagePath<(String, String)>,
) -> PageResult<Response> {
    let contact = viewer.user.as_ref();
    let form = OpenForm {
        time_zone: "UTC".into(),
        contact_name: contact.map(|u| u.display_name.clone()).unwrap_or_default(),
        contact_email: contact.map(|u| u.email.clone()).unwrap_or_default(),
        types: StakeholderType::ALL
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
        ..OpenForm::default()
    };
    let page = new_page(
        &state,
        &caller,
        &viewer,
        &code,
        &version,
        form,
        FormErrors::default(),
    )
    .await?;
    if page.status != Status::Draft.label() {
        return Err(Error::Conflict(format!(
            "{} is {}; only a draft can be opened for review",
            page.label,
            page.status.to_lowercase()
        ))
        .into());
    }
    Ok(render(StatusCode::OK, &page))
}

/// `POST /frameworks/{code}/{version}/call`
pub async fn open(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath((code, version)): PagePath<(String, String)>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let form = OpenForm::from_pairs(&pairs);
    let label = parse_label(&version)?;
    let result = match form.to_input() {
        Ok(input) => service::open_call(&state.db, &caller, &code, &label, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(call) => Ok(Redirect::to(&format!("{}?done=opened", call.path())).into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let page = new_page(&state, &caller, &viewer, &code, &version, form, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Responding

/// One statement on the response page.
pub struct StatementRow {
    /// Row id.
    pub id: Uuid,
    /// `technical/emerging#1`.
    pub location: String,
    /// The statement's text.
    pub text: String,
    /// Level name.
    pub level: String,
    /// Whether frequency applies.
    pub technical: bool,
    /// What is stored (or was just submitted).
    pub r: StatementResponse,
    /// The fingerprint of what is stored.
    pub shown: String,
}

impl StatementRow {
    fn stance_is(&self, s: &str) -> bool {
        self.r.stance.map(|x| x.as_str()) == Some(s)
    }
    fn importance_is(&self, n: &u8) -> bool {
        self.r.importance == Some(*n)
    }
    fn frequency_is(&self, n: &u8) -> bool {
        self.r.frequency == Some(*n)
    }
    fn type_is(&self, s: &str) -> bool {
        self.r.comment_type.map(|x| x.as_str()) == Some(s)
    }
}

/// A section of the response page (one form).
pub struct SectionBlock {
    /// `technical`, `durable`, `ai_usage`.
    pub key: &'static str,
    /// Heading.
    pub title: &'static str,
    /// Its statements.
    pub rows: Vec<StatementRow>,
    /// How many have an answer.
    pub answered: usize,
}

/// A survey question on the response page.
pub struct SurveyRow {
    /// Position.
    pub ord: usize,
    /// Prompt.
    pub prompt: String,
    /// `single`, `multiple`, `rating`, `text`.
    pub kind: &'static str,
    /// Options.
    pub options: Vec<String>,
    /// Required.
    pub required: bool,
    /// Chosen values.
    pub chosen: Vec<String>,
}

impl SurveyRow {
    fn has(&self, v: &str) -> bool {
        self.chosen.iter().any(|c| c == v)
    }
    fn text(&self) -> String {
        self.chosen.first().cloned().unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "review/respond.html")]
struct RespondPage {
    chrome: Chrome,
    call: Call,
    phase: Phase,
    participant: Participant,
    sections: Vec<SectionBlock>,
    survey: Vec<SurveyRow>,
    mine: MyResponses,
    general: String,
    levels: Vec<(String, String)>,
    notice: Option<String>,
    errors: FormErrors,
    stances: Vec<(String, String)>,
    comment_types: Vec<(String, String)>,
    scale: Vec<u8>,
    proposal: ProposalInput,
}

const SECTIONS: [(Section, &str, &str); 3] = [
    (Section::Technical, "technical", "Technical statements"),
    (Section::Durable, "durable", "Durable-skill statements"),
    (Section::AiUsage, "ai_usage", "AI-usage statements"),
];

#[allow(clippy::too_many_arguments)]
async fn respond_page(
    state: &AppState,
    caller: &Caller,
    viewer: &Viewer,
    id: CallId,
    notice: Option<String>,
    errors: FormErrors,
    overlay: HashMap<Uuid, StatementResponse>,
    survey_overlay: Option<BTreeMap<usize, Vec<String>>>,
    general_overlay: Option<String>,
    proposal: ProposalInput,
) -> Result<Response, Error> {
    let call = service::get(&state.db, id).await?;
    let Some(participant) = service::participation(&state.db, id, caller)
        .await?
        .filter(Participant::active)
    else {
        return Ok(Redirect::to(&format!("/calls/{id}")).into_response());
    };
    let statements = service::statements(&state.db, &call).await?;
    let mine = service::mine(&state.db, caller, id).await?;
    let sections = SECTIONS
        .iter()
        .filter_map(|(sec, key, title)| {
            let rows: Vec<StatementRow> = statements
                .iter()
                .filter(|s| s.statement.section == *sec)
                .map(|s: &StatementView| {
                    let stored = mine.responses.get(&s.id).cloned().unwrap_or_default();
                    let shown = service::fingerprint(&stored);
                    StatementRow {
                        id: s.id,
                        location: s.statement.location(),
                        text: s.statement.full_text(),
                        level: s.statement.level.label().to_string(),
                        technical: *sec == Section::Technical,
                        r: overlay.get(&s.id).cloned().unwrap_or(stored),
                        shown,
                    }
                })
                .collect();
            if rows.is_empty() {
                return None;
            }
            let answered = rows
                .iter()
                .filter(|r| mine.responses.contains_key(&r.id))
                .count();
            Some(SectionBlock {
                key,
                title,
                rows,
                answered,
            })
        })
        .collect();
    let survey = call
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let chosen = match &survey_overlay {
                Some(o) => o.get(&i).cloned().unwrap_or_default(),
                None => match mine.answers.get(&i) {
                    Some(AnswerValue::Single(v)) | Some(AnswerValue::Text(v)) => vec![v.clone()],
                    Some(AnswerValue::Multiple(vs)) => vs.clone(),
                    Some(AnswerValue::Rating(n)) => vec![n.to_string()],
                    None => Vec::new(),
                },
            };
            SurveyRow {
                ord: i,
                prompt: q.prompt.clone(),
                kind: q.kind.as_str(),
                options: q.options.clone(),
                required: q.required,
                chosen,
            }
        })
        .collect();
    let mut levels = Vec::new();
    for (sec, key, _) in SECTIONS {
        let names: Vec<(&str, &str)> = match sec {
            Section::Durable => nsx_core::frameworks::DurableLevel::ALL
                .iter()
                .map(|l| (l.as_str(), l.label()))
                .collect(),
            _ => nsx_core::frameworks::MasteryLevel::ALL
                .iter()
                .map(|l| (l.as_str(), l.label()))
                .collect(),
        };
        for (n, l) in names {
            levels.push((format!("{key}/{n}"), format!("{key} — {l}")));
        }
    }
    let general = general_overlay.unwrap_or_else(|| mine.general_comment.clone());
    let page = RespondPage {
        chrome: chrome(viewer),
        phase: call.phase_now(),
        call,
        participant,
        sections,
        survey,
        mine,
        general,
        levels,
        notice,
        errors,
        stances: Stance::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.label().to_string()))
            .collect(),
        comment_types: CommentType::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.label().to_string()))
            .collect(),
        scale: vec![1, 2, 3, 4, 5],
        proposal,
    };
    let status = if page.errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(status, &page))
}

fn saved_notice(done: Option<&str>) -> Option<String> {
    let d = done?;
    Some(match d {
        "joined" => "You have joined the call. Respond section by section; each section saves on its own, and you can come back and change your answers until the call closes.".into(),
        "general" => "Saved: your general comment.".into(),
        "survey" => "Saved: your survey answers.".into(),
        "proposal" => "Saved: your proposed statement.".into(),
        "proposal-withdrawn" => "Your proposed statement was withdrawn.".into(),
        s if SECTIONS.iter().any(|(_, k, _)| *k == s) => {
            let t = SECTIONS.iter().find(|(_, k, _)| *k == s).map(|x| x.2).unwrap_or("");
            format!("Saved: {}.", t.to_lowercase())
        }
        _ => return None,
    })
}

/// `GET /calls/{id}/respond`
pub async fn respond_form(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    Ok(respond_page(
        &state,
        &caller,
        &viewer,
        id,
        saved_notice(q.done.as_deref()),
        FormErrors::default(),
        HashMap::new(),
        None,
        None,
        ProposalInput::default(),
    )
    .await?)
}

/// Reads one section's statements from a form (`statements.{id}.stance`, …).
fn submitted_statements(
    pairs: &[(String, String)],
    errors: &mut Vec<FieldError>,
) -> Vec<Submitted> {
    let mut by: BTreeMap<Uuid, (StatementResponse, Option<String>)> = BTreeMap::new();
    for (k, v) in pairs {
        let Some(rest) = k.strip_prefix("statements.") else {
            continue;
        };
        let Some((id, field)) = rest.split_once('.') else {
            continue;
        };
        let Ok(sid) = id.parse::<Uuid>() else {
            errors.push(FieldError::new(k, "names no statement"));
            continue;
        };
        let e = by.entry(sid).or_default();
        let v = v.trim();
        let scale = |errors: &mut Vec<FieldError>| -> Option<u8> {
            if v.is_empty() {
                return None;
            }
            match nsx_core::review::check_scale(k, v) {
                Ok(n) => Some(n),
                Err(err) => {
                    errors.push(err);
                    None
                }
            }
        };
        match field {
            "stance" if !v.is_empty() => match v.parse::<Stance>() {
                Ok(s) => e.0.stance = Some(s),
                Err(m) => errors.push(FieldError::new(k, m)),
            },
            "comment_type" if !v.is_empty() => match v.parse::<CommentType>() {
                Ok(s) => e.0.comment_type = Some(s),
                Err(m) => errors.push(FieldError::new(k, m)),
            },
            "importance" => e.0.importance = scale(errors),
            "frequency" => e.0.frequency = scale(errors),
            "comment" => e.0.comment = v.to_string(),
            "rewrite" => e.0.rewrite = v.to_string(),
            "shown" => e.1 = Some(v.to_string()),
            _ => {}
        }
    }
    by.into_iter()
        .map(|(statement, (response, shown))| Submitted {
            statement,
            response,
            shown,
        })
        .collect()
}

/// `POST /calls/{id}/respond`: one part of the page (`part` = a section, `general`,
/// `survey`, `proposal` or `withdraw-proposal`).
pub async fn respond_submit(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let part = get("part");
    let db = &state.db;
    let mut overlay = HashMap::new();
    let mut survey_overlay = None;
    let mut general_overlay = None;
    let mut proposal = ProposalInput::default();
    let result: Result<(), Error> = match part.as_str() {
        "general" => {
            let text = get("general_comment");
            general_overlay = Some(text.clone());
            service::general_comment(db, &caller, id, &text).await
        }
        "survey" => {
            let mut given: BTreeMap<usize, Vec<String>> = BTreeMap::new();
            for (k, v) in &pairs {
                if let Some(n) = k.strip_prefix('q').and_then(|n| n.parse::<usize>().ok()) {
                    given.entry(n).or_default().push(v.clone());
                }
            }
            survey_overlay = Some(given.clone());
            service::answer_survey(db, &caller, id, &given)
                .await
                .map(|_| ())
        }
        "proposal" => {
            let (section, level) = get("proposal.level")
                .split_once('/')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .unwrap_or_default();
            proposal = ProposalInput {
                section,
                level,
                text: get("proposal.text"),
                rationale: get("proposal.rationale"),
            };
            service::propose(db, &caller, id, proposal.clone())
                .await
                .map(|_| ())
        }
        "withdraw-proposal" => match get("proposal").parse::<Uuid>() {
            Ok(p) => service::withdraw_proposal(db, &caller, id, p).await,
            Err(_) => Err(Error::invalid("proposal", "names no proposal")),
        },
        s if SECTIONS.iter().any(|(_, k, _)| *k == s) => {
            let mut errors = Vec::new();
            let items = submitted_statements(&pairs, &mut errors);
            for it in &items {
                overlay.insert(it.statement, it.response.clone());
            }
            if errors.is_empty() {
                service::respond(db, &caller, id, items).await.map(|_| ())
            } else {
                Err(Error::Invalid(errors))
            }
        }
        other => Err(Error::invalid(
            "part",
            format!("{other:?} is not a part of the response page"),
        )),
    };
    match result {
        Ok(()) => {
            let done = if part == "withdraw-proposal" {
                "proposal-withdrawn".to_string()
            } else {
                part.clone()
            };
            let anchor = if part.starts_with("withdraw") {
                "proposal".to_string()
            } else {
                part
            };
            Ok(Redirect::to(&format!("/calls/{id}/respond?done={done}#{anchor}")).into_response())
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            Ok(respond_page(
                &state,
                &caller,
                &viewer,
                id,
                None,
                errors,
                overlay,
                survey_overlay,
                general_overlay,
                proposal,
            )
            .await?)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Results

/// One statement's results on the page.
pub struct ResultRow {
    /// `technical/emerging#1`.
    pub location: String,
    /// The statement.
    pub text: String,
    /// Respondents.
    pub respondents: u32,
    /// Stance chart (inline SVG).
    pub stance_svg: String,
    /// Importance chart.
    pub importance_svg: String,
    /// Frequency chart (technical statements).
    pub frequency_svg: Option<String>,
    /// Mean importance.
    pub mean_importance: String,
    /// Flags.
    pub flags: Vec<String>,
    /// Sector counts as text.
    pub sectors: String,
}

/// One survey question's results.
pub struct SurveyResultRow {
    /// Prompt.
    pub prompt: String,
    /// Respondents who answered.
    pub answered: u32,
    /// Chart, when the question has one.
    pub svg: Option<String>,
    /// Free-text answers.
    pub texts: Vec<String>,
}

#[derive(Template)]
#[template(path = "review/results.html")]
struct ResultsPage {
    chrome: Chrome,
    call: Call,
    respondents: u32,
    rows: Vec<ResultRow>,
    flagged: usize,
    survey: Vec<SurveyResultRow>,
    by_type_svg: String,
    by_sector_svg: String,
    by_country_svg: String,
    over_time_svg: String,
    proposals: Vec<super::store::ProposalRow>,
    general_comments: Vec<String>,
    comments: u32,
}

fn mean_text(h: &[u32; 5]) -> String {
    Tally::mean(h)
        .map(|m| format!("{m:.1}"))
        .unwrap_or_else(|| "—".into())
}

/// `GET /calls/{id}/results`
pub async fn results(
    State(state): State<AppState>,
    PageCaller(caller, viewer): PageCaller,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let r = service::results(&state.db, &caller, id).await?;
    let rows: Vec<ResultRow> = r
        .statements
        .iter()
        .map(|(s, res)| {
            let mut stance_rows = vec![StanceRow {
                label: "All respondents",
                tally: &res.overall,
            }];
            for (t, tally) in &res.by_type {
                stance_rows.push(StanceRow {
                    label: t.label(),
                    tally,
                });
            }
            let loc = s.statement.location();
            ResultRow {
                stance_svg: charts::stance_bars(
                    &format!("Keep, change or remove: {loc}"),
                    &stance_rows,
                ),
                importance_svg: charts::histogram(
                    &format!("Importance: {loc}"),
                    &res.overall.importance,
                ),
                frequency_svg: (s.statement.section == Section::Technical).then(|| {
                    charts::histogram(&format!("Frequency: {loc}"), &res.overall.frequency)
                }),
                mean_importance: mean_text(&res.overall.importance),
                flags: res.flags.iter().map(|f| f.message.clone()).collect(),
                sectors: res
                    .by_sector
                    .iter()
                    .map(|(k, t)| format!("{k}: {}", t.respondents))
                    .collect::<Vec<_>>()
                    .join(" · "),
                location: loc,
                text: s.statement.full_text(),
                respondents: res.overall.respondents,
            }
        })
        .collect();
    let flagged = rows.iter().filter(|r| !r.flags.is_empty()).count();
    let survey = r
        .survey
        .iter()
        .map(|(q, s)| SurveyResultRow {
            prompt: q.prompt.clone(),
            answered: s.answered,
            svg: match q.kind {
                QuestionKind::Single | QuestionKind::Multiple => Some(charts::count_bars(
                    &q.prompt,
                    &s.options
                        .iter()
                        .map(|o| (o.option.clone(), o.count))
                        .collect::<Vec<_>>(),
                )),
                QuestionKind::Rating => Some(charts::histogram(&q.prompt, &s.ratings)),
                QuestionKind::Text => None,
            },
            texts: s.texts.clone(),
        })
        .collect();
    let as_rows = |c: &service::Counts| -> Vec<(String, u32)> {
        c.iter().map(|(k, v)| (k.clone(), *v)).collect()
    };
    let page = ResultsPage {
        chrome: chrome(&viewer),
        respondents: r.respondents,
        flagged,
        by_type_svg: charts::count_bars("Respondents by stakeholder type", &as_rows(&r.by_type)),
        by_sector_svg: charts::count_bars("Respondents by sector", &as_rows(&r.by_sector)),
        by_country_svg: charts::count_bars("Respondents by country", &as_rows(&r.by_country)),
        over_time_svg: charts::count_bars("Responses by day", &as_rows(&r.over_time)),
        rows,
        survey,
        proposals: r.proposals,
        general_comments: r.general_comments,
        comments: r.comments,
        call: r.call,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /calls/{id}/results.csv`
pub async fn results_csv(
    State(state): State<AppState>,
    PageCaller(caller, _): PageCaller,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = service::parse_id(&id)?;
    let csv = service::export_csv(&state.db, &caller, id).await?;
    let mut r = (CachePolicy::no_store(), csv).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"call-{id}-responses.csv\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}
