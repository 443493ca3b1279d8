package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChatCompletionsEndpointTest {
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(b -> b.maxBodyBytes(64 * 1024));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  /** The body without Sluice's final timing comment, for comparing two runs byte for byte. */
  static String untimed(String body) {
    return body.replaceAll("(?m)^: sluice-timing [^\n]*\n", "");
  }

  /** The data of each event, comment lines (heartbeats, timing) skipped as every SSE client skips them. */
  static List<String> dataLines(String body) {
    var out = new ArrayList<String>();
    for (String event : body.replaceAll("(?m)^:[^\n]*\n", "").split("\n\n")) {
      if (event.isBlank()) continue;
      assertThat(event).startsWith("data: ");
      assertThat(event.lines().count()).as("one data line per OpenAI chunk").isEqualTo(1);
      out.add(event.substring("data: ".length()));
    }
    return out;
  }

  @Test
  void streamsChunksInOpenAisLayoutEndingWithDone() throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
        "{\"model\":\"sim/echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
    assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(r.headers().firstValue("x-accel-buffering")).hasValue("no");
    assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
    List<String> data = dataLines(r.body());
    assertThat(data.getLast()).isEqualTo("[DONE]");
    var chunks = new ArrayList<JsonNode>();
    for (String d : data.subList(0, data.size() - 1)) chunks.add(Json.MAPPER.readTree(d));
    JsonNode first = chunks.getFirst();
    assertThat(first.get("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(first.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    assertThat(first.at("/choices/0/delta/content").asText()).isEmpty();
    assertThat(first.at("/choices/0/delta").has("refusal")).isTrue();
    var text = new StringBuilder();
    for (JsonNode c : chunks) {
      assertThat(c.get("id").asText()).isEqualTo(first.get("id").asText());
      assertThat(c.get("created").asLong()).isEqualTo(first.get("created").asLong());
      assertThat(c.get("choices")).hasSize(1);
      assertThat(c.has("usage")).as("no usage chunk unless asked").isFalse();
      text.append(c.at("/choices/0/delta/content").asText(""));
    }
    assertThat(text.toString()).isEqualTo("one two three");
    JsonNode last = chunks.getLast();
    assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(last.at("/choices/0/delta").isEmpty()).isTrue();
  }

  @Test
  void sendsTheUsageChunkOnlyToClientsThatAskForIt() throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
        "{\"model\":\"sim/echo\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"a b\"}]}");
    List<String> data = dataLines(r.body());
    assertThat(data.getLast()).isEqualTo("[DONE]");
    JsonNode usageChunk = Json.MAPPER.readTree(data.get(data.size() - 2));
    assertThat(usageChunk.get("choices")).isEmpty();
    assertThat(usageChunk.at("/usage/completion_tokens").asInt()).isEqualTo(2);
    assertThat(usageChunk.at("/usage/prompt_tokens").asInt()).isEqualTo(2 + 3);
    assertThat(usageChunk.at("/usage/total_tokens").asInt()).isEqualTo(7);
    JsonNode finish = Json.MAPPER.readTree(data.get(data.size() - 3));
    assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
  }

  @Test
  void answersWholeCompletionWhenNotStreaming() throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
        "{\"model\":\"sim/echo\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"alpha beta gamma\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode body = Json.MAPPER.readTree(r.body());
    assertThat(body.get("object").asText()).isEqualTo("chat.completion");
    assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("alpha beta");
    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(2);
  }

  @Test
  void relaysToolCallsAsOpenAiFragments() throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
        "{\"model\":\"sim/tool\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"find otters\"}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"search\",\"parameters\":{\"type\":\"object\"}}}]}");
    List<String> data = dataLines(r.body());
    var args = new StringBuilder();
    String id = null;
    String name = null;
    String finish = null;
    for (String d : data.subList(0, data.size() - 1)) {
      JsonNode c = Json.MAPPER.readTree(d);
      JsonNode call = c.at("/choices/0/delta/tool_calls/0");
      if (!call.isMissingNode()) {
        assertThat(call.get("index").asInt()).isZero();
        if (call.has("id")) id = call.get("id").asText();
        if (call.at("/function/name").isTextual()) name = call.at("/function/name").asText();
        args.append(call.at("/function/arguments").asText());
      }
      if (c.at("/choices/0/finish_reason").isTextual()) finish = c.at("/choices/0/finish_reason").asText();
    }
    assertThat(id).startsWith("call_");
    assertThat(name).isEqualTo("search");
    assertThat(Json.MAPPER.readTree(args.toString()).get("input").asText()).isEqualTo("find otters");
    assertThat(finish).isEqualTo("tool_calls");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      malformed JSON           | {"model":                                                      | 400 | invalid_request_error |
      not an object            | [1,2]                                                           | 400 | invalid_request_error |
      missing messages         | {"model":"sim/echo"}                                            | 400 | invalid_request_error | messages
      empty messages           | {"model":"sim/echo","messages":[]}                              | 400 | invalid_request_error | messages
      messages of wrong type   | {"model":"sim/echo","messages":"hi"}                            | 400 | invalid_request_error | messages
      content of wrong type    | {"model":"sim/echo","messages":[{"role":"user","content":5}]}   | 400 | invalid_request_error | messages[0].content
      unknown role             | {"model":"sim/echo","messages":[{"role":"robot","content":"x"}]} | 400 | invalid_request_error | messages[0].role
      missing model            | {"messages":[{"role":"user","content":"x"}]}                    | 400 | invalid_request_error | model
      temperature out of range | {"model":"sim/echo","temperature":3,"messages":[{"role":"user","content":"x"}]} | 400 | invalid_request_error | temperature
      n above one              | {"model":"sim/echo","n":2,"messages":[{"role":"user","content":"x"}]} | 400 | invalid_request_error | n
      unknown model            | {"model":"nope/nothing","messages":[{"role":"user","content":"x"}]} | 404 | not_found_error | model
      openai without a key     | {"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]} | 404 | not_found_error | model
      unknown sim model        | {"model":"sim/nothing","messages":[{"role":"user","content":"x"}]} | 404 | not_found_error | model
      """)
  void rejectsBadInputWithAnOpenAiError(String name, String body, int status, String type, String param) throws Exception {
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions", body);
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("x-request-id")).isPresent();
    JsonNode error = Json.MAPPER.readTree(r.body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo(type);
    assertThat(error.get("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("at dev.sluice");
    assertThat(error.has("param")).isTrue();
    assertThat(error.has("code")).isTrue();
    if (param != null) assertThat(error.get("param").asText()).isEqualTo(param);
  }

  @Test
  void refusesBodiesOverTheLimitWith413() throws Exception {
    String big = "x".repeat(70 * 1024);
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
        "{\"model\":\"sim/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(Json.MAPPER.readTree(r.body()).at("/error/code").asText()).isEqualTo("request_too_large");
  }

  @Test
  void refusesBodiesOverTheLimitWithoutALengthToo() throws Exception {
    byte[] big = ("{\"model\":\"sim/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "y".repeat(70 * 1024) + "\"}]}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    // A publisher of unknown length makes the client send the body chunked, with no Content-Length.
    var publisher = HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArray(big));
    HttpResponse<String> r = gateway.http.send(HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
        .header("Content-Type", "application/json").POST(publisher).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(413);
  }

  @Test
  void refusesOtherContentTypesWith415() throws Exception {
    HttpResponse<String> r = gateway.http.send(HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("model=sim/echo")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(Json.MAPPER.readTree(r.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
  }

  @Test
  void answersWrongMethodWith405AndUnknownPathWith404() throws Exception {
    HttpResponse<String> r = gateway.get("/v1/chat/completions");
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("allow")).hasValue("POST");
    HttpResponse<String> missing = gateway.get("/v1/nothing-here");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(Json.MAPPER.readTree(missing.body()).at("/error/type").asText()).isEqualTo("not_found_error");
  }

  @Test
  void listsRoutableModelsInOpenAisFormat() throws Exception {
    HttpResponse<String> r = gateway.get("/v1/models");
    JsonNode body = Json.MAPPER.readTree(r.body());
    assertThat(body.get("object").asText()).isEqualTo("list");
    var ids = new ArrayList<String>();
    body.get("data").forEach(m -> ids.add(m.get("id").asText()));
    assertThat(ids).contains("sim/chat", "sim/echo").noneMatch(id -> id.startsWith("openai/"));
  }

  @Test
  void servesHealthAndTheChatPage() throws Exception {
    assertThat(gateway.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(gateway.get("/readyz").statusCode()).isEqualTo(200);
    HttpResponse<String> page = gateway.get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.body()).contains("import { streamChat } from \"/sluice.js\"").doesNotContain("innerHTML");
    assertThat(gateway.http.send(HttpRequest.newBuilder(URI.create(gateway.uri("/").toString())).build(),
        HttpResponse.BodyHandlers.discarding()).headers().firstValue("x-request-id")).isPresent();
  }

  @Test
  void reportsTimeToFirstTokenAndSluicesShareToApiClients() throws Exception {
    HttpResponse<String> streamed = gateway.postJson("/v1/chat/completions",
        "{\"model\":\"sim/echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"one two\"}]}");
    var timing = java.util.regex.Pattern.compile("data: \\[DONE]\n\n: sluice-timing ttft_ms=(\\d+\\.\\d\\d) overhead_ms=(\\d+\\.\\d\\d)\n$")
        .matcher(streamed.body());
    assertThat(timing.find()).as("a final timing comment after [DONE]: %s", streamed.body()).isTrue();
    assertThat(Double.parseDouble(timing.group(2))).isLessThanOrEqualTo(Double.parseDouble(timing.group(1)));

    HttpResponse<String> whole = gateway.postJson("/v1/chat/completions",
        "{\"model\":\"sim/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"one two\"}]}");
    assertThat(whole.headers().firstValue("server-timing"))
        .hasValueSatisfying(v -> assertThat(v).matches("ttft;dur=\\d+\\.\\d\\d, overhead;dur=\\d+\\.\\d\\d"));
  }

  @Test
  void listsAliasesAmongTheRoutableModels() throws Exception {
    try (TestGateway aliased = TestGateway.start(b -> b.aliases(java.util.Map.of("fast", "sim/echo")))) {
      JsonNode body = Json.MAPPER.readTree(aliased.get("/v1/models").body());
      var owners = new java.util.HashMap<String, String>();
      body.get("data").forEach(m -> owners.put(m.get("id").asText(), m.get("owned_by").asText()));
      assertThat(owners).containsEntry("fast", "sluice").containsEntry("sim/echo", "sim");
      HttpResponse<String> r = aliased.postJson("/v1/chat/completions",
          "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"via alias\"}]}");
      assertThat(Json.MAPPER.readTree(r.body()).at("/choices/0/message/content").asText()).isEqualTo("via alias");
    }
  }
}
