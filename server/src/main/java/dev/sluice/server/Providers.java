package dev.sluice.server;

import dev.sluice.provider.Provider;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.provider.openai.OpenAiConfig;
import dev.sluice.provider.openai.OpenAiProvider;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.server.config.CompatibleProvider;
import dev.sluice.server.config.SluiceConfig;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The providers a configuration makes live: {@code sim} always, {@code openai} when its key is set,
 * and every OpenAI-compatible upstream declared under {@code providers:} (a local server such as
 * Ollama needs no key). All upstream calls share one HTTP client and its connection pool.
 */
final class Providers {
  private Providers() {}

  static List<Provider> fromConfig(SluiceConfig config, Map<String, String> env) {
    var providers = new ArrayList<Provider>();
    providers.add(new SimProvider(config.sim()));
    HttpClient http = UpstreamHttp.newClient(config.timeouts().connect());
    if (config.openAiApiKey() != null) {
      providers.add(new OpenAiProvider(new OpenAiConfig("openai", config.openAiBaseUrl(), config.openAiApiKey(),
          config.openAiModels(), config.timeouts().connect(), config.timeouts().headers()), http));
    }
    for (CompatibleProvider p : config.providers()) {
      String key = p.apiKeyEnv() == null ? null : env.get(p.apiKeyEnv());
      providers.add(new OpenAiProvider(new OpenAiConfig(p.name(), p.baseUrl(), key, p.models(),
          config.timeouts().connect(), config.timeouts().headers()), http));
    }
    return providers;
  }
}
