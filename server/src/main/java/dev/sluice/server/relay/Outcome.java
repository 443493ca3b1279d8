package dev.sluice.server.relay;

import dev.sluice.stream.FinishReason;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Usage;

/**
 * How one stream ended, for the access log and (later) the ledger.
 *
 * @param status {@code completed}, {@code aborted} (the client left), {@code failed}, {@code timeout} or
 *     {@code rejected}
 * @param finishReason set when completed
 * @param error set when not completed
 * @param usage the provider's usage, or an estimate
 */
public record Outcome(String status, FinishReason finishReason, GatewayError error, Usage usage) {

  /** Refused before any upstream call: bad input, unknown model. */
  public static Outcome rejected(GatewayError error) {
    return new Outcome("rejected", null, error, Usage.NONE);
  }
}
