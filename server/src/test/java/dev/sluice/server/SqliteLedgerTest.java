package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.config.Accounting;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The ledger on the embedded default: SQLite in WAL mode, in the test gateway's own folder. */
class SqliteLedgerTest extends LedgerContract {
  @Override
  Accounting freshLedger(Accounting base) {
    return base;
  }

  @Test
  void recordsATimeoutRowWhenTheFirstTokenNeverComes() throws Exception {
    try (FakeUpstream slow = FakeUpstream.start();
        TestGateway strict = TestGateway.start(b -> b.openAi("sk-upstream", slow.baseUrl()).retry(ONE_ATTEMPT)
            .timeouts(FaultMatrixTest.TIMEOUTS))) {
      slow.enqueue(Script.openAiText("late").firstChunkDelay(Duration.ofSeconds(3)));
      assertThat(strict.postJson("/v1/chat/completions", chat("openai/gpt-4o-mini", true)).statusCode()).isEqualTo(504);
      var row = LedgerRows.all(strict.ledger()).getFirst();
      assertThat(row.get("status")).isEqualTo("timeout");
      assertThat(row.get("error_type")).isEqualTo("upstream_timeout");
      assertThat(row.get("ttft_ms")).isNull();
    }
  }
}
