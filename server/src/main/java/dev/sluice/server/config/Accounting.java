package dev.sluice.server.config;

import dev.sluice.usage.Price;
import java.util.Map;

/**
 * Usage accounting and access: where the ledger lives, the price overrides, and who may call.
 *
 * @param dbUrl JDBC URL of the ledger ({@code SLUICE_DB_URL}): {@code jdbc:sqlite:...} or
 *     {@code jdbc:postgresql://...}
 * @param dbUser {@code SLUICE_DB_USER}, or null
 * @param dbPassword {@code SLUICE_DB_PASSWORD}, or null
 * @param adminKey {@code SLUICE_ADMIN_KEY}: the secret for {@code /admin/*} and all usage, or null (admin
 *     endpoints then answer 401 to everyone)
 * @param requireAuth {@code SLUICE_REQUIRE_AUTH}: a virtual key is needed even before any exists
 * @param prices {@code prices:} in sluice.yaml, keyed {@code provider/model} or bare model name
 * @param journal where rows wait while the database cannot take them
 */
public record Accounting(String dbUrl, String dbUser, String dbPassword, String adminKey, boolean requireAuth,
    Map<String, Price> prices, LedgerJournal journal) {

  public static final String DEFAULT_DB_URL = "jdbc:sqlite:data/sluice.db";
  public static final Accounting DEFAULT = new Accounting(DEFAULT_DB_URL, null, null, null, false, Map.of(),
      LedgerJournal.DEFAULT);

  public Accounting {
    if (dbUrl == null) throw new IllegalArgumentException("dbUrl is required");
    prices = Map.copyOf(prices);
    if (journal == null) journal = LedgerJournal.DEFAULT;
  }

  public Accounting withDbUrl(String url) {
    return new Accounting(url, dbUser, dbPassword, adminKey, requireAuth, prices, journal);
  }

  public Accounting withAdminKey(String key) {
    return new Accounting(dbUrl, dbUser, dbPassword, key, requireAuth, prices, journal);
  }

  public Accounting withRequireAuth(boolean required) {
    return new Accounting(dbUrl, dbUser, dbPassword, adminKey, required, prices, journal);
  }

  public Accounting withDb(String url, String user, String password) {
    return new Accounting(url, user, password, adminKey, requireAuth, prices, journal);
  }

  public Accounting withPrices(Map<String, Price> value) {
    return new Accounting(dbUrl, dbUser, dbPassword, adminKey, requireAuth, value, journal);
  }

  public Accounting withJournal(LedgerJournal value) {
    return new Accounting(dbUrl, dbUser, dbPassword, adminKey, requireAuth, prices, value);
  }

  /** Secrets shown only as set or not. */
  @Override
  public String toString() {
    return "Accounting[dbUrl=" + dbUrl.replaceAll("(?i)password=[^&;]*", "password=***") + ", dbUser=" + dbUser
        + ", dbPassword=" + (dbPassword == null ? "unset" : "set") + ", adminKey=" + (adminKey == null ? "unset" : "set")
        + ", requireAuth=" + requireAuth + ", prices=" + prices.keySet() + ", journal=" + journal + "]";
  }
}
