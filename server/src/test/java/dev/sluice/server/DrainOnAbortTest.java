package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.Resilience;
import dev.sluice.server.config.ModelPolicy;
import dev.sluice.server.config.Timeouts;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code on_client_abort: drain}: after the client leaves, the upstream is read on to learn the real usage. */
class DrainOnAbortTest {
  FakeUpstream upstream;
  TestGateway gateway;

  @BeforeEach
  void start() throws Exception {
    upstream = FakeUpstream.start();
    gateway = TestGateway.start(b -> b.openAi("sk-upstream", upstream.baseUrl()).retry(LedgerContract.ONE_ATTEMPT)
        .aliases(Map.of("drained", "openai/gpt-4o-mini", "capped", "openai/gpt-4o-mini"))
        .modelPolicies(Map.of(
            "drained", new ModelPolicy(List.of(), Timeouts.DEFAULT, Resilience.MidStream.FAIL, Duration.ofSeconds(10)),
            "capped", new ModelPolicy(List.of(), Timeouts.DEFAULT, Resilience.MidStream.FAIL, Duration.ofMillis(200)))));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    upstream.close();
  }

  private void leaveAfterFirstWord(String model) throws Exception {
    try (Socket s = RawHttp.post(gateway.port(), "/v1/chat/completions",
        "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
      RawHttp.readUntil(s.getInputStream(), "one");
    }
  }

  @Test
  void aDrainingRouteRecordsTheProvidersRealUsageAfterTheClientLeft() throws Exception {
    upstream.enqueue(Script.openAiText("one", " two", " three", " four", " five").chunkDelay(Duration.ofMillis(40)));
    leaveAfterFirstWord("drained");
    var row = LedgerRows.await(gateway.ledger(), r -> r.size() == 1, 10_000).getFirst();
    assertThat(row.get("status")).isEqualTo("aborted");
    assertThat(LedgerRows.flag(row.get("estimated"))).isFalse();
    // The upstream's own final usage chunk: 9 prompt tokens, one per piece.
    assertThat(((Number) row.get("prompt_tokens")).longValue()).isEqualTo(Script.OPENAI_PROMPT_TOKENS);
    assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(5);
  }

  @Test
  void aDrainStopsAtItsCapAndEstimates() throws Exception {
    upstream.enqueue(Script.openAiText("one", " two", " three").hangAfterChunks(2));
    long start = System.nanoTime();
    leaveAfterFirstWord("capped");
    var row = LedgerRows.await(gateway.ledger(), r -> r.size() == 1, 10_000).getFirst();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(row.get("status")).isEqualTo("aborted");
    assertThat(LedgerRows.flag(row.get("estimated"))).isTrue();
    assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(1);
  }
}
