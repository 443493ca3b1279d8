package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.server.telemetry.Telemetry;
import dev.sluice.server.telemetry.Tracing;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Tracing is off without {@code OTEL_EXPORTER_OTLP_ENDPOINT}, and exports over OTLP/HTTP with it. */
class OtlpExportTest {

  record Export(String path, String contentType, byte[] body) {}

  @Test
  void offWithoutAnEndpoint() {
    try (Tracing tracing = Tracing.fromEnv(Map.of("PATH", "/usr/bin"))) {
      assertThat(tracing.enabled()).isFalse();
    }
  }

  @Test
  void exportsTheSpansToTheCollectorAtTheEndpoint() throws Exception {
    List<Export> exports = new CopyOnWriteArrayList<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/", exchange -> {
      exports.add(new Export(exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("Content-Type"),
          exchange.getRequestBody().readAllBytes()));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    collector.start();
    try {
      Tracing tracing = Tracing.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT",
          "http://127.0.0.1:" + collector.getAddress().getPort(), "OTEL_SERVICE_NAME", "sluice-otlp-test"));
      assertThat(tracing.enabled()).isTrue();
      try (TestGateway gateway = TestGateway.start(b -> b, new Telemetry(tracing))) {
        assertThat(gateway.postJson("/v1/chat/completions", MetricsTest.chat("sim/echo")).statusCode()).isEqualTo(200);
      }
      // Stopping the gateway flushed the batch: the spans reached the collector.
      assertThat(exports).isNotEmpty();
      Export traces = exports.stream().filter(e -> e.path().equals("/v1/traces")).findFirst().orElseThrow();
      assertThat(traces.contentType()).isEqualTo("application/x-protobuf");
      String body = new String(traces.body(), StandardCharsets.ISO_8859_1);
      assertThat(body).contains("sluice-otlp-test").contains("gen_ai.request.model").contains("POST /v1/chat/completions");
    } finally {
      collector.stop(0);
    }
  }
}
