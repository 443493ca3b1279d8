package dev.sluice.server.relay;

import dev.sluice.stream.FinishReason;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Usage;

/**
 * How one stream ended, for the access log and the ledger.
 *
 * @param status how it ended
 * @param finishReason set when completed
 * @param error set when not completed
 * @param usage the provider's usage, or an estimate
 * @param model {@code provider/model} that answered, or null when none started
 * @param retries failed attempts before one answered (or before giving up)
 * @param ttftMillis time to first token as the client saw it, or -1 when no token was sent
 */
public record Outcome(Status status, FinishReason finishReason, GatewayError error, Usage usage, String model,
    int retries, long ttftMillis) {

  /** How a request ended; {@link #word()} is what the ledger, the metrics and the access log say. */
  public enum Status {
    /** The answer ended normally. */
    COMPLETED("completed"),
    /** The client left (or aborted the stream) before the end. */
    ABORTED("aborted"),
    /** The upstream or the gateway failed. */
    FAILED("failed"),
    /** A deadline (first token, idle, total) ended the stream. */
    TIMEOUT("timeout"),
    /** Refused before any upstream call. */
    REJECTED("rejected");

    private final String word;

    Status(String word) {
      this.word = word;
    }

    /** The lower-case word stored in the ledger's {@code status} column and used as a metrics label. */
    public String word() {
      return word;
    }

    /** How a stream that failed with {@code error} ended: a cancel is an abort, a deadline a timeout. */
    public static Status ofFailure(GatewayError error) {
      return switch (error.type()) {
        case CANCELLED -> ABORTED;
        case UPSTREAM_TIMEOUT -> TIMEOUT;
        default -> FAILED;
      };
    }
  }

  /** Refused before any upstream call: bad input, unknown model, no key, over a limit. */
  public static Outcome rejected(GatewayError error) {
    return new Outcome(Status.REJECTED, null, error, Usage.NONE, null, 0, -1);
  }

  /** Failed with nothing known of a stream (no usage, no model): the gateway broke. */
  public static Outcome failed(GatewayError error) {
    return new Outcome(Status.FAILED, null, error, Usage.NONE, null, 0, -1);
  }
}
