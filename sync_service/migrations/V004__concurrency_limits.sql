-- Global concurrency limits: the host each integration's syncs talk to, the host each run talked to, and
-- the limits each replica is configured with (the strictest of the live replicas' is in force).

-- The host of an HTTP_JSON integration's config.url (domain::TargetHost); NULL for DEMO. Written whenever
-- an integration is saved.
ALTER TABLE integrations ADD COLUMN target_host text;

-- The target host of the integration when this run was handed out (limited claims only; runs handed out
-- while no limit was in force leave it NULL and count with their integration's host). Kept on the run so
-- that editing an integration's url while it syncs does not move its running sync to another host's count.
ALTER TABLE sync_runs ADD COLUMN target_host text;

-- 0 = unlimited.
ALTER TABLE replicas ADD COLUMN max_concurrent_syncs integer NOT NULL DEFAULT 0 CHECK (max_concurrent_syncs >= 0);
ALTER TABLE replicas ADD COLUMN max_concurrent_syncs_per_host integer NOT NULL DEFAULT 0
  CHECK (max_concurrent_syncs_per_host >= 0);

-- Integrations saved before this migration: the same rules as domain::HostOfUrl (host lower-cased, without
-- user info, port, IPv6 brackets or trailing dots).
UPDATE integrations
SET target_host = NULLIF(rtrim(btrim(lower(substring(config->>'url'
      FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#]*@)?(\[[^]/?#]*\]|[^/?#:]*)')), '[]'), '.'), '')
WHERE type = 'HTTP_JSON';
