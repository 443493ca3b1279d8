package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.server.config.CompatibleProvider;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code POST /v1/messages}: bad input, whole messages, translation of requests and errors, both providers. */
class MessagesEndpointTest {
  static final String ANTHROPIC_KEY = "sk-ant-upstream-secret-77";
  static FakeUpstream anthropicUpstream;
  static FakeUpstream openAiUpstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    anthropicUpstream = FakeUpstream.start();
    openAiUpstream = FakeUpstream.start();
    // One attempt: these tests are about how one upstream answer is rendered, not about retries.
    gateway = TestGateway.start(b -> b.anthropic(ANTHROPIC_KEY, anthropicUpstream.baseUrl().resolve("/"))
        .providers(List.of(new CompatibleProvider("compat", "openai", openAiUpstream.baseUrl(), null, List.of())))
        .retry(OpenAiUpstreamTest.ONE_ATTEMPT));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    anthropicUpstream.close();
    openAiUpstream.close();
  }

  static JsonNode json(String text) throws Exception {
    return Json.MAPPER.readTree(text);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      max_tokens        | {"model":"sim/echo","messages":[{"role":"user","content":"hi"}]}
      messages          | {"model":"sim/echo","max_tokens":5,"messages":[]}
      messages.0.role   | {"model":"sim/echo","max_tokens":5,"messages":[{"role":"system","content":"hi"}]}
      messages.0.content.0.type | {"model":"sim/echo","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]}
      messages.0.content.0.tool_use_id | {"model":"sim/echo","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_x","content":"42"}]}]}
      messages.1.content.0.type | {"model":"sim/echo","max_tokens":5,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"}]}]}
      messages.0.content.0.type | {"model":"sim/echo","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]}]}
      tools.0.type      | {"model":"sim/echo","max_tokens":5,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"hi"}]}
      tools.0.input_schema | {"model":"sim/echo","max_tokens":5,"tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"}]}
      thinking          | {"model":"sim/echo","max_tokens":5,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"hi"}]}
      top_k             | {"model":"sim/echo","max_tokens":5,"top_k":3,"messages":[{"role":"user","content":"hi"}]}
      temperature       | {"model":"sim/echo","max_tokens":5,"temperature":1.5,"messages":[{"role":"user","content":"hi"}]}
      """)
  void badInputIsAnAnthropicShaped400NamingTheField(String field, String body) throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/messages", body);
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = json(r.body());
    assertThat(error.get("type").asText()).isEqualTo("error");
    assertThat(error.at("/error/type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.at("/error/message").asText()).startsWith(field + ":");
  }

  @Test
  void anUnknownModelIsAnAnthropicShaped404AndGetIs405() throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/messages",
        "{\"model\":\"nope/x\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(json(r.body()).at("/error/type").asText()).isEqualTo("not_found_error");
    HttpResponse<String> get = gateway.get("/v1/messages");
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(json(get.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
  }

  @Test
  void aWholeMessageFromTheAnthropicProviderWithAToolCall() throws Exception {
    anthropicUpstream.enqueue(Script.fromFixture("fixtures/anthropic/tool-use.sse"));
    HttpResponse<String> r = gateway.postJson("/v1/messages",
        "{\"model\":\"anthropic/claude-x\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"weather\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r.body())).isEqualTo(json("""
        {"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-opus-4-1-20250805",
         "content":[{"type":"text","text":"Okay, let's check the weather for San Francisco, CA:"},
           {"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather",
            "input":{"location":"San Francisco, CA","unit":"fahrenheit"}}],
         "stop_reason":"tool_use","stop_sequence":null,
         "usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":89}}
        """));
    RecordedRequest sent = anthropicUpstream.requests().getLast();
    assertThat(sent.header("x-api-key")).isEqualTo(ANTHROPIC_KEY);
    assertThat(sent.bodyJson().get("max_tokens").asInt()).isEqualTo(50);
  }

  @Test
  void aWholeMessageFromAnOpenAiProviderWithTwoToolCalls() throws Exception {
    openAiUpstream.enqueue(Script.fromFixture("fixtures/openai/two-tool-calls.sse"));
    HttpResponse<String> r = gateway.postJson("/v1/messages",
        "{\"model\":\"compat/gpt-x\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"both\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode m = json(r.body());
    assertThat(m.get("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(m.get("content")).hasSize(2);
    assertThat(m.at("/content/0/input")).isEqualTo(json("{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}"));
    assertThat(m.at("/content/1/name").asText()).isEqualTo("get_stock_price");
    assertThat(m.at("/usage/input_tokens").asInt()).isEqualTo(149);
    assertThat(m.at("/usage/output_tokens").asInt()).isEqualTo(60);
  }

  @Test
  void anAnthropicConversationWithToolsReachesAnOpenAiUpstreamAsChatCompletions() throws Exception {
    openAiUpstream.enqueue(Script.fromFixture("fixtures/openai/text.sse"));
    HttpResponse<String> r = gateway.postJson("/v1/messages", """
        {"model":"compat/gpt-x","max_tokens":64,"system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
         "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
         "tool_choice":{"type":"any","disable_parallel_tool_use":true},
         "stop_sequences":["END"],"temperature":0.2,"metadata":{"user_id":"u1"},
         "messages":[
          {"role":"user","content":[{"type":"text","text":"Weather?"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBO"}}]},
          {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"21C"},{"type":"text","text":"And?"}]}]}
        """);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode sent = openAiUpstream.requests().getLast().bodyJson();
    assertThat(sent.get("model").asText()).isEqualTo("gpt-x");
    assertThat(sent.get("max_tokens").asInt()).isEqualTo(64);
    assertThat(sent.get("messages")).isEqualTo(json("""
        [{"role":"system","content":"Be brief."},
         {"role":"user","content":[{"type":"text","text":"Weather?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBO"}}]},
         {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
         {"role":"tool","content":"21C","tool_call_id":"toolu_1"},
         {"role":"user","content":"And?"}]
        """));
    assertThat(sent.get("tools")).isEqualTo(json("""
        [{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]
        """));
    assertThat(sent.get("tool_choice").asText()).isEqualTo("required");
    assertThat(sent.get("parallel_tool_calls").asBoolean()).isFalse();
    assertThat(sent.get("stop")).isEqualTo(json("[\"END\"]"));
    assertThat(sent.get("user").asText()).isEqualTo("u1");
  }

  @Test
  void anUpstreamErrorBeforeTheFirstByteIsAnAnthropicErrorResponse() throws Exception {
    openAiUpstream.enqueue(Script.json(503, "{\"error\":{\"message\":\"busy\",\"type\":\"server_error\"}}")
        .header("retry-after", "2"));
    HttpResponse<String> r = gateway.postJson("/v1/messages",
        "{\"model\":\"compat/gpt-x\",\"max_tokens\":5,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("retry-after")).hasValue("2");
    assertThat(json(r.body()).at("/error/type").asText()).isEqualTo("overloaded_error");

    anthropicUpstream.enqueue(Script.json(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
        + "\"message\":\"bad key " + ANTHROPIC_KEY + "\"}}"));
    r = gateway.postJson("/v1/chat/completions",
        "{\"model\":\"anthropic/claude-x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).doesNotContain(ANTHROPIC_KEY);
  }

  @Test
  void anOpenAiClientGetsA400ForWhatAnthropicCannotExpress() throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
        "{\"model\":\"anthropic/claude-x\",\"seed\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r.body()).at("/error/param").asText()).isEqualTo("seed");
  }

  @Test
  void streamsFromSimInAnthropicsEventOrder() throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/messages",
        "{\"model\":\"sim/echo\",\"max_tokens\":50,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"one two\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    var types = ClientViews.events(r.body()).stream().map(e -> e[0]).distinct().toList();
    assertThat(types).containsExactly("message_start", "ping", "content_block_start", "content_block_delta",
        "content_block_stop", "message_delta", "message_stop");
    assertThat(ClientViews.anthropic(r.body()).text()).isEqualTo("one two");
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', textBlock = """
      missing max_tokens          | {"model":"sim/echo","messages":[{"role":"user","content":"x"}]}                                   | max_tokens
      empty messages              | {"model":"sim/echo","max_tokens":5,"messages":[]}                                                 | messages
      unknown content block type  | {"model":"sim/echo","max_tokens":5,"messages":[{"role":"user","content":[{"type":"video","url":"x"}]}]} | messages.0.content.0.type
      tool result without its use | {"model":"sim/echo","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"r"}]}]} | messages.0.content.0.tool_use_id
      malformed JSON              | {"model":                                                                                         |
      """)
  void answersBadInputWithAnAnthropicError400NamingTheField(String name, String body, String field) throws Exception {
    var r = gateway.postJson("/v1/messages", body);
    assertThat(r.statusCode()).isEqualTo(400);
    var json = dev.sluice.json.Json.MAPPER.readTree(r.body());
    assertThat(json.get("type").asText()).isEqualTo("error");
    assertThat(json.at("/error/type").asText()).isEqualTo("invalid_request_error");
    String message = json.at("/error/message").asText();
    assertThat(message).isNotBlank().doesNotContain("Exception");
    if (field != null) assertThat(message).startsWith(field);
  }
}
