package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.json.Json;
import dev.sluice.server.config.EdgeSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Open mode is safe from the operator's own browser: pages of other sites and rebound host names
 * are refused before anything starts; clients that are not browsers are served as before.
 */
class CrossSiteTest {
  private static final String CHAT = "{\"model\":\"sim/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(); // listens on 127.0.0.1, no key: open mode
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void refusesAnImageTagThatStartsAGenerationFromAnotherSite() throws Exception {
    String response = exchange("GET /api/chat/stream?prompt=spend&model=sim/echo HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.port()
        + "\r\nSec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\nSec-Fetch-Dest: image\r\n");
    assertThat(RawHttp.status(response)).isEqualTo(403);
    assertThat(RawHttp.body(response)).contains("Cross-site request refused", "permission_error").doesNotContain("data:");
    assertThat(rejectedRows()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void refusesAForeignOriginInEachDialect() throws Exception {
    String openAi = post("/v1/chat/completions", "Origin: https://evil.example\r\n");
    assertThat(RawHttp.status(openAi)).isEqualTo(403);
    assertThat(Json.MAPPER.readTree(RawHttp.body(openAi)).at("/error/code").asText()).isEqualTo("cross_site_request");
    String anthropic = post("/v1/messages", "Origin: https://evil.example\r\n");
    assertThat(RawHttp.status(anthropic)).isEqualTo(403);
    assertThat(Json.MAPPER.readTree(RawHttp.body(anthropic)).at("/error/type").asText()).isEqualTo("permission_error");
    assertThat(Json.MAPPER.readTree(RawHttp.body(anthropic)).at("/type").asText()).isEqualTo("error");
    // A sandboxed frame or a file sends "null": never the gateway's own origin.
    assertThat(RawHttp.status(post("/v1/chat/completions", "Origin: null\r\n"))).isEqualTo(403);
    // Another port on the same machine is another origin.
    assertThat(RawHttp.status(post("/v1/chat/completions", "Origin: http://127.0.0.1:1\r\n"))).isEqualTo(403);
  }

  @Test
  void servesThePagesOfItsOwnOrigin() throws Exception {
    String own = post("/v1/chat/completions", "Origin: http://127.0.0.1:" + gateway.port() + "\r\nSec-Fetch-Site: same-origin\r\n");
    assertThat(RawHttp.status(own)).isEqualTo(200);
    assertThat(RawHttp.body(own)).contains("\"content\":\"hi\"");
  }

  @Test
  void servesClientsThatAreNotBrowsersAsBefore() throws Exception {
    assertThat(RawHttp.status(post("/v1/chat/completions", ""))).isEqualTo(200);
    assertThat(gateway.postJson("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
  }

  @Test
  void refusesAHostNameThatIsNotLoopbackWhileListeningOnLoopback() throws Exception {
    // A DNS-rebinding page reaches 127.0.0.1 under its own name, which the browser sends as Host.
    String rebound = exchange("GET /v1/models HTTP/1.1\r\nHost: attacker.example:" + gateway.port() + "\r\n");
    assertThat(RawHttp.status(rebound)).isEqualTo(403);
    assertThat(RawHttp.body(rebound)).contains("host_not_allowed").doesNotContain("sim/");
    for (String host : List.of("localhost", "127.0.0.1", "127.1.2.3", "[::1]", "chat.localhost")) {
      String served = exchange("GET /v1/models HTTP/1.1\r\nHost: " + host + ":" + gateway.port() + "\r\n");
      assertThat(RawHttp.status(served)).as(host).isEqualTo(200);
    }
  }

  private static String post(String path, String extraHeaders) throws IOException {
    byte[] body = CHAT.replace("}]}", "}],\"max_tokens\":64}").getBytes(StandardCharsets.UTF_8);
    return exchange("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.port() + "\r\n" + extraHeaders
        + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n", body);
  }

  private static String exchange(String head) throws IOException {
    return exchange(head, new byte[0]);
  }

  private static String exchange(String head, byte[] body) throws IOException {
    return RawHttp.exchange(gateway.port(), head, body);
  }

  private static long rejectedRows() throws Exception {
    List<Map<String, Object>> rows = LedgerRows.await(gateway.ledger(),
        all -> all.stream().anyMatch(r -> "rejected".equals(r.get("status"))), 5_000);
    return rows.stream().filter(r -> "rejected".equals(r.get("status"))).count();
  }

  @Test
  void servesTheConfiguredOriginsAndHostsBehindAProxy() throws Exception {
    try (TestGateway behindProxy = TestGateway.start(b -> b.edge(
        new EdgeSettings(List.of("https://chat.example.com"), List.of("gateway.example.com"))))) {
      byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
      String allowed = RawHttp.exchange(behindProxy.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: gateway.example.com\r\n"
          + "Origin: https://chat.example.com\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n", body);
      assertThat(RawHttp.status(allowed)).isEqualTo(200);
      String other = RawHttp.exchange(behindProxy.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: gateway.example.com\r\n"
          + "Origin: https://other.example.com\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n", body);
      assertThat(RawHttp.status(other)).isEqualTo(403);
    }
  }
}
