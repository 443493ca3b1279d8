package dev.sluice.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One item of {@code providers:}: an extra upstream speaking OpenAI's Chat Completions, Anthropic's
 * Messages or OpenAI's Responses.
 */
record ProviderEntry(String name, String kind, String baseUrl, String apiKeyEnv, List<String> models) {
  private static final Set<String> BUILT_IN = Set.of("openai", "anthropic", "sim");
  /** The wire formats an upstream may speak: Chat Completions, Anthropic Messages, OpenAI Responses. */
  private static final Set<String> KINDS = Set.of("openai", "anthropic", "responses");

  static List<CompatibleProvider> all(List<ProviderEntry> entries) {
    var out = new ArrayList<CompatibleProvider>();
    for (int i = 0; i < entries.size(); i++) out.add(entries.get(i).provider("providers[" + i + "]"));
    return out;
  }

  private CompatibleProvider provider(String path) {
    Checks.nonEmpty(name, path + ".name");
    if (BUILT_IN.contains(name)) throw new ConfigException(path + ".name: '" + name + "' is a built-in provider; pick another name");
    String dialect = kind == null ? "openai" : Checks.nonEmpty(kind, path + ".kind");
    if (!KINDS.contains(dialect)) {
      throw new ConfigException(path + ".kind: '" + dialect + "' is not supported; use 'openai', 'anthropic' or 'responses'");
    }
    var names = new ArrayList<String>();
    if (models != null) for (int i = 0; i < models.size(); i++) names.add(Checks.nonEmpty(models.get(i), path + ".models[" + i + "]"));
    return new CompatibleProvider(name, dialect, Checks.httpUrl(Checks.nonEmpty(baseUrl, path + ".base_url"), path + ".base_url"),
        apiKeyEnv == null ? null : Checks.nonEmpty(apiKeyEnv, path + ".api_key_env"), names);
  }
}
