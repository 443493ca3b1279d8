package dev.sluice.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.policy.BreakerSettings;
import dev.sluice.policy.Resilience;
import dev.sluice.policy.RetryPolicy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path yaml(String text) throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, text);
    return file;
  }

  @Test
  void runsOnDefaultsWithNoConfigurationAtAll() {
    SluiceConfig c = ConfigLoader.load(null, Map.of());
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.openAiApiKey()).isNull();
    assertThat(c.timeouts()).isEqualTo(Timeouts.DEFAULT);
    assertThat(c.heartbeat()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void readsResumeAndRedisSettingsAndNeverShowsTheRedisPassword() throws Exception {
    Path file = yaml("""
        resume: { grace: 2s, retention: 30s, log_bytes: 1048576 }
        redis: { url: "redis://127.0.0.1:6390", on_failure: open }
        """);
    SluiceConfig c = ConfigLoader.load(file, Map.of("SLUICE_REDIS_URL", "redis://:s3cret@10.0.0.20:6379"));
    assertThat(c.resume()).isEqualTo(new ResumeSettings(Duration.ofSeconds(2), Duration.ofSeconds(30), 1048576));
    assertThat(c.redis().url()).isEqualTo(URI.create("redis://:s3cret@10.0.0.20:6379"));
    assertThat(c.redis().onFailure()).isEqualTo(RedisSettings.OnFailure.OPEN);
    assertThat(c.toString()).contains("redis://10.0.0.20:6379").doesNotContain("s3cret");
    assertThat(ConfigLoader.load(null, Map.of()).redis()).isEqualTo(RedisSettings.NONE);

    assertThatThrownBy(() -> ConfigLoader.load(yaml("redis: { on_failure: maybe }"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("redis.on_failure");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLUICE_REDIS_URL", "http://:pw@x:1")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SLUICE_REDIS_URL").hasMessageNotContaining("pw");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("resume: { log_bytes: 10 }"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("resume.log_bytes");
  }

  @Test
  void readsTheContractsKeysAndLetsTheEnvironmentWin() throws Exception {
    Path file = yaml("""
        providers:
          - name: ollama
            kind: openai
            base_url: http://127.0.0.1:11434/v1
            api_key_env: OLLAMA_API_KEY
            models: [llama3.2]
        timeouts:
          connect: 500ms
          first_token: 45s
          total: 10m
        models:
          fast: { target: openai/gpt-4o-mini }
          toy: sim/echo
        sim: { tokens_per_second: 100, first_token_delay: 250ms }
        server: { heartbeat: 5s, write_timeout: 10s, max_body_bytes: 1024, client_send_buffer_bytes: 32768,
                  upstream_receive_buffer_bytes: 0 }
        """);
    SluiceConfig c = ConfigLoader.load(file, Map.of("OPENAI_API_KEY", "sk-test", "SLUICE_PORT", "9090"));
    assertThat(c.providers()).containsExactly(new CompatibleProvider("ollama", "openai",
        URI.create("http://127.0.0.1:11434/v1"), "OLLAMA_API_KEY", java.util.List.of("llama3.2")));
    assertThat(c.timeouts().connect()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.timeouts().firstToken()).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.timeouts().idle()).isEqualTo(Timeouts.DEFAULT.idle());
    assertThat(c.aliases()).containsEntry("fast", "openai/gpt-4o-mini").containsEntry("toy", "sim/echo");
    assertThat(c.sim().tokensPerSecond()).isEqualTo(100);
    assertThat(c.sim().firstTokenDelay()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.heartbeat()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.maxBodyBytes()).isEqualTo(1024);
    assertThat(c.clientSendBufferBytes()).isEqualTo(32768);
    assertThat(c.upstreamReceiveBufferBytes()).isZero();
    assertThat(c.toBuilder().port(1).build()).isEqualTo(c.toBuilder().port(1).build().toBuilder().build())
        .extracting(SluiceConfig::clientSendBufferBytes).isEqualTo(32768);
    assertThat(c.openAiApiKey()).isEqualTo("sk-test");
    assertThat(c.port()).isEqualTo(9090);
    assertThat(c.toString()).doesNotContain("sk-test");
  }

  @Test
  void namesTheKeyOfEveryMistake() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(yaml("timeout: { connect: 5s }"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'timeout'");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("timeouts: { connect: five }"), Map.of()))
        .hasMessageContaining("timeouts.connect");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("providers: [{ name: x, base_url: 'ftp://x' }]"), Map.of()))
        .hasMessageContaining("providers[0].base_url");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("providers: [{ name: openai, base_url: 'http://x' }]"), Map.of()))
        .hasMessageContaining("built-in");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("sim: [1, 2"), Map.of())).isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLUICE_PORT", "http"))).hasMessageContaining("SLUICE_PORT");
  }

  @Test
  void readsRetriesBreakersFallbacksAndPerModelTimeouts() throws Exception {
    Path file = yaml("""
        models:
          fast:
            target: openai/gpt-4o-mini
            fallbacks: [backup/small, sim/chat]
            timeouts: { first_token: 2s }
            on_midstream_failure: continue
          plain: { target: sim/echo }
        timeouts: { first_token: 45s, idle: 10s }
        retry: { attempts: 4, max_backoff: 2s, budget: 20s, base_backoff: 100ms, max_retry_after: 5s }
        circuit_breaker: { failures: 3, cooldown: 10s, half_open_probes: 2 }
        """);
    SluiceConfig c = ConfigLoader.load(file, Map.of());
    assertThat(c.retry()).isEqualTo(new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(2),
        Duration.ofSeconds(20), Duration.ofSeconds(5)));
    assertThat(c.circuitBreaker()).isEqualTo(new BreakerSettings(true, 3, Duration.ofSeconds(10), 2));
    assertThat(c.aliases()).containsEntry("fast", "openai/gpt-4o-mini").containsEntry("plain", "sim/echo");
    assertThat(c.modelPolicies().get("fast").fallbacks()).containsExactly("backup/small", "sim/chat");
    assertThat(c.modelPolicies().get("fast").midStream()).isEqualTo(Resilience.MidStream.CONTINUE);
    // The alias overrides first_token and inherits the global idle, whatever the order in the file.
    assertThat(c.timeoutsFor("fast").firstToken()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.timeoutsFor("fast").idle()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.timeoutsFor("plain").firstToken()).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.modelPolicies()).doesNotContainKey("plain");
  }

  @Test
  void theContractsRetryDefaultsAndPartialOverrides() throws Exception {
    assertThat(ConfigLoader.load(null, Map.of()).retry()).isEqualTo(RetryPolicy.DEFAULT);
    assertThat(RetryPolicy.DEFAULT.attempts()).isEqualTo(3);
    assertThat(RetryPolicy.DEFAULT.maxBackoff()).isEqualTo(Duration.ofSeconds(8));
    assertThat(RetryPolicy.DEFAULT.budget()).isEqualTo(Duration.ofSeconds(30));
    SluiceConfig c = ConfigLoader.load(yaml("retry: { attempts: 1 }\ncircuit_breaker: { enabled: false }"), Map.of());
    assertThat(c.retry().attempts()).isEqualTo(1);
    assertThat(c.retry().budget()).isEqualTo(RetryPolicy.DEFAULT.budget());
    assertThat(c.circuitBreaker().enabled()).isFalse();
  }

  @Test
  void namesTheKeyOfEveryResilienceMistake() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(yaml("retry: { attempt: 3 }"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'attempt'");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("retry: { attempts: 0 }"), Map.of()))
        .hasMessageContaining("retry.attempts");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("retry: { budget: -5s }"), Map.of()))
        .hasMessageContaining("retry.budget");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("circuit_breaker: { failures: 2.5 }"), Map.of()))
        .hasMessageContaining("circuit_breaker.failures");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("circuit_breaker: { open_for: 1s }"), Map.of()))
        .hasMessageContaining("'open_for'");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("models: { fast: { target: sim/chat, fallbacks: sim/echo } }"),
        Map.of())).hasMessageContaining("models.fast.fallbacks");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("models: { fast: { target: sim/chat, timeouts: { idel: 1s } } }"),
        Map.of())).hasMessageContaining("models.fast.timeouts").hasMessageContaining("'idel'");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("models: { fast: { target: sim/chat, on_midstream_failure: retry } }"),
        Map.of())).hasMessageContaining("models.fast.on_midstream_failure");
  }

  @Test
  void readsPricesTheAbortPolicyAndTheLedgerSettings() throws Exception {
    Path file = yaml("""
        models:
          careful: { target: openai/gpt-4o-mini, on_client_abort: drain, drain_max: 5s }
          eager: { target: openai/gpt-4o-mini, on_client_abort: drain }
          quick: { target: sim/echo, on_client_abort: cancel }
        prices:
          openai/gpt-4o-mini: { input: 0.15, output: 0.60, cached_input: 0.075 }
          llama3.2: { input: 0, output: 0.0000001 }
        """);
    SluiceConfig c = ConfigLoader.load(file, Map.of("SLUICE_DB_URL", "jdbc:postgresql://db/sluice", "SLUICE_DB_USER", "u",
        "SLUICE_DB_PASSWORD", "pw-secret", "SLUICE_ADMIN_KEY", "admin-secret", "SLUICE_REQUIRE_AUTH", "true"));
    assertThat(c.modelPolicies().get("careful").drain()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.modelPolicies().get("eager").drain()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.modelPolicies().get("quick").drain()).isNull();
    var price = c.accounting().prices().get("openai/gpt-4o-mini");
    assertThat(price.input()).isEqualByComparingTo("0.15");
    assertThat(price.cachedInput()).isEqualByComparingTo("0.075");
    assertThat(price.cacheWrite()).isEqualByComparingTo("0.15");
    assertThat(c.accounting().prices().get("llama3.2").output()).isEqualByComparingTo("0.0000001");
    assertThat(c.accounting().dbUrl()).isEqualTo("jdbc:postgresql://db/sluice");
    assertThat(c.accounting().dbUser()).isEqualTo("u");
    assertThat(c.accounting().requireAuth()).isTrue();
    assertThat(c.toString()).doesNotContain("pw-secret").doesNotContain("admin-secret");
    assertThat(ConfigLoader.load(null, Map.of()).accounting().dbUrl()).isEqualTo("jdbc:sqlite:data/sluice.db");
  }

  @Test
  void theLedgersJournalIsBesideTheLedgerUnlessTheEnvironmentSaysWhereAndHowBig() {
    assertThat(ConfigLoader.load(null, Map.of()).accounting().journal()).isEqualTo(LedgerJournal.DEFAULT);
    var journal = ConfigLoader.load(null, Map.of("SLUICE_LEDGER_JOURNAL", "/var/lib/sluice/ledger.journal",
        "SLUICE_LEDGER_JOURNAL_MAX_BYTES", "1048576")).accounting().journal();
    assertThat(journal.path()).isEqualTo(Path.of("/var/lib/sluice/ledger.journal"));
    assertThat(journal.maxBytes()).isEqualTo(1_048_576);
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLUICE_LEDGER_JOURNAL_MAX_BYTES", "64MB")))
        .hasMessageContaining("SLUICE_LEDGER_JOURNAL_MAX_BYTES");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLUICE_LEDGER_JOURNAL_MAX_BYTES", "0")))
        .hasMessageContaining("SLUICE_LEDGER_JOURNAL_MAX_BYTES");
  }

  @Test
  void refusesBadPricesAbortPoliciesAndDatabaseUrls() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(yaml("prices: { m: { input: 1 } }"), Map.of()))
        .hasMessageContaining("prices.m: input and output are required");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("prices: { m: { input: -1, output: 1 } }"), Map.of()))
        .hasMessageContaining("prices.m.input");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("models: { a: { target: sim/echo, on_client_abort: keep } }"), Map.of()))
        .hasMessageContaining("models.a.on_client_abort");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLUICE_DB_URL", "jdbc:mysql://x/y")))
        .hasMessageContaining("SLUICE_DB_URL");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLUICE_REQUIRE_AUTH", "maybe")))
        .hasMessageContaining("SLUICE_REQUIRE_AUTH");
  }

  @Test
  void anEmptyValueIsAnErrorNamingItsKeyNotADefault() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(yaml("timeouts:"), Map.of())).hasMessageContaining("timeouts: expected a mapping");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("timeouts: { idle: ~ }"), Map.of()))
        .hasMessageContaining("timeouts.idle: no value");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("models: { fast: { target: sim/chat, fallbacks: [sim/echo, null] } }"),
        Map.of())).hasMessageContaining("models.fast.fallbacks[1]: no value");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("providers: [{ name: x, base_url: 'http://x', api_key_env: }]"),
        Map.of())).hasMessageContaining("providers[0].api_key_env");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("models: { toy: }"), Map.of())).hasMessageContaining("models.toy");
  }

  @Test
  void aValueOfTheWrongYamlTypeIsAnErrorNamingItsKey() throws Exception {
    // YAML 1.2 types: yes is a word, a quoted number is text, and nothing is converted on the way.
    assertThatThrownBy(() -> ConfigLoader.load(yaml("circuit_breaker: { enabled: yes }"), Map.of()))
        .hasMessageContaining("circuit_breaker.enabled: expected true or false");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("server: { max_body_bytes: '1024' }"), Map.of()))
        .hasMessageContaining("server.max_body_bytes: expected a whole number");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("providers: [{ name: 5, base_url: 'http://x' }]"), Map.of()))
        .hasMessageContaining("providers[0].name: expected a string");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("providers: [{ name: x, base_url: 'http://x', models: [3] }]"), Map.of()))
        .hasMessageContaining("providers[0].models[0]");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("retry: { attempts: 2.5 }"), Map.of()))
        .hasMessageContaining("retry.attempts: expected a whole number");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("circuit_breaker: { failures: 99999999999 }"), Map.of()))
        .hasMessageContaining("circuit_breaker.failures").hasMessageContaining("out of range");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("server: { heartbeat: 5 }"), Map.of()))
        .hasMessageContaining("server.heartbeat: expected a duration such as 500ms, 30s or 10m");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("models: { toy: [sim/echo] }"), Map.of()))
        .hasMessageContaining("models.toy: expected a mapping");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("prices: { m: { input: '0.1', output: 1 } }"), Map.of()))
        .hasMessageContaining("prices.m.input: expected a number");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("- timeouts"), Map.of())).hasMessageContaining("the top level: expected a mapping");
  }

  @Test
  void aProviderMaySpeakTheResponsesWireFormatAndAnUnknownKindIsNamed() throws Exception {
    SluiceConfig c = ConfigLoader.load(yaml("providers: [{ name: codexy, kind: responses, base_url: 'http://x/v1' }]"),
        Map.of());
    assertThat(c.providers()).containsExactly(new CompatibleProvider("codexy", "responses", URI.create("http://x/v1"),
        null, java.util.List.of()));
    assertThatThrownBy(() -> ConfigLoader.load(yaml("providers: [{ name: x, base_url: 'http://x', kind: gemini }]"),
        Map.of())).hasMessageContaining("providers[0].kind: 'gemini' is not supported; use 'openai', 'anthropic' or 'responses'");
  }

  @Test
  void anUnknownKeyIsNamedWithItsPathAndTheKeysKnownThere() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(yaml("providers: [{ name: x, base_url: 'http://x', kinds: openai }]"),
        Map.of())).hasMessageContaining("providers[0]: unknown key 'kinds'; known keys: [api_key_env, base_url, kind, models, name]");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("prices: { openai/gpt-4o: { input: 1, output: 2, cached: 1 } }"),
        Map.of())).hasMessageContaining("prices.openai/gpt-4o: unknown key 'cached'").hasMessageContaining("cached_input");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("timeout: 1"), Map.of()))
        .hasMessageContaining("unknown key 'timeout'").hasMessageContaining("timeouts").hasMessageContaining("circuit_breaker");
  }

  @Test
  void anAliasRepeatsItsAnchoredNode() throws Exception {
    SluiceConfig c = ConfigLoader.load(yaml("""
        models:
          fast: { target: openai/gpt-4o-mini, timeouts: &quick { first_token: 7s } }
          small: { target: sim/echo, timeouts: *quick }
        """), Map.of());
    assertThat(c.timeoutsFor("small").firstToken()).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void aDuplicateKeyOrASecondDocumentIsAnError() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(yaml("timeouts: { connect: 1s, connect: 2s }"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'connect'");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("sim: { tokens_per_second: 1 }\n---\nsim: {}\n"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("single document");
  }

  @Test
  void anEmptyFileMeansTheDefaults() throws Exception {
    SluiceConfig defaults = ConfigLoader.load(null, Map.of());
    assertThat(ConfigLoader.load(yaml(""), Map.of())).isEqualTo(defaults);
    assertThat(ConfigLoader.load(yaml("# all defaults\n"), Map.of())).isEqualTo(defaults);
    assertThat(ConfigLoader.load(yaml("~\n"), Map.of())).isEqualTo(defaults);
  }

  @Test
  void aFileSavedWithAByteOrderMarkAndWindowsLineEndsReadsTheSame() throws Exception {
    SluiceConfig c = ConfigLoader.load(yaml("\uFEFFsim:\r\n  tokens_per_second: 5\r\n"), Map.of());
    assertThat(c.sim().tokensPerSecond()).isEqualTo(5);
  }

  @Test
  void theFileIsTheOneNamedElseSluiceConfigAndAMissingOneIsAnError() throws Exception {
    Path named = yaml("sim: { tokens_per_second: 5 }");
    Path other = dir.resolve("other.yaml");
    Files.writeString(other, "sim: { tokens_per_second: 7 }");
    assertThat(ConfigLoader.load(null, Map.of("SLUICE_CONFIG", other.toString())).sim().tokensPerSecond()).isEqualTo(7);
    assertThat(ConfigLoader.load(named, Map.of("SLUICE_CONFIG", other.toString())).sim().tokensPerSecond()).isEqualTo(5);
    Path missing = dir.resolve("missing.yaml");
    assertThatThrownBy(() -> ConfigLoader.load(missing, Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cannot read " + missing);
  }

  @Test
  void deadlinesMustBeMoreThanZeroAndDrainMaxNeedsTheDrainPolicy() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(yaml("timeouts: { idle: 0s }"), Map.of()))
        .hasMessageContaining("timeouts.idle: must be more than zero");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("models: { a: { target: sim/echo, drain_max: 2s } }"), Map.of()))
        .hasMessageContaining("models.a.drain_max: only with on_client_abort: drain");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("models: { a: { target: sim/echo, on_client_abort: drain, drain_max: 0s } }"),
        Map.of())).hasMessageContaining("models.a.drain_max: must be more than zero");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("server: { heartbeat: 10x }"), Map.of()))
        .hasMessageContaining("server.heartbeat: '10x' is not a duration");
    assertThat(ConfigLoader.load(yaml("server: { heartbeat: 0s, drain_timeout: 1h }"), Map.of()))
        .extracting(SluiceConfig::heartbeat, SluiceConfig::drainTimeout).containsExactly(Duration.ZERO, Duration.ofHours(1));
  }

  @Test
  void readsTheCapsAndZeroTurnsOneOff() throws Exception {
    SluiceConfig defaults = ConfigLoader.load(null, Map.of());
    assertThat(defaults.caps()).isEqualTo(Caps.DEFAULT).isEqualTo(new Caps(10_000, 1_000, 1_000));
    assertThat(defaults.resume().maxTotalLogBytes()).isEqualTo(256L * 1024 * 1024);

    SluiceConfig c = ConfigLoader.load(yaml("""
        server: { max_connections: 500, max_streams_per_key: 0, max_streams_per_client: 20 }
        resume: { log_bytes: 65536, max_total_log_bytes: 1048576 }
        """), Map.of());
    assertThat(c.caps()).isEqualTo(new Caps(500, 0, 20));
    assertThat(c.resume().maxTotalLogBytes()).isEqualTo(1048576);
    assertThat(c.toString()).contains("caps=Caps[maxConnections=500");
    // A key left out keeps its default.
    assertThat(ConfigLoader.load(yaml("server: { max_streams_per_client: 0 }"), Map.of()).caps())
        .isEqualTo(new Caps(10_000, 1_000, 0));
    assertThat(ConfigLoader.load(yaml("resume: { max_total_log_bytes: 0 }"), Map.of()).resume().maxTotalLogBytes()).isZero();
  }

  @Test
  void refusesNegativeCapsAndATotalBelowOneLog() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(yaml("server: { max_connections: -1 }"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("server.max_connections: expected a whole number of at least 0");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("server: { max_streams_per_key: many }"), Map.of()))
        .hasMessageContaining("server.max_streams_per_key: expected a whole number");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("server: { max_streams_per_client: 1.5 }"), Map.of()))
        .hasMessageContaining("server.max_streams_per_client");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("resume: { max_total_log_bytes: 65536 }"), Map.of()))
        .hasMessageContaining("resume.max_total_log_bytes must be 0 (no bound) or at least resume.log_bytes (4194304)");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("resume: { max_total_log_bytes: -1 }"), Map.of()))
        .hasMessageContaining("resume.max_total_log_bytes");
  }

  @Test
  void aBlankEnvironmentVariableCountsAsUnset() throws Exception {
    SluiceConfig c = ConfigLoader.load(yaml("redis: { url: 'redis://127.0.0.1:6390' }"),
        Map.of("OPENAI_API_KEY", " ", "SLUICE_PORT", "", "SLUICE_REDIS_URL", " "));
    assertThat(c.openAiApiKey()).isNull();
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.redis().url()).isEqualTo(URI.create("redis://127.0.0.1:6390"));
  }

  @Test
  void readsTheAllowedOriginsAndHostsAndLetsTheEnvironmentWin() throws Exception {
    Path file = yaml("""
        server:
          allowed_origins: [https://chat.example.com, "http://10.0.0.5:3000"]
          allowed_hosts: [gateway.example.com]
        """);
    SluiceConfig c = ConfigLoader.load(file, Map.of());
    assertThat(c.edge().allowedOrigins()).containsExactly("https://chat.example.com", "http://10.0.0.5:3000");
    assertThat(c.edge().allowedHosts()).containsExactly("gateway.example.com");
    SluiceConfig env = ConfigLoader.load(file, Map.of("SLUICE_ALLOWED_ORIGINS", "https://a.example, https://b.example"));
    assertThat(env.edge().allowedOrigins()).containsExactly("https://a.example", "https://b.example");
    assertThat(env.edge().allowedHosts()).containsExactly("gateway.example.com");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("server: { allowed_origins: [https://chat.example.com/path] }"), Map.of()))
        .hasMessageContaining("server.allowed_origins[0]");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLUICE_ALLOWED_HOSTS", "http://x.example")))
        .hasMessageContaining("SLUICE_ALLOWED_HOSTS");
  }
}
