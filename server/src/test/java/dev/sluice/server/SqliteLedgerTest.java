package dev.sluice.server;

import dev.sluice.server.config.Accounting;

/** The ledger on the embedded default: SQLite in WAL mode, in the test gateway's own folder. */
class SqliteLedgerTest extends LedgerContract {
  @Override
  Accounting freshLedger(Accounting base) {
    return base;
  }
}
