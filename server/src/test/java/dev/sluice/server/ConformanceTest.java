package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.ClientViews.Call;
import dev.sluice.server.ClientViews.View;
import dev.sluice.server.config.CompatibleProvider;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance table: every recorded stream of every provider, relayed through a real gateway to
 * a client of every dialect, shows that client the same answer: text (a refusal counts as text), tool
 * calls (id, name, arguments), the finish reason and the usage; a failed stream shows the dialect's
 * error. Expected values are read off the fixture files, not computed by the code under test.
 */
class ConformanceTest {
  static FakeUpstream anthropicUpstream;
  static FakeUpstream openAiUpstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    anthropicUpstream = FakeUpstream.start();
    openAiUpstream = FakeUpstream.start();
    gateway = TestGateway.start(b -> b.anthropic("sk-ant-upstream", anthropicUpstream.baseUrl().resolve("/"))
        .providers(List.of(new CompatibleProvider("compat", "openai", openAiUpstream.baseUrl(), null, List.of()))));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    anthropicUpstream.close();
    openAiUpstream.close();
  }

  /** A fixture and what every client must see of it; {@code usage} is prompt/completion/cached. */
  record Case(String fixture, String text, List<Call> calls, String finish, String usage, String error) {
    boolean anthropic() {
      return fixture.startsWith("anthropic/");
    }
  }

  static List<Case> cases() {
    return List.of(
        new Case("anthropic/text.sse", "Hello!", List.of(), "stop", "25/15/0", null),
        new Case("anthropic/tool-use.sse", "Okay, let's check the weather for San Francisco, CA:",
            List.of(new Call("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather",
                "{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}")), "tool_calls", "472/89/0", null),
        new Case("anthropic/two-tools.sse", "",
            List.of(new Call("toolu_01A", "get_weather", "{\"city\": \"Paris\"}"),
                new Call("toolu_01B", "get_time", "{\"tz\": \"Europe/Paris\"}")), "tool_calls", "700/61/200", null),
        new Case("anthropic/cache-usage.sse", "Done.", List.of(), "stop", "10682/510/0", null),
        new Case("anthropic/thinking.sse", "12231", List.of(), "length", "100/120/50", null),
        new Case("anthropic/error-midstream.sse", "Hello", List.of(), null, null, "overloaded"),
        new Case("openai/text.sse", "I'm unable to provide real-time weather updates. To get the current weather in "
            + "San Francisco, I recommend checking a reliable weather website or a weather app.", List.of(), "stop",
            "14/30/0", null),
        new Case("openai/tool-call.sse", "",
            List.of(new Call("call_4XzlGBLtUe9dy3GVNV4jhq7h", "get_weather", "{\"city\":\"New York City\"}")),
            "tool_calls", "44/16/0", null),
        new Case("openai/two-tool-calls.sse", "", List.of(
            new Call("call_JMW1whyEaYG438VE1OIflxA2", "GetWeatherArgs",
                "{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}"),
            new Call("call_DNYTawLBoN8fj3KN6qU9N1Ou", "get_stock_price",
                "{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}")), "tool_calls", "149/60/0", null),
        new Case("openai/length.sse", "{\"", List.of(), "length", "79/1/0", null),
        new Case("openai/refusal.sse", "I'm sorry, I can't assist with that request.", List.of(), "stop", "79/11/0",
            null));
  }

  static Stream<Arguments> table() {
    var rows = new ArrayList<Arguments>();
    for (Case c : cases()) for (String dialect : List.of("openai", "anthropic", "browser")) rows.add(Arguments.of(c.fixture(), dialect, c));
    return rows.stream();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("table")
  void everyDialectSeesTheSameAnswer(String fixture, String dialect, Case c) throws Exception {
    (c.anthropic() ? anthropicUpstream : openAiUpstream).enqueue(Script.fromFixture("fixtures/" + fixture));
    String model = c.anthropic() ? "anthropic/claude-x" : "compat/gpt-x";
    String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    HttpResponse<String> r = switch (dialect) {
      case "openai" -> gateway.postJson("/v1/chat/completions", "{\"model\":\"" + model
          + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true}," + messages + "}");
      case "anthropic" -> gateway.postJson("/v1/messages", "{\"model\":\"" + model
          + "\",\"max_tokens\":100,\"stream\":true," + messages + "}");
      default -> gateway.postJson("/api/chat", "{\"model\":\"" + model + "\"," + messages + "}");
    };
    assertThat(r.statusCode()).isEqualTo(200);
    View view = switch (dialect) {
      case "openai" -> ClientViews.openAi(r.body());
      case "anthropic" -> ClientViews.anthropic(r.body());
      default -> ClientViews.browser(r.body());
    };
    assertThat(view.text()).isEqualTo(c.text());
    assertThat(view.calls()).isEqualTo(c.calls());
    if (c.error() != null) {
      assertThat(view.error()).contains(c.error());
      assertThat(view.finish()).isNull();
      return;
    }
    assertThat(view.error()).isNull();
    assertThat(view.finish()).isEqualTo(c.finish());
    String expectedUsage = dialect.equals("browser") ? c.usage().replaceAll("/[0-9]+$", "/-") : c.usage();
    assertThat(view.usage()).isEqualTo(expectedUsage);
  }
}
