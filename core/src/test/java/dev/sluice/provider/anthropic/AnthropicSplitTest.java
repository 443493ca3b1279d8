package dev.sluice.provider.anthropic;

import static dev.sluice.testkit.ProviderTestSupport.assertEverySplitDecodesAlike;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.Script;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each Anthropic fixture split at every byte boundary decodes to exactly the canonical events of the whole body. */
class AnthropicSplitTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"text.sse", "tool-use.sse", "error-midstream.sse", "cache-usage.sse", "thinking.sse",
      "two-tools.sse"})
  void everySplitGivesTheSameEvents(String fixture) {
    byte[] body = Script.fixtureBytes("fixtures/anthropic/" + fixture);
    assertThat(assertEverySplitDecodesAlike(AnthropicTestSupport::decoder, body)).hasSizeGreaterThan(3);
  }
}
