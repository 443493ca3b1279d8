package dev.sluice.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.StreamEvent;
import dev.sluice.testkit.Script;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each fixture split at every byte boundary (one cut, then two cuts at pairs of positions on
 * prime strides) decodes to exactly the canonical events of the whole body: no event depends
 * on how TCP cut the stream.
 */
class AnthropicSplitTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"text.sse", "tool-use.sse", "error-midstream.sse", "cache-usage.sse", "thinking.sse",
      "two-tools.sse"})
  void everySplitGivesTheSameEvents(String fixture) {
    byte[] body = Script.fixtureBytes("fixtures/anthropic/" + fixture);
    List<StreamEvent> whole = AnthropicTestSupport.decode(body);
    assertThat(whole).hasSizeGreaterThan(3);
    for (int cut = 0; cut <= body.length; cut++) {
      assertThat(AnthropicTestSupport.decode(body, cut)).as("cut at %d", cut).isEqualTo(whole);
    }
    for (int a = 0; a <= body.length; a += 97) {
      for (int b = a; b <= body.length; b += 89) {
        assertThat(AnthropicTestSupport.decode(body, a, b)).as("cuts at %d and %d", a, b).isEqualTo(whole);
      }
    }
  }
}
