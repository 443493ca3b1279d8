package dev.sluice.server.http;

import dev.sluice.route.ModelRouter;
import dev.sluice.server.config.SluiceConfig;
import dev.sluice.server.guard.Guard;
import dev.sluice.server.ledger.Accountant;
import dev.sluice.server.ledger.UsageQuery;
import dev.sluice.server.lifecycle.Lifecycle;
import dev.sluice.server.relay.RelayTimer;
import dev.sluice.server.resume.StreamRegistry;
import dev.sluice.server.telemetry.Telemetry;
import dev.sluice.server.upstream.Upstreams;

/** What the endpoints share for the server's lifetime (the relays' one timer included). */
public record Gateway(SluiceConfig config, ModelRouter router, StreamRegistry streams, Upstreams upstreams,
    Telemetry telemetry, Lifecycle lifecycle,
    Accountant accountant, UsageQuery usage,
    Guard guard, RelayTimer relayTimer) {}
