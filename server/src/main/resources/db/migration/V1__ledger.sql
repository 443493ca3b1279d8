-- One row per request, whatever its end. Portable SQL: runs on SQLite and PostgreSQL.
-- Times are epoch milliseconds (UTC); day is the UTC date of the start, for grouping and ranges.
-- Costs are whole pico-dollars (1e-12 USD): exact, and exact when summed.
CREATE TABLE usage_ledger (
  request_id        VARCHAR(64)  PRIMARY KEY,
  key_id            VARCHAR(64),
  provider          VARCHAR(128),
  model             VARCHAR(256),
  start_ms          BIGINT       NOT NULL,
  end_ms            BIGINT       NOT NULL,
  day               CHAR(10)     NOT NULL,
  ttft_ms           BIGINT,
  prompt_tokens     BIGINT       NOT NULL,
  completion_tokens BIGINT       NOT NULL,
  cached_tokens     BIGINT       NOT NULL,
  cache_write_tokens BIGINT      NOT NULL,
  reasoning_tokens  BIGINT       NOT NULL,
  estimated         BOOLEAN      NOT NULL,
  cost_picousd      BIGINT,
  retries           INTEGER      NOT NULL,
  finish_reason     VARCHAR(32),
  error_type        VARCHAR(64),
  status            VARCHAR(16)  NOT NULL
);
CREATE INDEX usage_ledger_day ON usage_ledger (day);
CREATE INDEX usage_ledger_key_day ON usage_ledger (key_id, day);

-- Virtual keys. The secret is never stored: only its SHA-256 (the secret has 256 bits of entropy,
-- so a fast hash cannot be brute-forced, and lookup by hash is one indexed read per request).
CREATE TABLE virtual_keys (
  id            VARCHAR(64)  PRIMARY KEY,
  name          VARCHAR(256) NOT NULL,
  secret_hash   CHAR(64)     NOT NULL UNIQUE,
  hint          VARCHAR(32)  NOT NULL,
  budget_picousd BIGINT,
  budget_period VARCHAR(8),
  rpm           INTEGER,
  tpm           BIGINT,
  models        TEXT,
  created_ms    BIGINT       NOT NULL,
  revoked_ms    BIGINT
);
