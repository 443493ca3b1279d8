package dev.sluice.server;

import dev.sluice.server.relay.ClientChannel;
import dev.sluice.server.relay.DisconnectWatch;
import dev.sluice.server.telemetry.RequestTelemetry;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/** One HTTP exchange as the endpoints see it. */
record Exchange(
    String requestId, Request request, Response response, ClientChannel channel, DisconnectWatch watch, long acceptedAtNanos,
    RequestTelemetry telemetry,
    dev.sluice.server.ledger.RequestAccount account) {}
