package dev.sluice.server.relay;

import dev.sluice.stream.FinishReason;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Usage;

/**
 * How one stream ended, for the access log and the ledger.
 *
 * @param status {@code completed}, {@code aborted} (the client left), {@code failed}, {@code timeout} or
 *     {@code rejected}
 * @param finishReason set when completed
 * @param error set when not completed
 * @param usage the provider's usage, or an estimate
 * @param model {@code provider/model} that answered, or null when none started
 * @param retries failed attempts before one answered (or before giving up)
 * @param ttftMillis time to first token as the client saw it, or -1 when no token was sent
 */
public record Outcome(String status, FinishReason finishReason, GatewayError error, Usage usage, String model,
    int retries, long ttftMillis) {

  /** Refused before any upstream call: bad input, unknown model, no key, over a limit. */
  public static Outcome rejected(GatewayError error) {
    return new Outcome("rejected", null, error, Usage.NONE, null, 0, -1);
  }
}
