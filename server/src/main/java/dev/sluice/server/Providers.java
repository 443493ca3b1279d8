package dev.sluice.server;

import dev.sluice.provider.HttpProvider;
import dev.sluice.provider.Provider;
import dev.sluice.provider.UpstreamConfig;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.provider.anthropic.AnthropicConfig;
import dev.sluice.provider.anthropic.AnthropicProvider;
import dev.sluice.provider.openai.OpenAiConfig;
import dev.sluice.provider.openai.OpenAiProvider;
import dev.sluice.provider.responses.ResponsesConfig;
import dev.sluice.provider.responses.ResponsesProvider;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.server.config.CompatibleProvider;
import dev.sluice.server.config.SluiceConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.client.HttpClient;

/**
 * The providers a configuration makes live: {@code sim} always, {@code openai} and {@code anthropic}
 * when their keys are set, and every upstream declared under {@code providers:}: OpenAI-compatible
 * ({@code kind: openai}, the default; a local server such as Ollama needs no key), Anthropic
 * ({@code kind: anthropic}) or OpenAI Responses ({@code kind: responses}). All upstream calls share one
 * HTTP client and its connection pool; the client is built here, unstarted, and {@link SluiceServer}
 * starts and stops it ({@link #clientsToStart}).
 */
final class Providers {
  private Providers() {}

  static List<Provider> fromConfig(SluiceConfig config, Map<String, String> env) {
    var providers = new ArrayList<Provider>();
    providers.add(new SimProvider(config.sim()));
    HttpClient http = UpstreamHttp.newClient(config.timeouts().connect(), config.upstreamReceiveBufferBytes());
    if (config.openAiApiKey() != null) {
      providers.add(new OpenAiProvider(new OpenAiConfig(upstream(config, "openai", config.openAiBaseUrl(),
          config.openAiApiKey(), config.openAiModels())), http));
    }
    if (config.anthropicApiKey() != null) {
      providers.add(new AnthropicProvider(new AnthropicConfig(upstream(config, "anthropic", config.anthropicBaseUrl(),
          config.anthropicApiKey(), config.anthropicModels())), http));
    }
    for (CompatibleProvider p : config.providers()) {
      String key = p.apiKeyEnv() == null ? null : env.get(p.apiKeyEnv());
      UpstreamConfig upstream = upstream(config, p.name(), p.baseUrl(), key, p.models());
      providers.add(switch (p.kind()) {
        case "anthropic" -> new AnthropicProvider(new AnthropicConfig(upstream), http);
        case "responses" -> new ResponsesProvider(new ResponsesConfig(upstream), http);
        default -> new OpenAiProvider(new OpenAiConfig(upstream), http);
      });
    }
    return providers;
  }

  /**
   * The upstream clients of {@code providers} that nobody has started yet, each once: those the server
   * owns, starts with its buffer pool and scheduler, and stops. A client already running (a test's
   * shared one) stays its owner's.
   */
  static List<HttpClient> clientsToStart(List<Provider> providers) {
    var clients = new ArrayList<HttpClient>();
    for (Provider p : providers) {
      if (p instanceof HttpProvider<?> h && !h.client().isStarted() && !h.client().isStarting()
          && clients.stream().noneMatch(c -> c == h.client())) {
        clients.add(h.client());
      }
    }
    return clients;
  }

  /** An upstream with the configured timeouts. */
  private static UpstreamConfig upstream(SluiceConfig config, String name, URI baseUrl, String key,
      List<String> models) {
    return new UpstreamConfig(name, baseUrl, key, models, config.timeouts().connect(), config.timeouts().headers());
  }
}
