package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.provider.Provider;
import dev.sluice.provider.anthropic.AnthropicProvider;
import dev.sluice.server.ClientViews.Call;
import dev.sluice.server.ClientViews.View;
import dev.sluice.server.config.ConfigException;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.SluiceConfig;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstreams declared in sluice.yaml: an OpenAI-compatible server with Ollama's quirks and an
 * Anthropic-kind proxy, reached by aliases, from Anthropic- and OpenAI-dialect clients.
 */
class CompatibleUpstreamTest {
  static FakeUpstream ollama;
  static FakeUpstream claudeProxy;
  static SluiceConfig config;
  static TestGateway gateway;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    ollama = FakeUpstream.start();
    claudeProxy = FakeUpstream.start();
    Path yaml = dir.resolve("sluice.yaml");
    Files.writeString(yaml, """
        providers:
          - name: ollama
            base_url: %s
            models: [llama3.2]
          - name: claude-proxy
            kind: anthropic
            base_url: %s
            api_key_env: PROXY_KEY
        models:
          fast: ollama/llama3.2
          smart: claude-proxy/claude-sonnet-4-5
        """.formatted(ollama.baseUrl(), claudeProxy.baseUrl().resolve("/")));
    config = ConfigLoader.load(yaml, Map.of("ANTHROPIC_API_KEY", "sk-ant-env", "ANTHROPIC_BASE_URL", "http://127.0.0.1:1"));
    gateway = TestGateway.start(b -> config.toBuilder().port(0).sim(b.build().sim()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    ollama.close();
    claudeProxy.close();
  }

  @Test
  void theEnvironmentAndKindAnthropicMakeAnthropicProviders() {
    assertThat(config.anthropicApiKey()).isEqualTo("sk-ant-env");
    assertThat(config.anthropicBaseUrl().toString()).isEqualTo("http://127.0.0.1:1");
    List<Provider> providers = Providers.fromConfig(config, Map.of("PROXY_KEY", "sk-proxy"));
    var byName = providers.stream().collect(java.util.stream.Collectors.toMap(Provider::name, p -> p));
    assertThat(byName.get("anthropic")).isInstanceOf(AnthropicProvider.class);
    assertThat(((AnthropicProvider) byName.get("claude-proxy")).config().upstream().apiKey()).isEqualTo("sk-proxy");
    assertThat(config.toString()).doesNotContain("sk-ant-env");
  }

  @Test
  void anAliasReachesTheAnthropicKindProvider() throws Exception {
    claudeProxy.enqueue(Script.fromFixture("fixtures/anthropic/text.sse"));
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
        "{\"model\":\"smart\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(r.body()).at("/choices/0/message/content").asText()).isEqualTo("Hello!");
    assertThat(claudeProxy.requests().getLast().path()).isEqualTo("/v1/messages");
    assertThat(claudeProxy.requests().getLast().bodyJson().get("model").asText()).isEqualTo("claude-sonnet-4-5");
  }

  @Test
  void toolCallsWithoutIndexAndUsageInEveryChunkReachAnAnthropicClientIntact() throws Exception {
    String head = "{\"id\":\"chatcmpl-o\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama3.2\",";
    ollama.enqueue(Script.sse(
        head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":0}}",
        head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\":1}\"}}]}}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":5}}",
        head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":9}}",
        head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":11}}"));
    HttpResponse<String> r = gateway.postJson("/v1/messages",
        "{\"model\":\"fast\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    View view = ClientViews.anthropic(r.body());
    assertThat(view.calls()).containsExactly(new Call("call_a", "f", "{\"x\":1}"), new Call("call_b", "g", "{}"));
    assertThat(view.finish()).isEqualTo("tool_calls");
    assertThat(view.usage()).isEqualTo("20/11/0");
    assertThat(ollama.requests().getLast().bodyJson().get("model").asText()).isEqualTo("llama3.2");
  }

  @Test
  void ollamasJsonErrorBodyBecomesAnAnthropicError() throws Exception {
    ollama.enqueue(Script.json(404, "{\"error\":\"model \\\"llama3.2\\\" not found, try pulling it first\"}"));
    HttpResponse<String> r = gateway.postJson("/v1/messages",
        "{\"model\":\"fast\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}");
    assertThat(r.statusCode()).isEqualTo(404);
    JsonNode error = Json.MAPPER.readTree(r.body());
    assertThat(error.at("/error/type").asText()).isEqualTo("not_found_error");
    assertThat(error.at("/error/message").asText()).contains("try pulling it first");
  }

  @Test
  void anUnknownKindOrABadAnthropicBaseUrlIsAConfigErrorNamingIt(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("bad.yaml");
    Files.writeString(yaml, "providers: [{ name: g, kind: gemini, base_url: 'http://x' }]\n");
    assertThatThrownBy(() -> ConfigLoader.load(yaml, Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("providers[0].kind").hasMessageContaining("'anthropic'");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("ANTHROPIC_BASE_URL", "api.anthropic.com")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ANTHROPIC_BASE_URL");
  }
}
