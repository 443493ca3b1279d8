package dev.sluice.dialect.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ContentPart;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.ToolCall;
import dev.sluice.stream.ToolChoice;
import dev.sluice.stream.ToolDefinition;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Anthropic requests into canonical ones, and the field each rejection names. */
class AnthropicRequestDecoderTest {

  static ChatRequest decode(String json) throws GatewayException {
    return AnthropicRequestDecoder.decode(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void mapsEveryTranslatableField() throws Exception {
    ChatRequest r = decode("""
        {"model":"m","max_tokens":9,"stream":true,"system":"Sys","temperature":0.3,"top_p":0.8,
         "stop_sequences":["X"],"metadata":{"user_id":"u"},
         "tools":[{"name":"f","description":"d","input_schema":{"type":"object"}}],
         "tool_choice":{"type":"tool","name":"f","disable_parallel_tool_use":false},
         "messages":[
          {"role":"user","content":[{"type":"text","text":"a"},{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]},
          {"role":"assistant","content":[{"type":"text","text":"b"},{"type":"tool_use","id":"t1","name":"f","input":{"k":1}}]},
          {"role":"user","content":[{"type":"text","text":"c"},{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"r"}]}]}]}
        """);
    assertThat(r.model()).isEqualTo("m");
    assertThat(r.maxTokens()).isEqualTo(9);
    assertThat(r.stream()).isTrue();
    assertThat(r.sampling().temperature()).isEqualTo(0.3);
    assertThat(r.sampling().topP()).isEqualTo(0.8);
    assertThat(r.stop()).containsExactly("X");
    assertThat(r.user()).isEqualTo("u");
    assertThat(r.tools()).containsExactly(new ToolDefinition("f", "d", "{\"type\":\"object\"}", null));
    assertThat(r.toolChoice()).isEqualTo(new ToolChoice(ToolChoice.Mode.FUNCTION, "f"));
    assertThat(r.parallelToolCalls()).isTrue();
    assertThat(r.messages()).containsExactly(
        Message.text(Role.SYSTEM, "Sys"),
        new Message(Role.USER, List.of(new ContentPart.Text("a"), new ContentPart.Image("https://x/y.png", null)),
            null, null, null),
        new Message(Role.ASSISTANT, List.of(new ContentPart.Text("b")), List.of(new ToolCall("t1", "f", "{\"k\":1}")),
            null, null),
        // The tool result comes first, whatever its place in the user turn: OpenAI needs it right after the call.
        new Message(Role.TOOL, List.of(new ContentPart.Text("r")), null, "t1", null),
        new Message(Role.USER, List.of(new ContentPart.Text("c")), null, null, null));
  }

  @Test
  void base64ImagesBecomeDataUris() throws Exception {
    ChatRequest r = decode("""
        {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[
          {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}]}]}
        """);
    assertThat(r.messages().getFirst().content()).containsExactly(new ContentPart.Image("data:image/jpeg;base64,/9j/", null));
  }

  @Test
  void rejectionsNameTheField() {
    assertThatThrownBy(() -> decode("{\"model\":\"m\",\"max_tokens\":\"9\",\"messages\":[]}"))
        .isInstanceOfSatisfying(GatewayException.class, e -> {
          assertThat(e.error().param()).isEqualTo("max_tokens");
          assertThat(e.error().message()).isEqualTo("max_tokens: Input should be an integer, got a string");
        });
    assertThatThrownBy(() -> decode("{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":[]}]}"))
        .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error().param()).isEqualTo("messages.0.content"));
    assertThatThrownBy(() -> decode("""
        {"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t",
         "content":[{"type":"image","source":{"type":"url","url":"https://x"}}]}]}]}
        """)).isInstanceOfSatisfying(GatewayException.class,
        e -> assertThat(e.error().param()).isEqualTo("messages.0.content.0.tool_use_id"));
    assertThatThrownBy(() -> decode("""
        {"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]},
         {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","is_error":true,"content":"boom"}]}]}
        """)).isInstanceOfSatisfying(GatewayException.class,
        e -> assertThat(e.error().param()).isEqualTo("messages.1.content.0.is_error"));
    assertThatThrownBy(() -> decode("""
        {"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]},
         {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"image","source":{"type":"url","url":"https://x"}}]}]}]}
        """)).isInstanceOfSatisfying(GatewayException.class,
        e -> assertThat(e.error().param()).isEqualTo("messages.1.content.0.content.0.type"));
  }
}
