package dev.sluice.provider.sim;

import dev.sluice.provider.EventStream;
import dev.sluice.provider.Provider;
import dev.sluice.stream.ChatRequest;
import java.util.List;

/**
 * The built-in simulated model: always live, deterministic text for a given request, honours
 * {@code max_tokens}, streams at a configured pace and reports exact usage. It serves the chat
 * page and tests with no key; it is never a stand-in for a real provider.
 *
 * <p>Models: {@code chat} (deterministic prose seeded by the conversation), {@code echo} (repeats the
 * last user message) and {@code tool} (calls the request's first tool with the last user message as
 * {@code {"input": ...}}).
 */
public final class SimProvider implements Provider {
  public static final String NAME = "sim";
  private static final List<String> MODELS = List.of("chat", "echo", "tool");

  private final SimConfig config;

  public SimProvider(SimConfig config) {
    this.config = config;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> models() {
    return MODELS;
  }

  @Override
  public boolean serves(String model) {
    return MODELS.contains(model);
  }

  @Override
  public EventStream stream(ChatRequest request) {
    return new SimStream(request, config);
  }
}
