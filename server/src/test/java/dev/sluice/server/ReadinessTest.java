package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.server.lifecycle.ReadinessCheck;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code /readyz} answers from the registered dependency checks; {@code /healthz} only says the process is up. */
class ReadinessTest {

  @Test
  void readyWhileEveryRegisteredCheckPasses() throws Exception {
    try (TestGateway gateway = TestGateway.start(); ServerSocket dependency = new ServerSocket(0)) {
      gateway.server.lifecycle().readinessCheck("redis", ReadinessCheck.tcp("127.0.0.1", dependency.getLocalPort(),
          Duration.ofSeconds(2)));
      HttpResponse<String> r = gateway.get("/readyz");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"status\":\"ok\"}");
    }
  }

  @Test
  void unreadyWithTheReasonWhenADependencyIsUnreachable() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (TestGateway gateway = TestGateway.start()) {
      gateway.server.lifecycle().readinessCheck("ledger", () -> { });
      gateway.server.lifecycle().readinessCheck("redis", ReadinessCheck.tcp("127.0.0.1", closedPort, Duration.ofSeconds(2)));
      HttpResponse<String> r = gateway.get("/readyz");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
      JsonNode body = new ObjectMapper().readTree(r.body());
      assertThat(body.get("status").asText()).isEqualTo("unavailable");
      // The probe is open to anyone: a driver's or socket's text (hosts, ports, users) stays in the log.
      assertThat(body.get("reason").asText()).isEqualTo("redis: unavailable");
      assertThat(r.body()).doesNotContain(Integer.toString(closedPort)).doesNotContain("refused");
      assertThat(body.get("checks").has("ledger")).as("only the failing checks are listed").isFalse();
      // The gateway's own words about its state are shown.
      gateway.server.lifecycle().readinessCheck("ledger", () -> {
        throw new ReadinessCheck.NotReady("journaling: 3 rows wait for the database");
      });
      JsonNode both = new ObjectMapper().readTree(gateway.get("/readyz").body());
      assertThat(both.at("/checks/ledger").asText()).isEqualTo("journaling: 3 rows wait for the database");
      assertThat(gateway.get("/healthz").statusCode()).isEqualTo(200);
    }
  }
}
