package dev.sluice.dialect.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ContentPart;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Message;
import dev.sluice.stream.ModelName;
import dev.sluice.stream.Role;
import dev.sluice.stream.ToolCall;
import dev.sluice.stream.ToolChoice;
import dev.sluice.stream.ToolDefinition;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Responses request bodies decoded to the canonical request, or refused with a 400 naming the field. */
class ResponsesRequestDecoderTest {

  private static ChatRequest decode(String json) throws GatewayException {
    return ResponsesRequestDecoder.decode(json.getBytes(StandardCharsets.UTF_8));
  }

  /** The 400's {@code param} for {@code json}. */
  private static String refusedParam(String json) {
    try {
      decode(json);
    } catch (GatewayException e) {
      assertThat(e.error().httpStatus()).isEqualTo(400);
      assertThat(e.error().type().openAiType()).isEqualTo("invalid_request_error");
      return e.error().param();
    }
    throw new AssertionError("accepted: " + json);
  }

  @Test
  void aStringInputIsOneUserTurnAfterTheInstructions() throws GatewayException {
    ChatRequest r = decode("""
        {"model":"gpt-5","instructions":"Be brief.","input":"Hello","stream":true,"max_output_tokens":100,
         "temperature":0.5,"top_p":0.9,"user":"u1","metadata":{"team":"a"}}""");

    assertThat(r.model()).isEqualTo("gpt-5");
    assertThat(r.messages()).containsExactly(Message.text(Role.SYSTEM, "Be brief."), Message.text(Role.USER, "Hello"));
    assertThat(r.stream()).isTrue();
    assertThat(r.includeUsage()).isFalse();
    assertThat(r.maxTokens()).isEqualTo(100);
    assertThat(r.sampling().temperature()).isEqualTo(0.5);
    assertThat(r.sampling().topP()).isEqualTo(0.9);
    assertThat(r.user()).isEqualTo("u1");
    assertThat(r.responseFormatJson()).isNull();
  }

  @Test
  void itemsWithFunctionCallsAndOutputsBecomeAssistantCallsAndToolTurns() throws GatewayException {
    ChatRequest r = decode("""
        {"model":"gpt-5","input":[
          {"role":"developer","content":"Use metric units."},
          {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather in Paris?"},
             {"type":"input_image","image_url":"https://example.com/p.png","detail":"low"}]},
          {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
          {"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"},
          {"type":"function_call","call_id":"call_2","name":"get_time","arguments":"{}"},
          {"type":"function_call_output","call_id":"call_1","output":"{\\"temp\\":21}"},
          {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"noon"}]},
          {"role":"user","content":"Thanks"}]}""");

    assertThat(r.messages()).containsExactly(
        Message.text(Role.DEVELOPER, "Use metric units."),
        new Message(Role.USER, List.of(new ContentPart.Text("Weather in Paris?"),
            new ContentPart.Image("https://example.com/p.png", "low")), null, null, null),
        new Message(Role.ASSISTANT, List.of(new ContentPart.Text("Checking.")),
            List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"), new ToolCall("call_2", "get_time", "{}")),
            null, null),
        new Message(Role.TOOL, List.of(new ContentPart.Text("{\"temp\":21}")), null, "call_1", null),
        new Message(Role.TOOL, List.of(new ContentPart.Text("noon")), null, "call_2", null),
        Message.text(Role.USER, "Thanks"));
  }

  @Test
  void functionCallsWithoutAssistantTextAreAnAssistantTurnOfCallsOnly() throws GatewayException {
    ChatRequest r = decode("""
        {"model":"m","input":[{"role":"user","content":"go"},
          {"type":"function_call","call_id":"c","name":"f","arguments":"{}"},
          {"type":"function_call_output","call_id":"c","output":"done"}]}""");

    assertThat(r.messages().get(1)).isEqualTo(new Message(Role.ASSISTANT, List.of(), List.of(new ToolCall("c", "f", "{}")),
        null, null));
  }

  @Test
  void flatFunctionToolsToolChoiceAndParallelCallsAreKept() throws GatewayException {
    ChatRequest r = decode("""
        {"model":"m","input":"x","parallel_tool_calls":false,
         "tools":[{"type":"function","name":"f","description":"does f","parameters":{"type":"object"},"strict":true},
                  {"type":"function","name":"g"}],
         "tool_choice":{"type":"function","name":"f"}}""");

    assertThat(r.tools()).containsExactly(new ToolDefinition("f", "does f", "{\"type\":\"object\"}", true),
        new ToolDefinition("g", null, null, null));
    assertThat(r.toolChoice()).isEqualTo(new ToolChoice(ToolChoice.Mode.FUNCTION, "f"));
    assertThat(r.parallelToolCalls()).isFalse();
    assertThat(decode("{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":\"required\"}").toolChoice())
        .isEqualTo(new ToolChoice(ToolChoice.Mode.REQUIRED, null));
  }

  @Test
  void aJsonSchemaTextFormatBecomesTheChatResponseFormat() throws GatewayException {
    ChatRequest r = decode("""
        {"model":"m","input":"x","text":{"format":{"type":"json_schema","name":"person","strict":true,
         "schema":{"type":"object","properties":{"name":{"type":"string"}}}}}}""");

    assertThat(r.responseFormatJson()).isEqualTo("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"person\","
        + "\"schema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}},\"strict\":true}}");
    assertThat(decode("{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_object\"}}}")
        .responseFormatJson()).isEqualTo("{\"type\":\"json_object\"}");
    assertThat(decode("{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"text\"}}}")
        .responseFormatJson()).isNull();
  }

  @Test
  void whatCannotBeTranslatedIsNotRefusedWhenItSaysNothing() throws GatewayException {
    ChatRequest r = decode("""
        {"model":"m","input":"x","store":false,"include":[],"previous_response_id":null,"background":false,
         "reasoning":{"effort":null,"summary":null},"truncation":"disabled","top_logprobs":0,
         "safety_identifier":"hashed-user"}""");

    assertThat(r.user()).isEqualTo("hashed-user");
  }

  @Test
  void whatCodexSendsThatChangesNoMeaningIsAcceptedAndLeftOut() throws GatewayException {
    ChatRequest r = decode("""
        {"model":"m","stream":true,"store":false,"include":["reasoning.encrypted_content"],
         "reasoning":{"effort":"high","summary":"auto"},"text":{"verbosity":"low"},
         "prompt_cache_key":"k","client_metadata":{"session_id":"s"},"tool_choice":"auto",
         "tools":[{"type":"function","name":"exec_command","parameters":{"type":"object"}},
                  {"type":"namespace","name":"multi_agent_v1","tools":[{"type":"function","name":"spawn"}]},
                  {"type":"web_search","external_web_access":false}],
         "input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"run ls"}]},
                  {"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"opaque"},
                  {"type":"function_call","call_id":"c1","name":"exec_command","arguments":"{}"},
                  {"type":"function_call_output","call_id":"c1","output":"a.txt"}]}""");

    assertThat(r.tools()).extracting(ToolDefinition::name).containsExactly("exec_command");
    assertThat(r.reasoningEffort()).isEqualTo("high");
    assertThat(r.messages()).extracting(Message::role).containsExactly(Role.USER, Role.ASSISTANT, Role.TOOL);
    assertThat(r.messages().get(1).toolCalls()).extracting(ToolCall::id).containsExactly("c1");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "\"previous_response_id\":\"resp_1\"|previous_response_id",
      "\"conversation\":\"conv_1\"|conversation",
      "\"prompt\":{\"id\":\"pmpt_1\"}|prompt",
      "\"store\":true|store",
      "\"background\":true|background",
      "\"truncation\":\"auto\"|truncation",
      "\"top_logprobs\":3|top_logprobs",
      "\"max_tool_calls\":2|max_tool_calls",
      "\"include\":[\"reasoning.encrypted_content\",\"file_search_call.results\"]|include",
      "\"tools\":[{\"type\":\"code_interpreter\"}]|tools[0].type",
      "\"tool_choice\":{\"type\":\"web_search\"}|tool_choice.type",
      "\"reasoning\":{\"effort\":3}|reasoning.effort",
      "\"tools\":[{\"type\":\"function\",\"name\":\"f\"},{\"type\":\"file_search\",\"vector_store_ids\":[]}]|tools[1].type",
      "\"tool_choice\":{\"type\":\"web_search_preview\"}|tool_choice.type",
      "\"text\":{\"format\":{\"type\":\"grammar\"}}|text.format.type",
      "\"temperature\":3|temperature",
      "\"max_output_tokens\":0|max_output_tokens"})
  void untranslatableOrInvalidFieldsAreRefusedNamingTheField(String field, String param) {
    assertThat(refusedParam("{\"model\":\"m\",\"input\":\"x\"," + field + "}")).isEqualTo(param);
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]|input[0].type",
      "[{\"type\":\"web_search_call\",\"id\":\"ws_1\"}]|input[0].type",
      "[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_id\":\"file_1\"}]}]|input[0].content[0].type",
      "[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"file_1\"}]}]|input[0].content[0].file_id",
      "[{\"role\":\"tool\",\"content\":\"x\"}]|input[0].role",
      "[{\"type\":\"function_call_output\",\"call_id\":\"nowhere\",\"output\":\"x\"}]|input[0].call_id",
      "[{\"type\":\"function_call\",\"name\":\"f\",\"arguments\":\"{}\"}]|input[0].call_id",
      "[]|input",
      "42|input"})
  void inputItemsSluiceCannotCarryAreRefusedNamingTheItem(String input, String param) {
    assertThat(refusedParam("{\"model\":\"m\",\"input\":" + input + "}")).isEqualTo(param);
  }

  @Test
  void callerChosenSizesAreBounded() {
    assertThat(refusedParam("{\"model\":\"" + "m".repeat(ModelName.MAX_CHARS + 1) + "\",\"input\":\"x\"}"))
        .isEqualTo("model");
    assertThat(refusedParam("{\"model\":\"a\\u0000b\",\"input\":\"x\"}")).isEqualTo("model");
    var metadata = new StringBuilder("{");
    for (int i = 0; i <= ResponsesRequestDecoder.MAX_METADATA_PAIRS; i++) metadata.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    metadata.append('}');
    assertThat(refusedParam("{\"model\":\"m\",\"input\":\"x\",\"metadata\":" + metadata + "}")).isEqualTo("metadata");
    assertThat(refusedParam("{\"model\":\"m\",\"input\":\"x\",\"metadata\":{\"k\":\""
        + "v".repeat(ResponsesRequestDecoder.MAX_METADATA_VALUE_CHARS + 1) + "\"}}")).isEqualTo("metadata.k");
  }

  @Test
  void aBodyThatIsNotAJsonObjectIsRefused() {
    assertThatThrownBy(() -> decode("[1]")).isInstanceOfSatisfying(GatewayException.class,
        e -> assertThat(e.error().httpStatus()).isEqualTo(400));
    assertThatThrownBy(() -> decode("{\"model\":")).isInstanceOfSatisfying(GatewayException.class,
        e -> assertThat(e.error().message()).startsWith("We could not parse the JSON body"));
    assertThat(refusedParam("{\"input\":\"x\"}")).isEqualTo("model");
    assertThat(refusedParam("{\"model\":\"m\"}")).isEqualTo("input");
  }
}
