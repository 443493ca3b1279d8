package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.policy.BreakerSettings;
import dev.sluice.policy.CircuitBreakers;
import dev.sluice.policy.Resilience;
import dev.sluice.policy.RetryPolicy;
import dev.sluice.server.config.CompatibleProvider;
import dev.sluice.server.config.ModelPolicy;
import dev.sluice.server.config.SluiceConfig;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fallback chains, circuit breakers, the retry budget and cancellation during a backoff, through the
 * whole gateway: alias {@code fast} targets {@code openai/gpt-4o} on one fake upstream and falls back
 * to {@code backup/small} on another.
 */
// A broken policy must fail a test, not hang it.
@Timeout(20)
class ResilienceTest {
  private static final String BACKUP_MODEL = "small-2026-01";
  private static final String FAST = "{\"model\":\"fast\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  FakeUpstream target;
  FakeUpstream backup;
  TestGateway gateway;

  @BeforeEach
  void upstreams() {
    target = FakeUpstream.start();
    backup = FakeUpstream.start();
    backup.setDefault(backupAnswer());
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) gateway.close();
    target.close();
    backup.close();
  }

  /** The backup's answer, from a model whose name differs from the target's. */
  static Script backupAnswer() {
    String head = "{\"id\":\"chatcmpl-b\",\"object\":\"chat.completion.chunk\",\"created\":2,\"model\":\"" + BACKUP_MODEL + "\",";
    return Script.sse(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}",
        head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"from backup\"},\"finish_reason\":null}]}",
        head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
  }

  private void start(RetryPolicy retry, BreakerSettings breaker) throws Exception {
    start(b -> b.retry(retry).circuitBreaker(breaker));
  }

  private void start(UnaryOperator<SluiceConfig.Builder> more) throws Exception {
    gateway = TestGateway.start(b -> more.apply(b.openAi("sk-test", target.baseUrl()).heartbeat(Duration.ZERO)
        .timeouts(FaultMatrixTest.TIMEOUTS)
        .providers(List.of(new CompatibleProvider("backup", "openai", backup.baseUrl(), null, List.of("small"))))
        .aliases(Map.of("fast", "openai/gpt-4o"))
        .modelPolicies(Map.of("fast", new ModelPolicy(List.of("backup/small"), FaultMatrixTest.TIMEOUTS)))));
  }

  private static Script unavailable() {
    return Script.json(503, "{\"error\":{\"message\":\"busy\",\"type\":\"server_error\"}}");
  }

  @Test
  void whenTheTargetsAttemptsAreSpentTheFallbackAnswersAndTheResponseNamesIt() throws Exception {
    start(FaultMatrixTest.RETRY, FaultMatrixTest.NO_BREAKER);
    for (int i = 0; i < 3; i++) target.enqueue(unavailable());
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions", FAST);
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> data = ChatCompletionsEndpointTest.dataLines(r.body());
    assertThat(OpenAiUpstreamTest.fold(data).content()).isEqualTo("from backup");
    assertThat(Json.MAPPER.readTree(data.getFirst()).get("model").asText()).isEqualTo(BACKUP_MODEL);
    assertThat(data.getLast()).isEqualTo("[DONE]");
    assertThat(target.requests()).hasSize(3);
    assertThat(backup.requests()).hasSize(1);
    assertThat(backup.requests().getFirst().bodyJson().get("model").asText()).isEqualTo("small");

    // The browser dialect names provider and model of the answer.
    for (int i = 0; i < 3; i++) target.enqueue(unavailable());
    List<BrowserEndpointTest.Event> events = BrowserEndpointTest.events(gateway.get("/api/chat/stream?prompt=hi&model=fast").body());
    assertThat(events.getFirst().data().get("model").asText()).isEqualTo("backup/" + BACKUP_MODEL);
    assertThat(events.getLast().data().get("done").asBoolean()).isTrue();
  }

  @Test
  void anOpenBreakerSendsRequestsStraightToTheFallbackUntilAProbeClosesIt() throws Exception {
    Duration cooldown = Duration.ofMillis(400);
    start(new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5), Duration.ofSeconds(1)),
        new BreakerSettings(true, 2, cooldown, 1));
    CircuitBreakers breakers = gateway.server.resilience().breakers();
    target.enqueue(unavailable());
    target.enqueue(unavailable());
    assertThat(gateway.postJson("/v1/chat/completions", FAST).body()).contains("from backup");
    assertThat(breakers.state("openai/gpt-4o")).isEqualTo(CircuitBreakers.State.CLOSED);
    assertThat(gateway.postJson("/v1/chat/completions", FAST).body()).contains("from backup");
    assertThat(breakers.state("openai/gpt-4o")).isEqualTo(CircuitBreakers.State.OPEN);
    long openedAt = System.nanoTime();

    // Open: zero calls to the broken upstream.
    HttpResponse<String> skipped = gateway.postJson("/v1/chat/completions", FAST);
    assertThat(skipped.body()).contains("from backup");
    assertThat(target.requests()).hasSize(2);
    assertThat(backup.requests()).hasSize(3);

    // After the cooldown (waited for exactly, it is the behaviour under test) one probe goes through.
    long left = cooldown.toNanos() - (System.nanoTime() - openedAt);
    if (left > 0) TimeUnit.NANOSECONDS.sleep(left + TimeUnit.MILLISECONDS.toNanos(20));
    target.enqueue(Script.openAiText("target", " is back"));
    HttpResponse<String> probe = gateway.postJson("/v1/chat/completions", FAST);
    assertThat(OpenAiUpstreamTest.fold(ChatCompletionsEndpointTest.dataLines(probe.body())).content())
        .isEqualTo("target is back");
    assertThat(target.requests()).hasSize(3);
    assertThat(breakers.state("openai/gpt-4o")).isEqualTo(CircuitBreakers.State.CLOSED);
  }

  @Test
  void whenEveryCandidatesBreakerIsOpenTheClientGetsA503AtOnce() throws Exception {
    start(new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5), Duration.ofSeconds(1)),
        new BreakerSettings(true, 1, Duration.ofMinutes(1), 1));
    target.enqueue(unavailable());
    backup.enqueue(unavailable());
    assertThat(gateway.postJson("/v1/chat/completions", FAST).statusCode()).isEqualTo(503);
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions", FAST);
    assertThat(r.statusCode()).isEqualTo(503);
    JsonNode error = Json.MAPPER.readTree(r.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("circuit_open");
    assertThat(error.get("message").asText()).contains("openai/gpt-4o", "backup/small");
    assertThat(target.requests()).hasSize(1);
    assertThat(backup.requests()).hasSize(1);
  }

  @Test
  void aRetryAfterBeyondTheRemainingBudgetIsNotWaitedFor() throws Exception {
    // Retry-After 20 s is within max_retry_after (60 s) but beyond the 1 s budget: no wait.
    start(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(1), Duration.ofSeconds(60)),
        FaultMatrixTest.NO_BREAKER);
    Script limited = Script.json(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\"}}").header("retry-after", "20");
    target.enqueue(limited);
    long t0 = System.nanoTime();
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions", FAST);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    assertThat(r.body()).contains("from backup");
    assertThat(target.requests()).hasSize(1);

    // With no fallback left, the client gets the 429 at once, with the upstream's Retry-After.
    target.enqueue(limited);
    t0 = System.nanoTime();
    HttpResponse<String> direct = gateway.postJson("/v1/chat/completions",
        OpenAiUpstreamTest.request("openai/gpt-4o", false));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    assertThat(direct.statusCode()).isEqualTo(429);
    assertThat(direct.headers().firstValue("retry-after")).hasValue("20");
    assertThat(target.requests()).hasSize(2);
  }

  @Test
  void aClientThatLeavesDuringABackoffEndsTheRetriesAtOnce() throws Exception {
    // A 1 s Retry-After keeps the request waiting; the client leaves during the wait. (That the wait
    // itself ends within milliseconds of the cancel is RetryingStreamTest's, timed precisely.)
    start(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(30), Duration.ofSeconds(30)),
        FaultMatrixTest.NO_BREAKER);
    target.enqueue(Script.json(429, "{\"error\":{\"message\":\"slow down\"}}").header("retry-after", "1"));
    try (Socket client = RawHttp.post(gateway.port(), "/v1/chat/completions",
        OpenAiUpstreamTest.request("openai/gpt-4o", false))) {
      RecordedRequest first = target.awaitRequest(Duration.ofSeconds(5));
      assertThat(first).isNotNull();
    }
    // No second attempt and no fallback after the wait: the request ended when its client left.
    assertThatThrownBy(() -> target.awaitRequest(Duration.ofMillis(1500))).isInstanceOf(AssertionError.class);
    assertThat(backup.requests()).isEmpty();
  }

  @Test
  void anOptedInRouteContinuesAStreamThatBrokeMidWayWithoutDuplicates() throws Exception {
    start(b -> b.retry(FaultMatrixTest.RETRY).circuitBreaker(FaultMatrixTest.NO_BREAKER).modelPolicies(Map.of("fast",
        new ModelPolicy(List.of("backup/small"), FaultMatrixTest.TIMEOUTS, Resilience.MidStream.CONTINUE))));
    target.enqueue(Script.openAiText("one", " two", " three").chunkDelay(Duration.ofMillis(30)).resetAfterChunks(3));
    // The continuation starts over despite the instruction; the gateway drops what the client has.
    target.enqueue(Script.openAiText("one two", " three", " four"));
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions", FAST);
    List<String> data = ChatCompletionsEndpointTest.dataLines(r.body());
    assertThat(OpenAiUpstreamTest.fold(data).content()).isEqualTo("one two three four");
    assertThat(data).filteredOn(d -> d.contains("\"role\"")).hasSize(1);
    assertThat(data).noneMatch(d -> d.contains("\"error\""));
    assertThat(data.getLast()).isEqualTo("[DONE]");
    JsonNode asked = target.requests().get(1).bodyJson().get("messages");
    assertThat(asked.get(asked.size() - 2).get("role").asText()).isEqualTo("assistant");
    assertThat(asked.get(asked.size() - 2).get("content").asText()).isEqualTo("one two");
    assertThat(asked.get(asked.size() - 1).get("role").asText()).isEqualTo("user");
    assertThat(backup.requests()).isEmpty();
  }

  @Test
  void anOptedInRouteContinuesAfterAStallToo() throws Exception {
    start(b -> b.retry(FaultMatrixTest.RETRY).circuitBreaker(FaultMatrixTest.NO_BREAKER).modelPolicies(Map.of("fast",
        new ModelPolicy(List.of("backup/small"), FaultMatrixTest.TIMEOUTS, Resilience.MidStream.CONTINUE))));
    target.enqueue(Script.openAiText("one", " two", " three").hangAfterChunks(3));
    target.enqueue(Script.openAiText(" three"));
    List<BrowserEndpointTest.Event> events = BrowserEndpointTest.events(gateway.get("/api/chat/stream?prompt=hi&model=fast").body());
    var text = new StringBuilder();
    events.forEach(e -> text.append(e.data().path("content").asText("")));
    assertThat(text.toString()).isEqualTo("one two three");
    assertThat(events).filteredOn(e -> e.data().has("stream")).hasSize(1);
    assertThat(events.getLast().data().get("done").asBoolean()).isTrue();
    assertThat(target.requests()).hasSize(2);
    assertThat(target.requests().getFirst().clientGone().get(5, TimeUnit.SECONDS)).isNotNull();
  }
}
