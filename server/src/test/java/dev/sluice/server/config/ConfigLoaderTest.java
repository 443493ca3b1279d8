package dev.sluice.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
