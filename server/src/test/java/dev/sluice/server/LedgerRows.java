package dev.sluice.server;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import javax.sql.DataSource;

/** Reads the ledger's rows in tests, and waits (with a deadline, polling) for rows to appear. */
final class LedgerRows {
  private LedgerRows() {}

  static List<Map<String, Object>> all(DataSource db) throws SQLException {
    try (Connection c = db.getConnection(); var st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM usage_ledger ORDER BY start_ms, request_id")) {
      var rows = new ArrayList<Map<String, Object>>();
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        var row = new LinkedHashMap<String, Object>();
        for (int i = 1; i <= md.getColumnCount(); i++) row.put(md.getColumnName(i).toLowerCase(Locale.ROOT), rs.getObject(i));
        rows.add(row);
      }
      return rows;
    }
  }

  /** The rows once {@code until} holds for them; fails after {@code millis}. */
  static List<Map<String, Object>> await(DataSource db, Predicate<List<Map<String, Object>>> until, long millis)
      throws Exception {
    long end = System.nanoTime() + millis * 1_000_000;
    List<Map<String, Object>> rows = all(db);
    while (!until.test(rows)) {
      if (System.nanoTime() > end) throw new AssertionError("ledger never reached the expected state: " + rows);
      Thread.sleep(10);
      rows = all(db);
    }
    return rows;
  }

  /** The one row a test's request left, once written; fails after 5 s or when there are more. */
  static Map<String, Object> only(DataSource db) throws Exception {
    return await(db, rows -> rows.size() == 1, 5_000).getFirst();
  }

  /** Forgets every row: a test class sharing one gateway starts each test with an empty ledger. */
  static void clear(DataSource db) throws SQLException {
    try (Connection c = db.getConnection(); var st = c.createStatement()) {
      st.executeUpdate("DELETE FROM usage_ledger");
    }
  }

  static long sum(List<Map<String, Object>> rows, String column) {
    return rows.stream().mapToLong(r -> ((Number) r.get(column)).longValue()).sum();
  }

  static boolean flag(Object value) {
    return value instanceof Boolean b ? b : ((Number) value).intValue() != 0;
  }
}
