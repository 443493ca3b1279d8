package dev.sluice.server.ledger;

/**
 * One request's account, from arrival to its ledger row: who called (the virtual key, once
 * authenticated) and what it reserved against its budget. Used by the request's own thread.
 */
public final class RequestAccount {
  private final String requestId;
  private final long startMillis;
  private String keyId;
  private dev.sluice.server.guard.Guard.Caller caller = new dev.sluice.server.guard.Guard.Caller.Open();
  private Runnable release;
  private Settlement settle;
  private boolean recorded;

  public RequestAccount(String requestId, long startMillis) {
    this.requestId = requestId;
    this.startMillis = startMillis;
  }

  public String requestId() {
    return requestId;
  }

  public long startMillis() {
    return startMillis;
  }

  /** The virtual key's id, or null while unknown (no auth, or not yet authenticated). */
  public String keyId() {
    return keyId;
  }

  /** Who calls, as authenticated; {@code Open} until then. */
  public dev.sluice.server.guard.Guard.Caller caller() {
    return caller;
  }

  /** Sets who calls; a virtual key's id goes into the ledger row. */
  public void caller(dev.sluice.server.guard.Guard.Caller who) {
    this.caller = who;
    this.keyId = who instanceof dev.sluice.server.guard.Guard.Caller.Key(var key) ? key.id() : null;
  }

  /** Settles a request's reservations with its real cost and tokens, once it ended. */
  @FunctionalInterface
  public interface Settlement {
    void settle(long costPicos, long tokens);
  }

  /** What to do with the request's reservations once its real cost and tokens are known. */
  public void reservation(Settlement settlement) {
    this.settle = settlement;
  }

  boolean markRecorded() {
    if (recorded) return false;
    recorded = true;
    return true;
  }

  /** Settles the reservation, once; {@code costPicos} is the real cost (0 when unknown). */
  void settle(long costPicos, long tokens) {
    var s = settle;
    settle = null;
    if (s != null) s.settle(costPicos, tokens);
  }
}
