package dev.sluice.server.endpoint;

import dev.sluice.json.Json;
import dev.sluice.server.lifecycle.Lifecycle;
import dev.sluice.server.relay.ClientChannel;
import java.io.IOException;

/** {@code GET /readyz}: 200 when every registered dependency check passes, else 503 with the reason. */
public final class Probes {
  private Probes() {}

  public static void readyz(Lifecycle lifecycle, ClientChannel channel) throws IOException {
    Lifecycle.Readiness readiness = lifecycle.readiness();
    if (readiness.ready()) {
      channel.respond(200, "application/json", "{\"status\":\"ok\"}");
      return;
    }
    channel.respond(503, "application/json", Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("status", lifecycle.draining() ? "draining" : "unavailable");
      g.writeStringField("reason", readiness.reason());
      if (!readiness.failures().isEmpty()) {
        g.writeObjectFieldStart("checks");
        for (var failure : readiness.failures().entrySet()) g.writeStringField(failure.getKey(), failure.getValue());
        g.writeEndObject();
      }
      g.writeEndObject();
    }));
  }
}
