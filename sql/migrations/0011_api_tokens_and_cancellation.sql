-- Cancelling an import, and the tokens of the HTTP API.
--
-- A cancel request is recorded on the import row (cancel_requested_at). The
-- merge commits only for an import without one (queries/imports/merged.sql),
-- and the row lock makes the two exclusive: a request waits for a merge that
-- is committing, then finds the import succeeded and is refused. A run under
-- Dagster is then terminated through Dagster (it ends CANCELED there); one
-- that Dagster cannot stop (the CLI's, or no Dagster instance at hand) gets
-- stop_at_next_report, and its next progress report stops it.
ALTER TABLE imports ADD COLUMN cancel_requested_at timestamptz;
ALTER TABLE imports ADD COLUMN stop_at_next_report boolean NOT NULL DEFAULT false;
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'));

-- API tokens: only a SHA-256 of each is kept (a token is 256 random bits, so
-- a fast hash is enough: there is nothing to guess from a dictionary).
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL CHECK (name <> ''),
    token_hash   text        NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
-- One live token per name, so `token revoke NAME` means one token.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
