-- O*NET source tables (every row keeps its release), import bookkeeping,
-- the derived occupation catalog, crosswalks and evidence data.

CREATE TABLE onet_occupations (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (release, code)
);

CREATE TABLE onet_job_zone_reference (
    release TEXT NOT NULL,
    job_zone BIGINT NOT NULL,
    name TEXT NOT NULL,
    experience TEXT,
    education TEXT,
    job_training TEXT,
    examples TEXT,
    svp_range TEXT
);
CREATE INDEX onet_job_zone_reference_release_idx ON onet_job_zone_reference (release);

CREATE TABLE onet_job_zones (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    job_zone BIGINT NOT NULL,
    date TEXT,
    domain_source TEXT
);
CREATE INDEX onet_job_zones_code_release_idx ON onet_job_zones (code, release);
CREATE INDEX onet_job_zones_release_idx ON onet_job_zones (release);

CREATE TABLE onet_tasks (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    task_id BIGINT NOT NULL,
    task TEXT NOT NULL,
    task_type TEXT,
    incumbents_responding DOUBLE PRECISION,
    date TEXT,
    domain_source TEXT
);
CREATE INDEX onet_tasks_code_release_idx ON onet_tasks (code, release);
CREATE INDEX onet_tasks_release_idx ON onet_tasks (release);
CREATE INDEX onet_tasks_task_id_idx ON onet_tasks (task_id);

CREATE TABLE onet_task_ratings (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    task_id BIGINT NOT NULL,
    scale_id TEXT NOT NULL,
    category BIGINT,
    data_value DOUBLE PRECISION NOT NULL,
    n BIGINT,
    standard_error DOUBLE PRECISION,
    lower_ci DOUBLE PRECISION,
    upper_ci DOUBLE PRECISION,
    recommend_suppress BOOLEAN,
    date TEXT,
    domain_source TEXT
);
CREATE INDEX onet_task_ratings_code_release_idx ON onet_task_ratings (code, release);
CREATE INDEX onet_task_ratings_release_idx ON onet_task_ratings (release);

CREATE TABLE onet_emerging_tasks (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    task TEXT NOT NULL,
    category TEXT,
    original_task_id BIGINT,
    original_task TEXT,
    date TEXT,
    domain_source TEXT
);
CREATE INDEX onet_emerging_tasks_code_release_idx ON onet_emerging_tasks (code, release);
CREATE INDEX onet_emerging_tasks_release_idx ON onet_emerging_tasks (release);

CREATE TABLE onet_ratings (
    release TEXT NOT NULL,
    domain TEXT NOT NULL,
    code TEXT NOT NULL,
    element_id TEXT NOT NULL,
    element_name TEXT NOT NULL,
    scale_id TEXT NOT NULL,
    category BIGINT,
    data_value DOUBLE PRECISION NOT NULL,
    n BIGINT,
    standard_error DOUBLE PRECISION,
    lower_ci DOUBLE PRECISION,
    upper_ci DOUBLE PRECISION,
    recommend_suppress BOOLEAN,
    not_relevant BOOLEAN,
    date TEXT,
    domain_source TEXT
);
CREATE INDEX onet_ratings_code_domain_release_idx ON onet_ratings (code, domain, release);
CREATE INDEX onet_ratings_release_domain_idx ON onet_ratings (release, domain);

CREATE TABLE onet_technology_skills (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    example TEXT NOT NULL,
    commodity_code BIGINT,
    commodity_title TEXT,
    hot_technology BOOLEAN,
    in_demand BOOLEAN
);
CREATE INDEX onet_technology_skills_code_release_idx ON onet_technology_skills (code, release);
CREATE INDEX onet_technology_skills_release_idx ON onet_technology_skills (release);

CREATE TABLE onet_tools (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    example TEXT NOT NULL,
    commodity_code BIGINT,
    commodity_title TEXT
);
CREATE INDEX onet_tools_code_release_idx ON onet_tools (code, release);
CREATE INDEX onet_tools_release_idx ON onet_tools (release);

CREATE TABLE onet_alternate_titles (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    short_title TEXT,
    sources TEXT
);
CREATE INDEX onet_alternate_titles_code_release_idx ON onet_alternate_titles (code, release);
CREATE INDEX onet_alternate_titles_release_idx ON onet_alternate_titles (release);

CREATE TABLE onet_reported_titles (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    shown_in_my_next_move BOOLEAN
);
CREATE INDEX onet_reported_titles_code_release_idx ON onet_reported_titles (code, release);
CREATE INDEX onet_reported_titles_release_idx ON onet_reported_titles (release);

CREATE TABLE onet_related_occupations (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    related_code TEXT NOT NULL,
    tier TEXT,
    idx BIGINT
);
CREATE INDEX onet_related_occupations_code_release_idx ON onet_related_occupations (code, release);
CREATE INDEX onet_related_occupations_release_idx ON onet_related_occupations (release);

CREATE TABLE onet_categories (
    release TEXT NOT NULL,
    source TEXT NOT NULL,
    element_id TEXT,
    element_name TEXT,
    scale_id TEXT NOT NULL,
    category BIGINT NOT NULL,
    description TEXT NOT NULL
);
CREATE INDEX onet_categories_release_source_idx ON onet_categories (release, source);

CREATE TABLE onet_content_model (
    release TEXT NOT NULL,
    element_id TEXT NOT NULL,
    element_name TEXT NOT NULL,
    description TEXT
);
CREATE INDEX onet_content_model_release_idx ON onet_content_model (release);
CREATE INDEX onet_content_model_element_id_idx ON onet_content_model (element_id);

CREATE TABLE onet_scales (
    release TEXT NOT NULL,
    scale_id TEXT NOT NULL,
    scale_name TEXT NOT NULL,
    minimum DOUBLE PRECISION,
    maximum DOUBLE PRECISION
);
CREATE INDEX onet_scales_release_idx ON onet_scales (release);

CREATE TABLE onet_scale_anchors (
    release TEXT NOT NULL,
    element_id TEXT NOT NULL,
    element_name TEXT NOT NULL,
    scale_id TEXT NOT NULL,
    anchor_value DOUBLE PRECISION NOT NULL,
    anchor_description TEXT NOT NULL
);
CREATE INDEX onet_scale_anchors_release_idx ON onet_scale_anchors (release);
CREATE INDEX onet_scale_anchors_element_id_idx ON onet_scale_anchors (element_id);

CREATE TABLE onet_occupation_metadata (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    item TEXT NOT NULL,
    response TEXT,
    n BIGINT,
    percent DOUBLE PRECISION,
    date TEXT
);
CREATE INDEX onet_occupation_metadata_code_release_idx ON onet_occupation_metadata (code, release);
CREATE INDEX onet_occupation_metadata_release_idx ON onet_occupation_metadata (release);

CREATE TABLE onet_iwas (
    release TEXT NOT NULL,
    element_id TEXT NOT NULL,
    iwa_id TEXT NOT NULL,
    iwa_title TEXT NOT NULL
);
CREATE INDEX onet_iwas_release_idx ON onet_iwas (release);

CREATE TABLE onet_dwas (
    release TEXT NOT NULL,
    element_id TEXT NOT NULL,
    iwa_id TEXT NOT NULL,
    dwa_id TEXT NOT NULL,
    dwa_title TEXT NOT NULL
);
CREATE INDEX onet_dwas_release_idx ON onet_dwas (release);
CREATE INDEX onet_dwas_dwa_id_idx ON onet_dwas (dwa_id);

CREATE TABLE onet_task_dwas (
    release TEXT NOT NULL,
    code TEXT NOT NULL,
    task_id BIGINT NOT NULL,
    dwa_id TEXT NOT NULL,
    date TEXT,
    domain_source TEXT
);
CREATE INDEX onet_task_dwas_code_release_idx ON onet_task_dwas (code, release);
CREATE INDEX onet_task_dwas_release_idx ON onet_task_dwas (release);

CREATE TABLE onet_element_links (
    release TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_element_id TEXT NOT NULL,
    from_element_name TEXT NOT NULL,
    to_element_id TEXT NOT NULL,
    to_element_name TEXT NOT NULL
);
CREATE INDEX onet_element_links_release_kind_idx ON onet_element_links (release, kind);

CREATE TABLE onet_unspsc (
    release TEXT NOT NULL,
    commodity_code BIGINT NOT NULL,
    commodity_title TEXT NOT NULL,
    class_code BIGINT,
    class_title TEXT,
    family_code BIGINT,
    family_title TEXT,
    segment_code BIGINT,
    segment_title TEXT
);
CREATE INDEX onet_unspsc_release_idx ON onet_unspsc (release);

CREATE TABLE onet_riasec_keywords (
    release TEXT NOT NULL,
    element_id TEXT NOT NULL,
    element_name TEXT NOT NULL,
    keyword TEXT NOT NULL,
    keyword_type TEXT
);
CREATE INDEX onet_riasec_keywords_release_idx ON onet_riasec_keywords (release);

CREATE TABLE onet_interest_examples (
    release TEXT NOT NULL,
    kind TEXT NOT NULL,
    element_id TEXT NOT NULL,
    element_name TEXT NOT NULL,
    interest_type TEXT,
    example TEXT NOT NULL
);
CREATE INDEX onet_interest_examples_release_idx ON onet_interest_examples (release);

CREATE TABLE onet_survey_booklet (
    release TEXT NOT NULL,
    element_id TEXT NOT NULL,
    element_name TEXT NOT NULL,
    survey_item_number TEXT NOT NULL,
    scale_id TEXT NOT NULL
);
CREATE INDEX onet_survey_booklet_release_idx ON onet_survey_booklet (release);

CREATE TABLE source_releases (
    source TEXT NOT NULL,
    id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    title TEXT NOT NULL,
    published TEXT,
    origin TEXT NOT NULL,
    report JSONB NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, id)
);

CREATE TABLE data_versions (
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (name)
);

CREATE TABLE occupations (
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    release TEXT NOT NULL,
    soc_code TEXT NOT NULL,
    major_group TEXT NOT NULL,
    job_zone BIGINT,
    task_count BIGINT NOT NULL,
    rated_elements BIGINT NOT NULL,
    technology_count BIGINT NOT NULL,
    title_count BIGINT NOT NULL,
    framework_ready BOOLEAN NOT NULL,
    readiness_reason TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (code)
);
CREATE INDEX occupations_major_group_idx ON occupations (major_group);
CREATE INDEX occupations_job_zone_idx ON occupations (job_zone);

CREATE TABLE code_crosswalks (
    kind TEXT NOT NULL,
    from_code TEXT NOT NULL,
    from_title TEXT,
    to_code TEXT NOT NULL,
    to_title TEXT,
    PRIMARY KEY (kind, from_code, to_code)
);
CREATE INDEX code_crosswalks_kind_to_code_idx ON code_crosswalks (kind, to_code);

CREATE TABLE cip_programs (
    edition TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    definition TEXT,
    PRIMARY KEY (edition, code)
);

CREATE TABLE cip_soc (
    edition TEXT NOT NULL,
    cip_code TEXT NOT NULL,
    cip_title TEXT,
    soc_code TEXT NOT NULL,
    soc_title TEXT,
    PRIMARY KEY (edition, cip_code, soc_code)
);
CREATE INDEX cip_soc_soc_code_idx ON cip_soc (soc_code);

CREATE TABLE apprenticeships (
    rapids_code TEXT NOT NULL,
    title TEXT NOT NULL,
    code TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (rapids_code, code)
);
CREATE INDEX apprenticeships_code_idx ON apprenticeships (code);

CREATE TABLE aei_task_usage (
    release TEXT NOT NULL,
    task_norm TEXT NOT NULL,
    task TEXT NOT NULL,
    pct DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (release, task_norm)
);

CREATE TABLE aei_task_penetration (
    release TEXT NOT NULL,
    task_norm TEXT NOT NULL,
    task TEXT NOT NULL,
    penetration DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (release, task_norm)
);

CREATE TABLE aei_job_exposure (
    release TEXT NOT NULL,
    soc_code TEXT NOT NULL,
    title TEXT NOT NULL,
    observed_exposure DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (release, soc_code)
);

CREATE TABLE aei_interaction_types (
    release TEXT NOT NULL,
    interaction_type TEXT NOT NULL,
    pct DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (release, interaction_type)
);

CREATE TABLE aei_legacy_tasks (
    release TEXT NOT NULL,
    code_2010 TEXT NOT NULL,
    task_id BIGINT NOT NULL,
    task_norm TEXT NOT NULL,
    task TEXT NOT NULL
);
CREATE INDEX aei_legacy_tasks_task_norm_idx ON aei_legacy_tasks (task_norm);
CREATE INDEX aei_legacy_tasks_release_idx ON aei_legacy_tasks (release);

CREATE TABLE aei_task_matches (
    code TEXT NOT NULL,
    task_id BIGINT NOT NULL,
    onet_release TEXT NOT NULL,
    usage_release TEXT,
    usage_pct DOUBLE PRECISION,
    penetration_release TEXT,
    penetration DOUBLE PRECISION,
    method TEXT NOT NULL,
    PRIMARY KEY (code, task_id)
);

INSERT INTO data_versions (name, version, changed_at) VALUES ('catalog', 0, '1970-01-01T00:00:00Z');
