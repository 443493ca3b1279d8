package dev.sluice.server.guard;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import dev.sluice.usage.Cost;

/** Virtual keys in the ledger's database (table {@code virtual_keys}), and what each has spent. */
public final class KeyStore {
  private static final String COLUMNS =
      "id, name, hint, budget_picousd, budget_period, rpm, tpm, models, created_ms, revoked_ms";

  /** What a new key may do. */
  public record NewKey(String name, BigDecimal budgetUsd, BudgetPeriod period, Integer rpm, Long tpm,
      List<String> models) {}

  /** A key just made, with its secret: shown to its creator once, never stored. */
  public record Created(VirtualKey key, String secret) {}

  private final DataSource db;

  public KeyStore(DataSource db) {
    this.db = db;
  }

  public Created create(NewKey spec) throws SQLException {
    String secret = KeySecrets.newSecret();
    var key = new VirtualKey(KeySecrets.newId(), spec.name(), KeySecrets.hint(secret),
        spec.budgetUsd() == null ? null : Cost.picos(spec.budgetUsd()), spec.period(), spec.rpm(), spec.tpm(),
        spec.models() == null ? List.of() : spec.models(), System.currentTimeMillis(), null);
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
        "INSERT INTO virtual_keys (" + COLUMNS + ", secret_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)")) {
      ps.setString(1, key.id());
      ps.setString(2, key.name());
      ps.setString(3, key.hint());
      if (key.budgetPicos() == null) ps.setNull(4, Types.BIGINT);
      else ps.setLong(4, key.budgetPicos());
      ps.setString(5, key.period().wireName());
      if (key.rpm() == null) ps.setNull(6, Types.INTEGER);
      else ps.setInt(6, key.rpm());
      if (key.tpm() == null) ps.setNull(7, Types.BIGINT);
      else ps.setLong(7, key.tpm());
      ps.setString(8, String.join(",", key.models()));
      ps.setLong(9, key.createdMillis());
      ps.setNull(10, Types.BIGINT);
      ps.setString(11, KeySecrets.hash(secret));
      ps.executeUpdate();
    }
    return new Created(key, secret);
  }

  /** The key whose secret hashes to {@code hash}, revoked or not, or null. */
  public VirtualKey findByHash(String hash) throws SQLException {
    return one("SELECT " + COLUMNS + " FROM virtual_keys WHERE secret_hash = ?", hash);
  }

  public VirtualKey findById(String id) throws SQLException {
    return one("SELECT " + COLUMNS + " FROM virtual_keys WHERE id = ?", id);
  }

  public List<VirtualKey> list() throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM virtual_keys ORDER BY created_ms, id");
        ResultSet rs = ps.executeQuery()) {
      var out = new ArrayList<VirtualKey>();
      while (rs.next()) out.add(read(rs));
      return out;
    }
  }

  /**
   * Whether any key was ever made, revoked ones included: revoking the last key must not open the
   * gateway to everyone.
   */
  public boolean anyKey() throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT 1 FROM virtual_keys LIMIT 1");
        ResultSet rs = ps.executeQuery()) {
      return rs.next();
    }
  }

  /** Revokes the key; false when no such key exists or it was already revoked. */
  public boolean revoke(String id) throws SQLException {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
        "UPDATE virtual_keys SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL")) {
      ps.setLong(1, System.currentTimeMillis());
      ps.setString(2, id);
      return ps.executeUpdate() == 1;
    }
  }

  /** What {@code keyId}'s requests cost from {@code fromDay} on (null: ever), in pico-dollars. */
  public long spentSince(String keyId, LocalDate fromDay) throws SQLException {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT SUM(COALESCE(cost_picousd, 0)) FROM usage_ledger WHERE key_id = ?"
            + (fromDay == null ? "" : " AND day >= ?"))) {
      ps.setString(1, keyId);
      if (fromDay != null) ps.setString(2, fromDay.toString());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  private VirtualKey one(String sql, String arg) throws SQLException {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? read(rs) : null;
      }
    }
  }

  private static VirtualKey read(ResultSet rs) throws SQLException {
    long budget = rs.getLong(4);
    Long budgetPicos = rs.wasNull() ? null : budget;
    int rpm = rs.getInt(6);
    Integer rpmOrNull = rs.wasNull() ? null : rpm;
    long tpm = rs.getLong(7);
    Long tpmOrNull = rs.wasNull() ? null : tpm;
    String models = rs.getString(8);
    long revoked = rs.getLong(10);
    Long revokedOrNull = rs.wasNull() ? null : revoked;
    return new VirtualKey(rs.getString(1), rs.getString(2), rs.getString(3), budgetPicos,
        BudgetPeriod.of(rs.getString(5)), rpmOrNull, tpmOrNull,
        models == null || models.isEmpty() ? List.of() : Arrays.asList(models.split(",")), rs.getLong(9),
        revokedOrNull);
  }
}
