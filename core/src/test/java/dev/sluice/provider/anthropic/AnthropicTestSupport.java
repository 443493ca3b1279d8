package dev.sluice.provider.anthropic;

import static dev.sluice.testkit.ProviderTestSupport.CLIENT;
import static dev.sluice.testkit.ProviderTestSupport.KEY;
import static dev.sluice.testkit.ProviderTestSupport.upstreamConfig;

import dev.sluice.stream.ChatRequest;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.ProviderTestSupport;
import java.util.List;

/** The Anthropic provider as its tests build it (the rest is in {@link ProviderTestSupport}). */
final class AnthropicTestSupport {

  private AnthropicTestSupport() {}

  /** Provider {@code anthropic}, serving {@code claude-x}, at {@code upstream}'s root (Anthropic's has no /v1). */
  static AnthropicProvider provider(FakeUpstream upstream) {
    return new AnthropicProvider(new AnthropicConfig(upstreamConfig("anthropic", upstream.baseUrl().resolve("/"),
        List.of("claude-x"))), CLIENT);
  }

  static ChatRequest hello() {
    return ProviderTestSupport.hello("claude-x");
  }

  /** A decoder of a call that asked for {@code claude-x}. */
  static AnthropicEventDecoder decoder() {
    return new AnthropicEventDecoder("claude-x", new AnthropicErrorMapper("anthropic", KEY));
  }
}
