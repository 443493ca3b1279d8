package dev.sluice.server.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The environment variables, which win over {@code sluice.yaml}: provider keys and base URLs, where
 * to listen, Redis, and the ledger and auth settings. A blank variable counts as unset.
 */
final class EnvironmentOverrides {
  private EnvironmentOverrides() {}

  static void applyTo(SluiceConfig.Builder b, Map<String, String> env) {
    SluiceConfig current = b.build();
    String key = value(env, "OPENAI_API_KEY");
    String base = value(env, "OPENAI_BASE_URL");
    b.openAi(key != null ? key : current.openAiApiKey(),
        base != null ? Checks.httpUrl(base, "OPENAI_BASE_URL") : current.openAiBaseUrl());
    String anthropicKey = value(env, "ANTHROPIC_API_KEY");
    String anthropicBase = value(env, "ANTHROPIC_BASE_URL");
    b.anthropic(anthropicKey != null ? anthropicKey : current.anthropicApiKey(),
        anthropicBase != null ? Checks.httpUrl(anthropicBase, "ANTHROPIC_BASE_URL") : current.anthropicBaseUrl());
    String host = value(env, "SLUICE_HOST");
    if (host != null) b.host(host.trim());
    String port = value(env, "SLUICE_PORT");
    if (port != null) b.port(Checks.port(port, "SLUICE_PORT"));
    String redis = value(env, "SLUICE_REDIS_URL");
    if (redis != null) b.redis(new RedisSettings(Checks.redisUrl(redis, "SLUICE_REDIS_URL"), current.redis().onFailure()));
    b.accounting(accounting(current.accounting(), env));
    String origins = value(env, "SLUICE_ALLOWED_ORIGINS");
    String hosts = value(env, "SLUICE_ALLOWED_HOSTS");
    b.edge(new EdgeSettings(
        origins == null ? current.edge().allowedOrigins() : list(origins, "SLUICE_ALLOWED_ORIGINS", EdgeSettings::origin),
        hosts == null ? current.edge().allowedHosts() : list(hosts, "SLUICE_ALLOWED_HOSTS", EdgeSettings::host)));
  }

  /** A comma-separated list, each item checked. */
  private static List<String> list(String value, String name, BiFunction<String, String, String> check) {
    var items = new ArrayList<String>();
    for (String item : value.split(",")) if (!item.isBlank()) items.add(check.apply(item, name));
    return items;
  }

  /**
   * {@code SLUICE_DB_*}, {@code SLUICE_ADMIN_KEY}, {@code SLUICE_LEDGER_JOURNAL*} and {@code SLUICE_REQUIRE_AUTH}
   * over the file's settings.
   */
  private static Accounting accounting(Accounting a, Map<String, String> env) {
    String url = value(env, "SLUICE_DB_URL");
    if (url != null && !url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
      throw new ConfigException("SLUICE_DB_URL: expected jdbc:sqlite:... or jdbc:postgresql://...");
    }
    a = a.withDb(url != null ? url : a.dbUrl(), value(env, "SLUICE_DB_USER"), value(env, "SLUICE_DB_PASSWORD"));
    String admin = value(env, "SLUICE_ADMIN_KEY");
    if (admin != null) a = a.withAdminKey(admin);
    String journal = value(env, "SLUICE_LEDGER_JOURNAL");
    if (journal != null) a = a.withJournal(new LedgerJournal(Path.of(journal.trim()), a.journal().maxBytes()));
    String journalBytes = value(env, "SLUICE_LEDGER_JOURNAL_MAX_BYTES");
    if (journalBytes != null) {
      try {
        a = a.withJournal(new LedgerJournal(a.journal().path(), Long.parseLong(journalBytes.trim())));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("SLUICE_LEDGER_JOURNAL_MAX_BYTES: expected a positive number of bytes");
      }
    }
    String require = value(env, "SLUICE_REQUIRE_AUTH");
    if (require != null) {
      a = a.withRequireAuth(switch (require.trim().toLowerCase(Locale.ROOT)) {
        case "true", "1", "yes" -> true;
        case "false", "0", "no" -> false;
        default -> throw new ConfigException("SLUICE_REQUIRE_AUTH: expected true or false");
      });
    }
    return a;
  }

  private static String value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v;
  }
}
