package dev.sluice.server.config;

import dev.sluice.policy.BreakerSettings;
import dev.sluice.policy.Resilience;
import dev.sluice.policy.RetryPolicy;
import dev.sluice.provider.sim.SimConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Builds a {@link SluiceConfig}: defaults, then {@code sluice.yaml}, then environment variables.
 * An unknown key is an error naming it, so a typo never silently falls back to a default.
 */
public final class ConfigLoader {
  private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);
  private static final Set<String> TOP_LEVEL =
      Set.of("providers", "timeouts", "retry", "circuit_breaker", "models", "prices", "sim", "server",
          "resume", "redis");
  /** Contract keys whose features land in later versions: accepted, with a warning that they do nothing yet. */
  private static final Set<String> NOT_YET_APPLIED = Set.of();
  /** How long {@code on_client_abort: drain} reads on by default. */
  static final Duration DEFAULT_DRAIN_MAX = Duration.ofSeconds(30);

  private ConfigLoader() {}

  /**
   * @param configFile the YAML file, or null to use {@code SLUICE_CONFIG}, else {@code ./sluice.yaml} if present
   * @param env the environment (a parameter so that tests need not mutate the process's)
   */
  public static SluiceConfig load(Path configFile, Map<String, String> env) {
    Path file = configFile;
    if (file == null && env.get("SLUICE_CONFIG") != null) file = Path.of(env.get("SLUICE_CONFIG"));
    if (file == null && Files.isRegularFile(Path.of("sluice.yaml"))) file = Path.of("sluice.yaml");
    SluiceConfig.Builder b = SluiceConfig.defaults().toBuilder();
    if (file != null) {
      try (InputStream in = Files.newInputStream(file)) {
        applyYaml(b, new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromInputStream(in));
      } catch (IOException e) {
        throw new ConfigException("cannot read " + file + ": " + e.getMessage());
      } catch (ConfigException e) {
        throw new ConfigException(file + ": " + e.getMessage());
      } catch (RuntimeException e) {
        throw new ConfigException(file + " is not valid YAML: " + e.getMessage());
      }
    }
    applyEnv(b, env);
    return b.build();
  }

  static void applyEnv(SluiceConfig.Builder b, Map<String, String> env) {
    SluiceConfig current = b.build();
    String key = blankToNull(env.get("OPENAI_API_KEY"));
    String base = blankToNull(env.get("OPENAI_BASE_URL"));
    b.openAi(key != null ? key : current.openAiApiKey(), base != null ? uri(base, "OPENAI_BASE_URL") : current.openAiBaseUrl());
    String anthropicKey = blankToNull(env.get("ANTHROPIC_API_KEY"));
    String anthropicBase = blankToNull(env.get("ANTHROPIC_BASE_URL"));
    b.anthropic(anthropicKey != null ? anthropicKey : current.anthropicApiKey(),
        anthropicBase != null ? uri(anthropicBase, "ANTHROPIC_BASE_URL") : current.anthropicBaseUrl());
    if (blankToNull(env.get("SLUICE_HOST")) != null) b.host(env.get("SLUICE_HOST").trim());
    if (blankToNull(env.get("SLUICE_PORT")) != null) b.port(port(env.get("SLUICE_PORT"), "SLUICE_PORT"));
    if (blankToNull(env.get("SLUICE_REDIS_URL")) != null) {
      b.redis(new RedisSettings(redisUri(env.get("SLUICE_REDIS_URL"), "SLUICE_REDIS_URL"), current.redis().onFailure()));
    }
    b.accounting(accounting(current.accounting(), env));
  }

  static void applyYaml(SluiceConfig.Builder b, Object document) {
    if (document == null) return;
    Map<String, Object> root = map(document, "the top level");
    for (String key : root.keySet()) {
      if (!TOP_LEVEL.contains(key)) throw new ConfigException("unknown key '" + key + "'; known keys: " + TOP_LEVEL);
      if (NOT_YET_APPLIED.contains(key)) log.warn("sluice.yaml: '{}' is accepted but not applied by this version", key);
    }
    SluiceConfig current = b.build();
    if (root.containsKey("timeouts")) b.timeouts(timeouts(map(root.get("timeouts"), "timeouts"), current.timeouts()));
    if (root.containsKey("providers")) b.providers(providers(root.get("providers")));
    if (root.containsKey("retry")) b.retry(retry(map(root.get("retry"), "retry"), current.retry()));
    if (root.containsKey("circuit_breaker")) {
      b.circuitBreaker(breaker(map(root.get("circuit_breaker"), "circuit_breaker"), current.circuitBreaker()));
    }
    if (root.containsKey("models")) {
      // Per-model timeouts override the global ones, read above whatever the order in the file.
      Timeouts global = b.build().timeouts();
      var policies = new LinkedHashMap<String, ModelPolicy>();
      b.aliases(aliases(map(root.get("models"), "models"), global, policies));
      b.modelPolicies(policies);
    }
    if (root.containsKey("sim")) b.sim(sim(map(root.get("sim"), "sim"), current.sim()));
    if (root.containsKey("resume")) b.resume(resume(map(root.get("resume"), "resume"), current.resume()));
    if (root.containsKey("redis")) b.redis(redis(map(root.get("redis"), "redis"), current.redis()));
    if (root.containsKey("prices")) b.accounting(current.accounting().withPrices(prices(map(root.get("prices"), "prices"))));
    if (root.containsKey("server")) {
      Map<String, Object> server = map(root.get("server"), "server");
      known(server, "server", Set.of("heartbeat", "write_timeout", "max_body_bytes", "client_send_buffer_bytes",
          "upstream_receive_buffer_bytes", "drain_timeout"));
      if (server.containsKey("drain_timeout")) b.drainTimeout(duration(server.get("drain_timeout"), "server.drain_timeout"));
      if (server.containsKey("heartbeat")) b.heartbeat(duration(server.get("heartbeat"), "server.heartbeat"));
      if (server.containsKey("write_timeout")) b.writeTimeout(duration(server.get("write_timeout"), "server.write_timeout"));
      if (server.containsKey("max_body_bytes")) b.maxBodyBytes(number(server.get("max_body_bytes"), "server.max_body_bytes").longValue());
      SluiceConfig now = b.build();
      b.socketBuffers(
          server.containsKey("client_send_buffer_bytes")
              ? number(server.get("client_send_buffer_bytes"), "server.client_send_buffer_bytes").intValue()
              : now.clientSendBufferBytes(),
          server.containsKey("upstream_receive_buffer_bytes")
              ? number(server.get("upstream_receive_buffer_bytes"), "server.upstream_receive_buffer_bytes").intValue()
              : now.upstreamReceiveBufferBytes());
    }
  }

  private static Timeouts timeouts(Map<String, Object> m, Timeouts d) {
    return timeouts(m, d, "timeouts");
  }

  private static Timeouts timeouts(Map<String, Object> m, Timeouts d, String path) {
    known(m, path, Set.of("connect", "headers", "first_token", "idle", "total"));
    return new Timeouts(
        m.containsKey("connect") ? positive(m.get("connect"), path + ".connect") : d.connect(),
        m.containsKey("headers") ? positive(m.get("headers"), path + ".headers") : d.headers(),
        m.containsKey("first_token") ? positive(m.get("first_token"), path + ".first_token") : d.firstToken(),
        m.containsKey("idle") ? positive(m.get("idle"), path + ".idle") : d.idle(),
        m.containsKey("total") ? positive(m.get("total"), path + ".total") : d.total());
  }

  private static RetryPolicy retry(Map<String, Object> m, RetryPolicy d) {
    known(m, "retry", Set.of("attempts", "base_backoff", "max_backoff", "budget", "max_retry_after"));
    int attempts = m.containsKey("attempts") ? whole(m.get("attempts"), "retry.attempts", 1) : d.attempts();
    return new RetryPolicy(attempts,
        m.containsKey("base_backoff") ? duration(m.get("base_backoff"), "retry.base_backoff") : d.baseBackoff(),
        m.containsKey("max_backoff") ? duration(m.get("max_backoff"), "retry.max_backoff") : d.maxBackoff(),
        m.containsKey("budget") ? duration(m.get("budget"), "retry.budget") : d.budget(),
        m.containsKey("max_retry_after") ? duration(m.get("max_retry_after"), "retry.max_retry_after")
            : d.maxRetryAfter());
  }

  private static BreakerSettings breaker(Map<String, Object> m, BreakerSettings d) {
    known(m, "circuit_breaker", Set.of("enabled", "failures", "cooldown", "half_open_probes"));
    boolean enabled = d.enabled();
    if (m.containsKey("enabled")) {
      if (!(m.get("enabled") instanceof Boolean on)) throw new ConfigException("circuit_breaker.enabled: expected true or false");
      enabled = on;
    }
    return new BreakerSettings(enabled,
        m.containsKey("failures") ? whole(m.get("failures"), "circuit_breaker.failures", 1) : d.failures(),
        m.containsKey("cooldown") ? positive(m.get("cooldown"), "circuit_breaker.cooldown") : d.cooldown(),
        m.containsKey("half_open_probes") ? whole(m.get("half_open_probes"), "circuit_breaker.half_open_probes", 1)
            : d.halfOpenProbes());
  }

  private static List<CompatibleProvider> providers(Object node) {
    if (!(node instanceof List<?> list)) throw new ConfigException("providers: expected a list");
    var out = new ArrayList<CompatibleProvider>();
    for (int i = 0; i < list.size(); i++) {
      String path = "providers[" + i + "]";
      Map<String, Object> p = map(list.get(i), path);
      known(p, path, Set.of("name", "kind", "base_url", "api_key_env", "models"));
      String name = string(p.get("name"), path + ".name");
      if (Set.of("openai", "anthropic", "sim").contains(name)) {
        throw new ConfigException(path + ".name: '" + name + "' is a built-in provider; pick another name");
      }
      String kind = p.containsKey("kind") ? string(p.get("kind"), path + ".kind") : "openai";
      if (!kind.equals("openai") && !kind.equals("anthropic")) {
        throw new ConfigException(path + ".kind: '" + kind + "' is not supported; use 'openai' or 'anthropic'");
      }
      var models = new ArrayList<String>();
      if (p.get("models") instanceof List<?> ms) for (Object mo : ms) models.add(string(mo, path + ".models"));
      else if (p.containsKey("models")) throw new ConfigException(path + ".models: expected a list of model names");
      out.add(new CompatibleProvider(name, kind, uri(string(p.get("base_url"), path + ".base_url"), path + ".base_url"),
          p.containsKey("api_key_env") ? string(p.get("api_key_env"), path + ".api_key_env") : null, models));
    }
    return out;
  }

  private static Map<String, String> aliases(Map<String, Object> m, Timeouts global, Map<String, ModelPolicy> policies) {
    var out = new LinkedHashMap<String, String>();
    for (var e : m.entrySet()) {
      String path = "models." + e.getKey();
      if (e.getValue() instanceof String target) {
        out.put(e.getKey(), target);
        continue;
      }
      Map<String, Object> spec = map(e.getValue(), path);
      known(spec, path, Set.of("target", "fallbacks", "timeouts", "on_midstream_failure", "on_client_abort", "drain_max"));
      out.put(e.getKey(), string(spec.get("target"), path + ".target"));
      if (!spec.containsKey("fallbacks") && !spec.containsKey("timeouts") && !spec.containsKey("on_midstream_failure")
          && !spec.containsKey("on_client_abort") && !spec.containsKey("drain_max")) {
        continue;
      }
      Duration drain = null;
      if (spec.containsKey("on_client_abort")) {
        drain = switch (string(spec.get("on_client_abort"), path + ".on_client_abort")) {
          case "cancel" -> null;
          case "drain" -> spec.containsKey("drain_max") ? positive(spec.get("drain_max"), path + ".drain_max")
              : DEFAULT_DRAIN_MAX;
          default -> throw new ConfigException(path + ".on_client_abort: expected 'cancel' or 'drain'");
        };
      }
      if (spec.containsKey("drain_max") && drain == null) {
        throw new ConfigException(path + ".drain_max: only with on_client_abort: drain");
      }
      Resilience.MidStream midStream = Resilience.MidStream.FAIL;
      if (spec.containsKey("on_midstream_failure")) {
        midStream = switch (string(spec.get("on_midstream_failure"), path + ".on_midstream_failure")) {
          case "fail" -> Resilience.MidStream.FAIL;
          case "continue" -> Resilience.MidStream.CONTINUE;
          default -> throw new ConfigException(path + ".on_midstream_failure: expected 'fail' or 'continue'");
        };
      }
      var fallbacks = new ArrayList<String>();
      if (spec.get("fallbacks") instanceof List<?> list) {
        for (int i = 0; i < list.size(); i++) fallbacks.add(string(list.get(i), path + ".fallbacks[" + i + "]"));
      } else if (spec.containsKey("fallbacks")) {
        throw new ConfigException(path + ".fallbacks: expected a list of models");
      }
      Timeouts timeouts = spec.containsKey("timeouts")
          ? timeouts(map(spec.get("timeouts"), path + ".timeouts"), global, path + ".timeouts") : global;
      policies.put(e.getKey(), new ModelPolicy(fallbacks, timeouts, midStream, drain));
    }
    return out;
  }

  private static RedisSettings redis(Map<String, Object> m, RedisSettings d) {
    known(m, "redis", Set.of("url", "on_failure"));
    URI url = m.containsKey("url") ? redisUri(String.valueOf(m.get("url")), "redis.url") : d.url();
    RedisSettings.OnFailure onFailure = d.onFailure();
    if (m.containsKey("on_failure")) {
      onFailure = switch (String.valueOf(m.get("on_failure"))) {
        case "closed" -> RedisSettings.OnFailure.CLOSED;
        case "open" -> RedisSettings.OnFailure.OPEN;
        default -> throw new ConfigException("redis.on_failure: expected closed or open");
      };
    }
    return new RedisSettings(url, onFailure);
  }

  private static ResumeSettings resume(Map<String, Object> m, ResumeSettings d) {
    known(m, "resume", Set.of("grace", "retention", "log_bytes"));
    try {
      return new ResumeSettings(
          m.containsKey("grace") ? duration(m.get("grace"), "resume.grace") : d.grace(),
          m.containsKey("retention") ? duration(m.get("retention"), "resume.retention") : d.retention(),
          m.containsKey("log_bytes") ? number(m.get("log_bytes"), "resume.log_bytes").longValue() : d.logBytes());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("resume: " + e.getMessage());
    }
  }

  /**
   * {@code SLUICE_DB_*}, {@code SLUICE_ADMIN_KEY}, {@code SLUICE_LEDGER_JOURNAL*} and {@code SLUICE_REQUIRE_AUTH}
   * over the file's settings.
   */
  private static Accounting accounting(Accounting a, Map<String, String> env) {
    String url = blankToNull(env.get("SLUICE_DB_URL"));
    if (url != null && !url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
      throw new ConfigException("SLUICE_DB_URL: expected jdbc:sqlite:... or jdbc:postgresql://...");
    }
    a = a.withDb(url != null ? url : a.dbUrl(), blankToNull(env.get("SLUICE_DB_USER")),
        blankToNull(env.get("SLUICE_DB_PASSWORD")));
    String admin = blankToNull(env.get("SLUICE_ADMIN_KEY"));
    if (admin != null) a = a.withAdminKey(admin);
    String journal = blankToNull(env.get("SLUICE_LEDGER_JOURNAL"));
    String journalBytes = blankToNull(env.get("SLUICE_LEDGER_JOURNAL_MAX_BYTES"));
    if (journal != null) a = a.withJournal(new LedgerJournal(Path.of(journal.trim()), a.journal().maxBytes()));
    if (journalBytes != null) {
      try {
        a = a.withJournal(new LedgerJournal(a.journal().path(), Long.parseLong(journalBytes.trim())));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("SLUICE_LEDGER_JOURNAL_MAX_BYTES: expected a positive number of bytes");
      }
    }
    String require = blankToNull(env.get("SLUICE_REQUIRE_AUTH"));
    if (require != null) {
      a = a.withRequireAuth(switch (require.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "true", "1", "yes" -> true;
        case "false", "0", "no" -> false;
        default -> throw new ConfigException("SLUICE_REQUIRE_AUTH: expected true or false");
      });
    }
    return a;
  }

  /** {@code prices: {model: {input, output, cached_input, cache_write}}}, USD per million tokens. */
  private static Map<String, dev.sluice.usage.Price> prices(Map<String, Object> m) {
    var out = new LinkedHashMap<String, dev.sluice.usage.Price>();
    for (var e : m.entrySet()) {
      String path = "prices." + e.getKey();
      Map<String, Object> p = map(e.getValue(), path);
      known(p, path, Set.of("input", "output", "cached_input", "cache_write"));
      if (!p.containsKey("input") || !p.containsKey("output")) throw new ConfigException(path + ": input and output are required");
      out.put(e.getKey(), new dev.sluice.usage.Price(usd(p.get("input"), path + ".input"), usd(p.get("output"), path + ".output"),
          p.containsKey("cached_input") ? usd(p.get("cached_input"), path + ".cached_input") : null,
          p.containsKey("cache_write") ? usd(p.get("cache_write"), path + ".cache_write") : null, null));
    }
    return out;
  }

  /** A price as an exact decimal: YAML reads 0.15 as a double, whose shortest rendering is the written digits. */
  private static java.math.BigDecimal usd(Object node, String path) {
    java.math.BigDecimal v = new java.math.BigDecimal(number(node, path).toString());
    if (v.signum() < 0) throw new ConfigException(path + ": must not be negative");
    return v;
  }

  private static SimConfig sim(Map<String, Object> m, SimConfig d) {
    known(m, "sim", Set.of("tokens_per_second", "first_token_delay"));
    return new SimConfig(
        m.containsKey("tokens_per_second") ? number(m.get("tokens_per_second"), "sim.tokens_per_second").doubleValue()
            : d.tokensPerSecond(),
        m.containsKey("first_token_delay") ? duration(m.get("first_token_delay"), "sim.first_token_delay")
            : d.firstTokenDelay());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node, String path) {
    if (node instanceof Map<?, ?> m) {
      for (Object k : m.keySet()) if (!(k instanceof String)) throw new ConfigException(path + ": keys must be strings");
      return (Map<String, Object>) m;
    }
    throw new ConfigException(path + ": expected a mapping");
  }

  private static void known(Map<String, Object> m, String path, Set<String> keys) {
    for (String k : m.keySet()) {
      if (!keys.contains(k)) throw new ConfigException(path + ": unknown key '" + k + "'; known keys: " + keys);
    }
  }

  private static String string(Object node, String path) {
    if (node instanceof String s && !s.isBlank()) return s;
    throw new ConfigException(path + ": expected a non-empty string");
  }

  private static Number number(Object node, String path) {
    if (node instanceof Number n) return n;
    throw new ConfigException(path + ": expected a number");
  }

  private static int whole(Object node, String path, int min) {
    if (node instanceof Integer || node instanceof Long) {
      long v = ((Number) node).longValue();
      if (v >= min && v <= Integer.MAX_VALUE) return (int) v;
    }
    throw new ConfigException(path + ": expected a whole number of at least " + min);
  }

  private static Duration positive(Object node, String path) {
    Duration d = duration(node, path);
    if (d.isZero()) throw new ConfigException(path + ": must be more than zero");
    return d;
  }

  private static Duration duration(Object node, String path) {
    if (node instanceof String s) return Durations.parse(s, path);
    throw new ConfigException(path + ": expected a duration such as 500ms, 30s or 10m");
  }

  /** A {@code redis://} or {@code rediss://} URL; the error does not echo it, as it may hold a password. */
  private static URI redisUri(String text, String path) {
    try {
      URI u = URI.create(text.trim());
      if (u.getScheme() != null && (u.getScheme().equals("redis") || u.getScheme().equals("rediss")) && u.getHost() != null) {
        return u;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new ConfigException(path + ": expected redis://host:port");
  }

  private static URI uri(String text, String path) {
    try {
      URI u = URI.create(text.trim());
      if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
        throw new IllegalArgumentException();
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(path + ": '" + text + "' is not an http(s) URL");
    }
  }

  static int port(String text, String path) {
    try {
      int p = Integer.parseInt(text.trim());
      if (p >= 0 && p <= 65535) return p;
    } catch (NumberFormatException e) {
      // Reported below with the key's name.
    }
    throw new ConfigException(path + ": '" + text + "' is not a port number (0-65535)");
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
