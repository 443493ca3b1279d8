package dev.sluice.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sse.SseParser;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.testkit.Script;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each recorded OpenAI stream split at every byte boundary decodes to the events of the whole body. */
class OpenAiSplitTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"text.sse", "tool-call.sse", "two-tool-calls.sse", "length.sse", "n3-excerpt.sse",
      "refusal.sse"})
  void everySplitGivesTheSameEvents(String fixture) {
    byte[] body = Script.fixtureBytes("fixtures/openai/" + fixture);
    List<StreamEvent> whole = decode(body);
    assertThat(whole).hasSizeGreaterThan(2);
    for (int cut = 0; cut <= body.length; cut++) {
      assertThat(decode(body, cut)).as("cut at %d", cut).isEqualTo(whole);
    }
    for (int a = 0; a <= body.length; a += 97) {
      for (int b = a; b <= body.length; b += 89) {
        assertThat(decode(body, a, b)).as("cuts at %d and %d", a, b).isEqualTo(whole);
      }
    }
  }

  private static List<StreamEvent> decode(byte[] body, int... cuts) {
    var decoder = new OpenAiChunkDecoder("gpt-4o", new OpenAiErrorMapper("openai", "sk-x"));
    var parser = new SseParser(decoder);
    int from = 0;
    for (int cut : cuts) {
      parser.feed(body, from, cut - from);
      from = cut;
    }
    parser.feed(body, from, body.length - from);
    parser.end();
    decoder.endOfStream();
    var events = new ArrayList<StreamEvent>();
    StreamEvent e;
    while ((e = decoder.poll()) != null) events.add(e instanceof Started s ? new Started(s.id(), s.model(), 0) : e);
    return events;
  }
}
