package dev.sluice.server.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The table {@code usage_ledger} as the writer sees it. Each row is inserted at most once, whatever
 * how often it is offered (the request id is the key: {@code ON CONFLICT DO NOTHING}, on SQLite and
 * PostgreSQL alike), so a journal replayed twice adds nothing the second time.
 *
 * <p>Rows go in one transaction; if the database refuses it, one by one, so a row it refuses for
 * itself costs only itself. Failures are sorted in two: the row's own (a data or constraint error, or
 * one binding it) comes back as a {@link Refusal}; anything else means the database cannot take rows
 * now ({@link DatabaseUnavailableException}), and the caller keeps the rows elsewhere.
 */
final class LedgerTable {
  static final String INSERT = "INSERT INTO usage_ledger (request_id, key_id, provider, model, start_ms, end_ms, day,"
      + " ttft_ms, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, estimated,"
      + " cost_picousd, retries, finish_reason, error_type, status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
      + " ON CONFLICT (request_id) DO NOTHING";
  /**
   * Whether the table takes writes now: a write that touches no row still needs the table and its
   * write lock (SQLite's, or PostgreSQL's row-exclusive one), so a locked or missing table says no.
   */
  private static final String TAKES_WRITES = "UPDATE usage_ledger SET status = status WHERE 1 = 0";
  /** SQLite's result codes for a value's fault (SQLite gives no SQLState): too big, constraint, mismatch, range. */
  private static final Set<Integer> SQLITE_ROW_FAULTS = Set.of(18, 19, 20, 25);

  /** A row the database refused for itself, and why. */
  record Refusal(LedgerRow row, Exception error) {}

  private final DataSource db;

  LedgerTable(DataSource db) {
    this.db = db;
  }

  /**
   * Inserts {@code rows}, and returns those the database refused for themselves (each was tried on its
   * own). Rows not refused are committed, or were already there.
   *
   * @throws DatabaseUnavailableException when the database cannot take rows now; some may be committed
   */
  List<Refusal> insert(List<LedgerRow> rows) throws DatabaseUnavailableException {
    try (Connection c = db.getConnection()) {
      try {
        insertTogether(c, rows);
        return List.of();
      } catch (SQLException e) {
        rollback(c, e);
        // Not a row's fault (the connection broke, a lock timed out): trying each row would only wait again.
        if (!rowsOwnFault(e)) throw e;
      } catch (RuntimeException e) {
        rollback(c, e);
      }
      return insertOneByOne(c, rows);
    } catch (SQLException e) {
      throw new DatabaseUnavailableException(e);
    }
  }

  /** Whether the table takes writes now (the check runs on the writer's own connections). */
  boolean takesWrites() {
    try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
      st.executeUpdate(TAKES_WRITES);
      return true;
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  private static void insertTogether(Connection c, List<LedgerRow> rows) throws SQLException {
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement(INSERT)) {
      for (LedgerRow row : rows) {
        bind(ps, row);
        ps.addBatch();
      }
      ps.executeBatch();
      c.commit();
    }
  }

  private static List<Refusal> insertOneByOne(Connection c, List<LedgerRow> rows) throws SQLException {
    c.setAutoCommit(true);
    var refused = new ArrayList<Refusal>();
    try (PreparedStatement ps = c.prepareStatement(INSERT)) {
      for (LedgerRow row : rows) {
        try {
          bind(ps, row);
          ps.executeUpdate();
        } catch (SQLException e) {
          if (!rowsOwnFault(e)) throw e;
          refused.add(new Refusal(row, e));
        } catch (RuntimeException e) {
          // Binding the row failed: its own fault.
          refused.add(new Refusal(row, e));
        }
      }
    }
    return refused;
  }

  private static void rollback(Connection c, Exception cause) throws SQLException {
    try {
      c.rollback();
    } catch (SQLException e) {
      e.addSuppressed(cause);
      throw e;
    }
  }

  /**
   * A data exception (SQLState class 22) or a constraint (23), or SQLite's equivalents, anywhere in
   * the chain (a batch reports its failing row's error as the next exception).
   */
  static boolean rowsOwnFault(SQLException e) {
    Throwable t = e;
    for (int depth = 0; t != null && depth < 16; depth++) {
      if (t instanceof SQLException sql && ownFault(sql)) return true;
      t = t instanceof SQLException sql && sql.getNextException() != null ? sql.getNextException() : t.getCause();
    }
    return false;
  }

  private static boolean ownFault(SQLException sql) {
    String state = sql.getSQLState();
    if (state != null) return state.startsWith("22") || state.startsWith("23");
    return SQLITE_ROW_FAULTS.contains(sql.getErrorCode() & 0xff);
  }

  static void bind(PreparedStatement ps, LedgerRow r) throws SQLException {
    int i = 1;
    ps.setString(i++, r.requestId());
    ps.setString(i++, r.keyId());
    ps.setString(i++, r.provider());
    ps.setString(i++, r.model());
    ps.setLong(i++, r.startMillis());
    ps.setLong(i++, r.endMillis());
    ps.setString(i++, Instant.ofEpochMilli(r.startMillis()).atZone(ZoneOffset.UTC).toLocalDate().toString());
    if (r.ttftMillis() < 0) ps.setNull(i++, Types.BIGINT);
    else ps.setLong(i++, r.ttftMillis());
    ps.setLong(i++, r.usage().promptTokens());
    ps.setLong(i++, r.usage().completionTokens());
    ps.setLong(i++, r.usage().cachedTokens());
    ps.setLong(i++, r.usage().cacheWriteTokens());
    ps.setLong(i++, r.usage().reasoningTokens());
    ps.setBoolean(i++, r.usage().estimated());
    if (r.costPicos() == null) ps.setNull(i++, Types.BIGINT);
    else ps.setLong(i++, r.costPicos());
    ps.setInt(i++, r.retries());
    ps.setString(i++, r.finishReason());
    ps.setString(i++, r.errorType());
    ps.setString(i, r.status());
  }
}
