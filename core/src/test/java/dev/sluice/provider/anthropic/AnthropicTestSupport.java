package dev.sluice.provider.anthropic;

import dev.sluice.provider.UpstreamHttp;
import dev.sluice.sse.SseParser;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.testkit.FakeUpstream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Shared setup for the Anthropic provider's tests. */
final class AnthropicTestSupport {
  static final String KEY = "sk-ant-test-0123456789abcdef";
  static final Duration DEADLINE = Duration.ofSeconds(10);
  static final HttpClient CLIENT = UpstreamHttp.newClient(Duration.ofSeconds(2));

  private AnthropicTestSupport() {}

  static AnthropicProvider provider(FakeUpstream upstream) {
    return new AnthropicProvider(new AnthropicConfig("anthropic", upstream.baseUrl().resolve("/"), KEY, List.of("claude-x"),
        Duration.ofSeconds(2), Duration.ofSeconds(5)), CLIENT);
  }

  static ChatRequest hello() {
    return ChatRequest.of("claude-x", List.of(Message.text(Role.USER, "Hello")));
  }

  /**
   * The canonical events {@code body} decodes to when fed in pieces cut at {@code cuts} (byte offsets,
   * ascending), with {@link Started#createdEpochSeconds()} zeroed (it is the decoding time): the
   * decoder alone, without sockets, so that thousands of splits stay fast.
   */
  static List<StreamEvent> decode(byte[] body, int... cuts) {
    var decoder = new AnthropicEventDecoder("claude-x", new AnthropicErrorMapper("anthropic", KEY));
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
    while ((e = decoder.poll()) != null) {
      events.add(e instanceof Started s ? new Started(s.id(), s.model(), 0) : e);
    }
    return events;
  }
}
