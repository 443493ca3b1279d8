package dev.sluice.server.ledger;

import dev.sluice.server.guard.Caller;
import dev.sluice.server.guard.Reservation;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request's account, from arrival to its ledger row: who called (the virtual key, once
 * authenticated) and what it reserved against its budget. Used by the request's own thread, except
 * {@link #markRecorded}: the row may be recorded from another (a generation that outlives its request,
 * the handler's last resort), so only one of them wins.
 */
public final class RequestAccount {
  private final String requestId;
  private final long startMillis;
  private String keyId;
  private Caller caller = new Caller.Open();
  private Runnable release;
  private Reservation reservation = Reservation.NONE;
  private final AtomicBoolean recorded = new AtomicBoolean();

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
  public Caller caller() {
    return caller;
  }

  /** Sets who calls; a virtual key's id goes into the ledger row. */
  public void caller(Caller who) {
    this.caller = who;
    this.keyId = who instanceof Caller.Key(var key) ? key.id() : null;
  }

  /** What the guard reserved for this request, settled once its real cost and tokens are known. */
  public void reservation(Reservation reserved) {
    this.reservation = reserved;
  }

  /** True for the first caller only, whichever thread calls: it alone records the row. */
  boolean markRecorded() {
    return recorded.compareAndSet(false, true);
  }

  /** Settles the reservation, once; {@code costPicos} is the real cost (0 when unknown). */
  void settle(long costPicos, long tokens) {
    Reservation r = reservation;
    reservation = Reservation.NONE;
    r.settle(costPicos, tokens);
  }
}
