package dev.sluice.server.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Aggregates of the ledger for {@code GET /v1/usage}: per group (model, key, day or status) and in
 * total, over a range of UTC days, optionally one key's rows only. Sums are exact integers (costs in
 * pico-dollars); estimated rows count like the others.
 */
public final class UsageQuery {
  /** What a client may group by, and the column that holds it. */
  public enum GroupBy {
    MODEL("model"), KEY("key_id"), DAY("day"), STATUS("status");

    private final String column;

    GroupBy(String column) {
      this.column = column;
    }

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The group of {@code name}, or null when there is none. */
    public static GroupBy of(String name) {
      for (GroupBy g : values()) if (g.wireName().equals(name)) return g;
      return null;
    }
  }

  /** The sums of one group (or of all of them). */
  public static final class Sums {
    public long requests;
    public long promptTokens;
    public long completionTokens;
    public long cachedTokens;
    public long reasoningTokens;
    public long costPicos;
    public long estimatedRequests;
    /** Requests per status, in name order. */
    public final Map<String, Long> byStatus = new TreeMap<>();

    void add(String status, long requests, long prompt, long completion, long cached, long reasoning, long cost,
        long estimated) {
      this.requests += requests;
      promptTokens += prompt;
      completionTokens += completion;
      cachedTokens += cached;
      reasoningTokens += reasoning;
      costPicos += cost;
      estimatedRequests += estimated;
      byStatus.merge(status, requests, Long::sum);
    }
  }

  /** The answer: groups in the order of their names (null, rows with no key or model, first), and totals. */
  public record Result(Map<String, Sums> groups, Sums totals) {}

  private final DataSource db;

  public UsageQuery(DataSource db) {
    this.db = db;
  }

  /**
   * @param keyId only this key's rows, or null for all
   */
  public Result run(LocalDate from, LocalDate to, GroupBy groupBy, String keyId) throws SQLException {
    String sql = "SELECT " + groupBy.column + ", status, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens),"
        + " SUM(cached_tokens), SUM(reasoning_tokens), SUM(COALESCE(cost_picousd, 0)),"
        + " SUM(CASE WHEN estimated THEN 1 ELSE 0 END) FROM usage_ledger WHERE day >= ? AND day <= ?"
        + (keyId == null ? "" : " AND key_id = ?") + " GROUP BY " + groupBy.column + ", status";
    var groups = new TreeMap<String, Sums>(java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()));
    var totals = new Sums();
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, from.toString());
      ps.setString(2, to.toString());
      if (keyId != null) ps.setString(3, keyId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String group = rs.getString(1);
          String status = rs.getString(2);
          long[] v = new long[7];
          for (int i = 0; i < v.length; i++) v[i] = rs.getLong(3 + i);
          groups.computeIfAbsent(group, g -> new Sums()).add(status, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
          totals.add(status, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        }
      }
    }
    return new Result(new LinkedHashMap<>(groups), totals);
  }
}
