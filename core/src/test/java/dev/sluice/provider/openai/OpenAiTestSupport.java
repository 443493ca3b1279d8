package dev.sluice.provider.openai;

import static dev.sluice.testkit.ProviderTestSupport.CLIENT;
import static dev.sluice.testkit.ProviderTestSupport.upstreamConfig;

import dev.sluice.stream.ChatRequest;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.ProviderTestSupport;
import java.util.List;

/** The OpenAI provider as its tests build it (the rest is in {@link ProviderTestSupport}). */
final class OpenAiTestSupport {

  private OpenAiTestSupport() {}

  /** Provider {@code test}, serving {@code gpt-4o}, at {@code upstream}. */
  static OpenAiProvider provider(FakeUpstream upstream) {
    return new OpenAiProvider(new OpenAiConfig(upstreamConfig("test", upstream.baseUrl(), List.of("gpt-4o"))), CLIENT);
  }

  static ChatRequest hello() {
    return ProviderTestSupport.hello("gpt-4o");
  }
}
