package dev.sluice.provider.openai;

import static dev.sluice.testkit.ProviderTestSupport.assertEverySplitDecodesAlike;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testkit.Script;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each recorded OpenAI stream split at every byte boundary decodes to the events of the whole body. */
class OpenAiSplitTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"text.sse", "tool-call.sse", "two-tool-calls.sse", "length.sse", "n3-excerpt.sse",
      "refusal.sse"})
  void everySplitGivesTheSameEvents(String fixture) {
    byte[] body = Script.fixtureBytes("fixtures/openai/" + fixture);
    var decoded = assertEverySplitDecodesAlike(
        () -> new OpenAiChunkDecoder("gpt-4o", new OpenAiErrorMapper("openai", "sk-x")), body);
    assertThat(decoded).hasSizeGreaterThan(2);
  }
}
