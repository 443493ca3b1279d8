package dev.sluice.provider.responses;

import static dev.sluice.testkit.ProviderTestSupport.CLIENT;
import static dev.sluice.testkit.ProviderTestSupport.upstreamConfig;

import dev.sluice.testkit.FakeUpstream;
import java.util.List;

/** The Responses provider and decoder as their tests build them. */
final class ResponsesTestSupport {

  private ResponsesTestSupport() {}

  /** Provider {@code test}, serving {@code gpt-4o}, at {@code upstream}. */
  static ResponsesProvider provider(FakeUpstream upstream) {
    return new ResponsesProvider(new ResponsesConfig(upstreamConfig("test", upstream.baseUrl(), List.of("gpt-4o"))), CLIENT);
  }

  static ResponsesEventDecoder decoder() {
    return new ResponsesEventDecoder("gpt-4o", new ResponsesErrorMapper("test", "sk-test-0123456789abcdef"));
  }
}
