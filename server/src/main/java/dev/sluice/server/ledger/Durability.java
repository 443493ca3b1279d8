package dev.sluice.server.ledger;

/** Where a row written by {@link LedgerWriter#write} is durable once the call returns. */
public enum Durability {
  /** Committed to the ledger's database. */
  COMMITTED,
  /** Fsynced to the local journal while the database cannot take it; replayed once it can. */
  JOURNALED,
  /** Refused by the database for itself (the error is logged); kept, fsynced, in the set-aside file. */
  SET_ASIDE
}
