package dev.sluice.server;

import dev.sluice.route.ModelRouter;
import dev.sluice.server.config.SluiceConfig;
import dev.sluice.server.lifecycle.Lifecycle;
import dev.sluice.server.telemetry.Telemetry;

/** What the endpoints share for the server's lifetime. */
record Gateway(SluiceConfig config, ModelRouter router, StreamRegistry streams, Upstreams upstreams,
    Telemetry telemetry, Lifecycle lifecycle,
    dev.sluice.server.ledger.Accountant accountant, dev.sluice.server.ledger.UsageQuery usage,
    dev.sluice.server.guard.Guard guard) {}
