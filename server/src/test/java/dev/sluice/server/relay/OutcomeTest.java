package dev.sluice.server.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import org.junit.jupiter.api.Test;

/** How a stream ended, in the words the ledger, the metrics and the access log have always used. */
class OutcomeTest {

  @Test
  void eachStatusIsTheLowerCaseWordOfTheLedgerAndTheMetrics() {
    assertThat(Outcome.Status.values()).extracting(Outcome.Status::word)
        .containsExactly("completed", "aborted", "failed", "timeout", "rejected");
  }

  @Test
  void aFailureEndsAsAnAbortATimeoutOrAFailureByItsType() {
    assertThat(Outcome.Status.ofFailure(GatewayError.clientDisconnected("gone"))).isEqualTo(Outcome.Status.ABORTED);
    assertThat(Outcome.Status.ofFailure(GatewayError.of(ErrorType.UPSTREAM_TIMEOUT, "idle")))
        .isEqualTo(Outcome.Status.TIMEOUT);
    assertThat(Outcome.Status.ofFailure(GatewayError.of(ErrorType.UPSTREAM_ERROR, "reset")))
        .isEqualTo(Outcome.Status.FAILED);
    assertThat(Outcome.Status.ofFailure(GatewayError.of(ErrorType.UPSTREAM_OVERLOADED, "shutting down")))
        .isEqualTo(Outcome.Status.FAILED);
  }
}
