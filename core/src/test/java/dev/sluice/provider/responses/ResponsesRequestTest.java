package dev.sluice.provider.responses;

import static dev.sluice.provider.responses.ResponsesTestSupport.provider;
import static dev.sluice.testkit.ProviderTestSupport.DEADLINE;
import static dev.sluice.testkit.ProviderTestSupport.KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ContentPart;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Sampling;
import dev.sluice.stream.ToolCall;
import dev.sluice.stream.ToolChoice;
import dev.sluice.stream.ToolDefinition;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.ProviderTestSupport;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import dev.sluice.testkit.Transcript;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the Responses provider sends: the request line and headers, and the body mapped from the canonical request. */
class ResponsesRequestTest {

  @RegisterExtension
  final FakeUpstream upstream = FakeUpstream.start();

  private RecordedRequest send(ChatRequest request) {
    upstream.enqueue(Script.fromFixture("fixtures/responses/node-text.sse"));
    Transcript t = Transcript.drain(provider(upstream).stream(request), DEADLINE);
    assertThat(t.content()).isEqualTo("Hello world");
    return upstream.awaitRequest(DEADLINE);
  }

  private static JsonNode json(String text) throws IOException {
    return Json.MAPPER.readTree(text);
  }

  @Test
  void postsToResponsesWithTheBearerKeyAStreamAndNoStoredState() throws IOException {
    RecordedRequest r = send(ProviderTestSupport.hello("gpt-4o"));

    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/v1/responses");
    assertThat(r.header("authorization")).isEqualTo("Bearer " + KEY);
    assertThat(r.header("accept")).isEqualTo("text/event-stream");
    assertThat(r.bodyJson()).isEqualTo(json("""
        {"model":"gpt-4o","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"Hello"}]}],
         "stream":true,"store":false}"""));
  }

  @Test
  void everyCanonicalFieldIsMappedToItsResponsesField() throws IOException {
    ChatRequest request = new ChatRequest("gpt-4o",
        List.of(
            Message.text(Role.SYSTEM, "Be brief."),
            new Message(Role.USER, List.of(new ContentPart.Text("What is this?"),
                new ContentPart.Image("https://example.com/cat.png", "low")), List.of(), null, null),
            new Message(Role.ASSISTANT, List.of(new ContentPart.Text("Let me look.")),
                List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}")), null, null),
            new Message(Role.TOOL, List.of(new ContentPart.Text("{\"temp\":21}")), List.of(), "call_1", null)),
        List.of(new ToolDefinition("get_weather", "Current weather", "{\"type\":\"object\"}", true),
            new ToolDefinition("noop", null, null, null)),
        new ToolChoice(ToolChoice.Mode.FUNCTION, "get_weather"),
        new Sampling(0.2, 0.9, null, null, null),
        256, List.of(), "user-7", true, false,
        "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"object\"},\"strict\":true}}",
        false);

    assertThat(send(request).bodyJson()).isEqualTo(json("""
        {"model":"gpt-4o",
         "input":[
           {"type":"message","role":"system","content":[{"type":"input_text","text":"Be brief."}]},
           {"type":"message","role":"user","content":[{"type":"input_text","text":"What is this?"},
             {"type":"input_image","image_url":"https://example.com/cat.png","detail":"low"}]},
           {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Let me look."}]},
           {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"},
           {"type":"function_call_output","call_id":"call_1","output":"{\\"temp\\":21}"}],
         "tools":[{"type":"function","name":"get_weather","description":"Current weather",
                   "parameters":{"type":"object"},"strict":true},
                  {"type":"function","name":"noop"}],
         "tool_choice":{"type":"function","name":"get_weather"},
         "parallel_tool_calls":false,
         "temperature":0.2,"top_p":0.9,"max_output_tokens":256,"user":"user-7",
         "text":{"format":{"type":"json_schema","name":"x","schema":{"type":"object"},"strict":true}},
         "stream":true,"store":false}"""));
  }

  @Test
  void whatTheResponsesApiCannotSayIsRefusedBeforeAnythingIsSent() {
    ChatRequest withStop = new ChatRequest("gpt-4o", List.of(Message.text(Role.USER, "Hi")), null, null, null, null,
        List.of("END"), null, true, false, null, null);
    ChatRequest withSeed = new ChatRequest("gpt-4o", List.of(Message.text(Role.USER, "Hi")), null, null,
        new Sampling(null, null, 7L, null, null), null, null, null, true, false, null, null);

    assertThatThrownBy(() -> ResponsesRequestWriter.write(withStop)).isInstanceOfSatisfying(GatewayException.class,
        e -> assertThat(e.error().param()).isEqualTo("stop"));
    assertThatThrownBy(() -> ResponsesRequestWriter.write(withSeed)).isInstanceOfSatisfying(GatewayException.class,
        e -> assertThat(e.error().param()).isEqualTo("seed"));
  }

  @Test
  void aJsonObjectFormatBecomesTextFormat() throws Exception {
    ChatRequest request = new ChatRequest("gpt-4o", List.of(Message.text(Role.USER, "Hi")), null, null, null, null,
        null, null, true, false, "{\"type\":\"json_object\"}", null);

    assertThat(json(new String(ResponsesRequestWriter.write(request))).get("text"))
        .isEqualTo(json("{\"format\":{\"type\":\"json_object\"}}"));
  }

  @Test
  void aReasoningEffortIsPassedOnAsReasoningEffort() throws Exception {
    ChatRequest request = new ChatRequest("o4-mini", List.of(Message.text(Role.USER, "Hi")), null, null, null, null,
        null, null, true, false, null, null, "high");

    assertThat(json(new String(ResponsesRequestWriter.write(request))).get("reasoning"))
        .isEqualTo(json("{\"effort\":\"high\"}"));
  }
}
