-- The O*NET source tables carried an index on `release` alone beside their (code, release)
-- index. Only re-imports used it (to delete a release's rows before writing them again),
-- and a scan does that nearly as fast, while every imported row paid to maintain it.
DROP INDEX IF EXISTS onet_job_zones_release_idx;
DROP INDEX IF EXISTS onet_tasks_release_idx;
DROP INDEX IF EXISTS onet_task_ratings_release_idx;
DROP INDEX IF EXISTS onet_emerging_tasks_release_idx;
DROP INDEX IF EXISTS onet_ratings_release_domain_idx;
DROP INDEX IF EXISTS onet_technology_skills_release_idx;
DROP INDEX IF EXISTS onet_tools_release_idx;
DROP INDEX IF EXISTS onet_alternate_titles_release_idx;
DROP INDEX IF EXISTS onet_reported_titles_release_idx;
DROP INDEX IF EXISTS onet_related_occupations_release_idx;
DROP INDEX IF EXISTS onet_occupation_metadata_release_idx;
DROP INDEX IF EXISTS onet_task_dwas_release_idx;
