package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.json.Json;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Malformed input gets a 4xx in the caller's dialect and a {@code rejected} row, never a 500 or a {@code failed} row. */
class BadInputTest {
  static final String ADMIN = "admin-secret-for-bad-input-tests";
  Path dir;
  TestGateway gateway;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory("sluice-bad-input-");
    gateway = TestGateway.start(b -> b.accounting(
        b.build().accounting().withDbUrl("jdbc:sqlite:" + dir.resolve("sluice.db")).withAdminKey(ADMIN)));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    TestGateway.deleteTree(dir);
  }

  @Test
  void aBrokenPercentEncodingInTheBrowserStreamIsAnErrorEventAndARejectedRow() throws Exception {
    String r = get("/api/chat/stream?prompt=%zz&model=sim/echo");
    assertThat(RawHttp.status(r)).isLessThan(500);
    assertThat(RawHttp.body(r)).contains("\"error\"", "not valid URL encoding");
    List<Map<String, Object>> rows = LedgerRows.await(gateway.ledger(), all -> !all.isEmpty(), 5_000);
    assertThat(rows).extracting(row -> row.get("status")).containsExactly("rejected");
  }

  @Test
  void aBrokenPercentEncodingInAUsageQueryIsA400() throws Exception {
    String r = get("/v1/usage?from=%zz");
    assertThat(RawHttp.status(r)).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(RawHttp.body(r)).at("/error/type").asText()).isEqualTo("invalid_request_error");
  }

  @Test
  void aBrokenPercentEncodingInAResumeIsA400() throws Exception {
    assertThat(RawHttp.status(get("/api/streams/st_1?after=%zz"))).isEqualTo(400);
  }

  @Test
  void anAbsurdBudgetOrAnUnstorableNameIsA400ThatNamesTheField() throws Exception {
    HttpResponse<String> huge = send("POST", "/admin/keys", "{\"name\":\"rich\",\"budget_usd\":1e30}");
    assertThat(huge.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(huge.body()).at("/error/param").asText()).isEqualTo("budget_usd");
    HttpResponse<String> nul = send("POST", "/admin/keys", "{\"name\":\"a\\u0000b\"}");
    assertThat(nul.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(nul.body()).at("/error/param").asText()).isEqualTo("name");
    HttpResponse<String> longModel = send("POST", "/admin/keys", "{\"name\":\"m\",\"models\":[\"" + "m".repeat(300) + "\"]}");
    assertThat(longModel.statusCode()).isEqualTo(400);
    assertThat(send("POST", "/admin/keys", "{\"name\":\"fine\",\"budget_usd\":\"1000000\"}").statusCode()).isEqualTo(201);
  }

  /** A GET that java.net.URI would refuse to build, sent as it is. */
  private String get(String pathAndQuery) throws Exception {
    return RawHttp.exchange(gateway.port(), "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: Bearer " + ADMIN + "\r\n", new byte[0]);
  }

  private HttpResponse<String> send(String method, String path, String json) throws Exception {
    var b = HttpRequest.newBuilder(gateway.uri(path)).header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + ADMIN)
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    return gateway.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
