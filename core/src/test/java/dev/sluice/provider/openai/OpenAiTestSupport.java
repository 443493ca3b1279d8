package dev.sluice.provider.openai;

import dev.sluice.provider.UpstreamHttp;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.testkit.FakeUpstream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;

/** What the OpenAI provider tests share: one HTTP client, as in the gateway, and small builders. */
final class OpenAiTestSupport {

  static final String KEY = "sk-test-0123456789abcdef";
  static final Duration DEADLINE = Duration.ofSeconds(10);
  static final HttpClient CLIENT = UpstreamHttp.newClient(Duration.ofSeconds(2));

  private OpenAiTestSupport() {}

  static OpenAiConfig config(FakeUpstream upstream) {
    return new OpenAiConfig("test", upstream.baseUrl(), KEY, List.of("gpt-4o"), Duration.ofSeconds(2),
        Duration.ofSeconds(5));
  }

  static OpenAiProvider provider(FakeUpstream upstream) {
    return new OpenAiProvider(config(upstream), CLIENT);
  }

  static ChatRequest hello() {
    return ChatRequest.of("gpt-4o", List.of(Message.text(Role.USER, "Hello")));
  }
}
