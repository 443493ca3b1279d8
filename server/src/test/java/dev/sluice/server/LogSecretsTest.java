package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.policy.RetryPolicy;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Secrets and message content never reach the logs. Runs representative requests carrying
 * distinctive fake secrets (provider keys echoed back by upstream errors, virtual keys in both auth
 * headers) and content, then scans everything logged so far: logback-test.xml sends every logger, at
 * DEBUG for Sluice's own, to one file per build in the production JSON format, and the build runs
 * this test alone after all the others (server/pom.xml, execution {@code scan-test-logs}), so the
 * scan covers the whole test run.
 */
class LogSecretsTest {
  static final String OPENAI_SECRET = "sk-proj-LOGSCAN-openai-7d41c9e2";
  static final String ANTHROPIC_SECRET = "sk-ant-LOGSCAN-anthropic-93be0f15";
  static final String VIRTUAL_SECRET = "sk-sluice-LOGSCAN-virtual-51aa6c03";
  static final String CONTENT = "LOGSCAN-content-marker-2fd8";

  static Path capturedLog() {
    return Path.of(System.getProperty("sluice.test.log", "target/test-logs/server-tests.jsonl"));
  }

  @Test
  void noSecretOrContentInAnyLogLine() throws Exception {
    var requestIds = new ArrayList<String>();
    var retry = new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(10));
    try (FakeUpstream openAi = FakeUpstream.start();
        FakeUpstream anthropic = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi(OPENAI_SECRET, openAi.baseUrl())
            .anthropic(ANTHROPIC_SECRET, anthropic.baseUrl().resolve("/")).retry(retry))) {
      String chat = "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
          + CONTENT + "\"}]}";
      String messages = "{\"model\":\"anthropic/claude-haiku-4-5\",\"max_tokens\":50,\"stream\":true,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"" + CONTENT + "\"}]}";
      // A success; upstreams that echo the key back in 401s and 500s (retried, then failed); a
      // stream that breaks mid-way; Anthropic's success and overload; the sim via the browser.
      openAi.enqueue(Script.openAiText("fine ", "answer"));
      requestIds.add(send(gateway, "/v1/chat/completions", chat, 200));
      openAi.enqueue(Script.json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + OPENAI_SECRET
          + ".\",\"type\":\"invalid_request_error\"}}"));
      requestIds.add(send(gateway, "/v1/chat/completions", chat, 502));
      openAi.enqueue(Script.json(500, "{\"error\":{\"message\":\"failed for Bearer " + OPENAI_SECRET + "\"}}"));
      openAi.enqueue(Script.json(500, "{\"error\":{\"message\":\"failed for Bearer " + OPENAI_SECRET + "\"}}"));
      requestIds.add(send(gateway, "/v1/chat/completions", chat, 502));
      openAi.enqueue(Script.openAiText("one ", "two ", "three").resetAfterChunks(2));
      requestIds.add(send(gateway, "/v1/chat/completions", chat, 200));
      anthropic.enqueue(Script.fromFixture("fixtures/anthropic/text.sse"));
      requestIds.add(send(gateway, "/v1/messages", messages, 200));
      anthropic.enqueue(Script.json(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
          + "\"message\":\"invalid x-api-key " + ANTHROPIC_SECRET + "\"}}"));
      requestIds.add(send(gateway, "/v1/messages", messages, 502));
      requestIds.add(send(gateway, "/api/chat/stream?model=sim/echo&prompt="
          + URLEncoder.encode(CONTENT, StandardCharsets.UTF_8), null, 200));
      requestIds.add(send(gateway, "/v1/chat/completions", "{\"model\":\"nobody/" + CONTENT + "\",\"messages\":[]}", 400));
    }

    List<String> lines = Files.readAllLines(capturedLog(), StandardCharsets.UTF_8);
    var mapper = new ObjectMapper();
    var accessed = new ArrayList<String>();
    for (String line : lines) {
      JsonNode event = mapper.readTree(line);
      assertThat(event.has("ts") && event.has("level") && event.has("logger") && event.has("msg"))
          .as("a JSON log line: %s", line).isTrue();
      if (event.get("logger").asText().equals("sluice.access")) accessed.add(event.get("request_id").asText());
    }
    assertThat(accessed).as("the scan covers this test's own access lines").containsAll(requestIds);
    String all = String.join("\n", lines);
    assertThat(all).doesNotContain(OPENAI_SECRET).doesNotContain(ANTHROPIC_SECRET).doesNotContain(VIRTUAL_SECRET)
        .doesNotContain(CONTENT);
    // The keys the other tests give their gateways and upstreams, when the file holds their run too.
    for (String key : List.of(OpenAiUpstreamTest.KEY, "sk-ant-upstream", "sk-ant-client", "sk-ant-env", "sk-proxy",
        "sk-upstream", "sk-client", "sk-test", "sk-not-used-by-sim")) {
      assertThat(all).as("a test's key in the logs").doesNotContain(key);
    }
  }

  /** Sends with the virtual key in both auth headers; returns the request id. */
  private static String send(TestGateway gateway, String path, String json, int status) throws Exception {
    var request = HttpRequest.newBuilder(gateway.uri(path)).header("Authorization", "Bearer " + VIRTUAL_SECRET)
        .header("x-api-key", VIRTUAL_SECRET);
    if (json == null) request.GET();
    else request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    HttpResponse<String> r = gateway.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(status);
    return r.headers().firstValue("x-request-id").orElseThrow();
  }
}
