package dev.sluice.server.config;

import java.net.URI;
import java.util.List;

/**
 * An extra upstream declared under {@code providers:} in sluice.yaml.
 *
 * @param kind its wire format: {@code openai} (Chat Completions), {@code anthropic} or {@code responses}
 */
public record CompatibleProvider(String name, String kind, URI baseUrl, String apiKeyEnv, List<String> models) {}
