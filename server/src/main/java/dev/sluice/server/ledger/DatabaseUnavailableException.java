package dev.sluice.server.ledger;

import java.sql.SQLException;

/** The ledger's database cannot take rows now (down, unreachable, locked, or failing), whichever the row. */
final class DatabaseUnavailableException extends Exception {
  DatabaseUnavailableException(SQLException cause) {
    // A batch's own message quotes its whole statement; the database's error is the next one.
    super(cause.getNextException() != null ? cause.getNextException().getMessage() : cause.getMessage(), cause);
  }
}
