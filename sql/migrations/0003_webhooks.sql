-- Webhook endpoints, one delivery per (event, endpoint), and every attempt.

CREATE TABLE webhook_endpoints (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url                  text        NOT NULL,
    event_types          text[]      NOT NULL,
    enabled              boolean     NOT NULL DEFAULT true,
    disabled_reason      text,
    secret               text        NOT NULL,  -- whsec_ + base64 of 32 random bytes
    consecutive_failures integer     NOT NULL DEFAULT 0,
    last_delivery_at     timestamptz,
    last_status          integer,
    last_response_ms     integer,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Events not yet turned into deliveries. A flag rather than a cursor on
-- events.id: ids are taken before commit, so a cursor would skip an event
-- whose transaction committed after a later one's.
ALTER TABLE events ADD COLUMN fanned_out boolean NOT NULL DEFAULT false;
CREATE INDEX events_to_fan_out ON events (id) WHERE NOT fanned_out;

CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        bigint      NOT NULL REFERENCES events (id),
    endpoint_id     bigint      NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id      text        NOT NULL,  -- the webhook-id header: the same on every retry
    status          text        NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,           -- a worker holds it until then; after a crash it is retried
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (leased_until) WHERE status = 'delivering';

CREATE TABLE webhook_attempts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id      bigint REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id      bigint REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         bigint REFERENCES events (id),
    event_type       text        NOT NULL,
    message_id       text        NOT NULL,
    attempt          integer     NOT NULL,
    attempted_at     timestamptz NOT NULL DEFAULT now(),
    succeeded        boolean     NOT NULL,
    http_status      integer,
    response_ms      integer,
    error            text,
    response_excerpt text
);
CREATE INDEX webhook_attempts_recent ON webhook_attempts (attempted_at DESC);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, attempted_at DESC);
