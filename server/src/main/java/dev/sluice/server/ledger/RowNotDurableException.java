package dev.sluice.server.ledger;

/**
 * A ledger row that is neither in the database nor in the journal (the journal is full or failed, or
 * the writer did not answer in time). The request must not end as if it were accounted for: its
 * stream ends with an error, never a clean end. The row itself is in the log, at ERROR.
 */
public final class RowNotDurableException extends RuntimeException {
  public RowNotDurableException(String message) {
    super(message);
  }
}
