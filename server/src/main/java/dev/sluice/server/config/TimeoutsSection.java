package dev.sluice.server.config;

import java.time.Duration;

/** {@code timeouts:}, globally or under one alias: each deadline present overrides the base's. */
record TimeoutsSection(Duration connect, Duration headers, Duration firstToken, Duration idle, Duration total) {
  Timeouts over(Timeouts base, String path) {
    return new Timeouts(
        connect == null ? base.connect() : Checks.positive(connect, path + ".connect"),
        headers == null ? base.headers() : Checks.positive(headers, path + ".headers"),
        firstToken == null ? base.firstToken() : Checks.positive(firstToken, path + ".first_token"),
        idle == null ? base.idle() : Checks.positive(idle, path + ".idle"),
        total == null ? base.total() : Checks.positive(total, path + ".total"));
  }
}
