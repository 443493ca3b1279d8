package dev.sluice.server.config;

import java.nio.file.Path;

/**
 * The ledger's local journal: where rows wait, fsynced, while the ledger's database cannot take them.
 *
 * @param path the journal file ({@code SLUICE_LEDGER_JOURNAL}), or null for {@code ledger.journal} in the
 *     SQLite ledger's folder, else in {@code ./data/}
 * @param maxBytes its size limit ({@code SLUICE_LEDGER_JOURNAL_MAX_BYTES}); a row that would pass it is
 *     refused (its request ends with an error, the row is logged), never dropped in silence
 */
public record LedgerJournal(Path path, long maxBytes) {
  public static final LedgerJournal DEFAULT = new LedgerJournal(null, 64L << 20);

  public LedgerJournal {
    if (maxBytes <= 0) throw new IllegalArgumentException("the journal's size limit must be positive");
  }
}
