package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a client of each dialect can see of one streamed answer, folded into one dialect-neutral
 * {@link View}: text, tool calls, finish reason (in OpenAI's words), usage and the error type if the
 * stream failed. The Anthropic fold also checks Anthropic's event grammar as it goes.
 */
final class ClientViews {
  private ClientViews() {}

  /** One tool call as a client assembles it. */
  record Call(String id, String name, String arguments) {}

  /**
   * @param usage {@code prompt/completion/cached}, or null where the dialect does not show it
   * @param error the dialect's error type word, or null when the stream ended normally
   */
  record View(String text, List<Call> calls, String finish, String usage, String error) {}

  /** SSE events of a body as (type, data) pairs; a comment line is skipped, as every client skips it. */
  static List<String[]> events(String body) {
    var out = new ArrayList<String[]>();
    for (String block : body.split("\n\n")) {
      String type = null;
      var data = new StringBuilder();
      for (String line : block.split("\n")) {
        if (line.startsWith("event: ")) type = line.substring(7);
        else if (line.startsWith("data: ")) data.append(data.isEmpty() ? "" : "\n").append(line.substring(6));
      }
      if (!data.isEmpty()) out.add(new String[] {type, data.toString()});
    }
    return out;
  }

  static View openAi(String body) throws Exception {
    var text = new StringBuilder();
    var calls = new TreeMap<Integer, String[]>();
    String finish = null, usage = null, error = null;
    for (String[] e : events(body)) {
      if (e[1].equals("[DONE]")) continue;
      JsonNode chunk = Json.MAPPER.readTree(e[1]);
      if (chunk.has("error")) {
        error = chunk.at("/error/type").asText();
        continue;
      }
      if (chunk.hasNonNull("usage")) {
        JsonNode u = chunk.get("usage");
        usage = u.get("prompt_tokens").asLong() + "/" + u.get("completion_tokens").asLong() + "/"
            + u.at("/prompt_tokens_details/cached_tokens").asLong(0);
      }
      for (JsonNode choice : chunk.get("choices")) {
        JsonNode delta = choice.get("delta");
        text.append(delta.path("content").asText("")).append(delta.path("refusal").asText(""));
        for (JsonNode call : delta.path("tool_calls")) {
          String[] c = calls.computeIfAbsent(call.get("index").asInt(), i -> new String[] {null, null, ""});
          if (call.hasNonNull("id")) c[0] = call.get("id").asText();
          if (call.at("/function/name").isTextual()) c[1] = call.at("/function/name").asText();
          c[2] += call.at("/function/arguments").asText("");
        }
        if (choice.hasNonNull("finish_reason")) finish = choice.get("finish_reason").asText();
      }
    }
    return new View(text.toString(), calls.values().stream().map(c -> new Call(c[0], c[1], c[2])).toList(), finish,
        usage, error);
  }

  static View browser(String body) throws Exception {
    var text = new StringBuilder();
    var calls = new TreeMap<Integer, String[]>();
    String finish = null, usage = null, error = null;
    for (String[] e : events(body)) {
      JsonNode d = Json.MAPPER.readTree(e[1]);
      text.append(d.path("content").asText(""));
      if (d.has("toolCall")) {
        JsonNode call = d.get("toolCall");
        String[] c = calls.computeIfAbsent(call.get("index").asInt(), i -> new String[] {null, null, ""});
        if (call.hasNonNull("id")) c[0] = call.get("id").asText();
        if (call.hasNonNull("name")) c[1] = call.get("name").asText();
        c[2] += call.path("arguments").asText("");
      }
      if (d.path("done").asBoolean()) {
        finish = d.get("finishReason").asText();
        // The browser dialect does not show cached tokens.
        usage = d.at("/usage/promptTokens").asLong() + "/" + d.at("/usage/completionTokens").asLong() + "/-";
      }
      if (d.has("error")) error = d.at("/error/type").asText();
    }
    return new View(text.toString(), calls.values().stream().map(c -> new Call(c[0], c[1], c[2])).toList(), finish,
        usage, error);
  }

  /**
   * Folds an Anthropic stream, checking its grammar: {@code message_start} first; deltas only inside
   * a started, unstopped block of the matching kind; block indexes 0, 1, ...; {@code message_delta} then
   * {@code message_stop} last, or {@code error} last with no {@code message_stop}.
   */
  static View anthropic(String body) throws Exception {
    List<String[]> events = events(body);
    assertThat(events).isNotEmpty();
    var text = new StringBuilder();
    var calls = new TreeMap<Integer, String[]>();
    var kinds = new TreeMap<Integer, String>();
    Set<Integer> open = new HashSet<>();
    String finish = null, usage = null, error = null;
    long input = 0, cacheRead = 0, cacheWrite = 0, output = 0;
    boolean started = false, stopped = false;
    for (int i = 0; i < events.size(); i++) {
      String type = events.get(i)[0];
      JsonNode d = Json.MAPPER.readTree(events.get(i)[1]);
      assertThat(stopped).as("nothing after message_stop").isFalse();
      assertThat(d.get("type").asText()).as("data type equals event name").isEqualTo(type);
      if (i == 0) assertThat(type).isIn("message_start", "error");
      switch (type) {
        case "message_start" -> {
          assertThat(started).isFalse();
          started = true;
          JsonNode u = d.at("/message/usage");
          input = u.path("input_tokens").asLong();
          cacheRead = u.path("cache_read_input_tokens").asLong();
          cacheWrite = u.path("cache_creation_input_tokens").asLong();
          output = u.path("output_tokens").asLong();
        }
        case "content_block_start" -> {
          int index = d.get("index").asInt();
          assertThat(index).as("block indexes count from 0").isEqualTo(kinds.size());
          assertThat(open).as("one block open at a time").isEmpty();
          JsonNode block = d.get("content_block");
          kinds.put(index, block.get("type").asText());
          open.add(index);
          if (block.get("type").asText().equals("tool_use")) {
            calls.put(index, new String[] {block.get("id").asText(), block.get("name").asText(), ""});
          }
        }
        case "content_block_delta" -> {
          int index = d.get("index").asInt();
          assertThat(open).as("delta inside an open block").contains(index);
          JsonNode delta = d.get("delta");
          switch (delta.get("type").asText()) {
            case "text_delta" -> {
              assertThat(kinds.get(index)).isEqualTo("text");
              text.append(delta.get("text").asText());
            }
            case "input_json_delta" -> {
              assertThat(kinds.get(index)).isEqualTo("tool_use");
              calls.get(index)[2] += delta.get("partial_json").asText();
            }
            case "thinking_delta" -> assertThat(kinds.get(index)).isEqualTo("thinking");
            default -> throw new AssertionError("unexpected delta " + delta);
          }
        }
        case "content_block_stop" -> assertThat(open.remove(d.get("index").asInt())).isTrue();
        case "message_delta" -> {
          assertThat(open).as("blocks closed before message_delta").isEmpty();
          finish = d.at("/delta/stop_reason").asText();
          JsonNode u = d.get("usage");
          if (u.has("input_tokens")) input = u.get("input_tokens").asLong();
          if (u.has("cache_read_input_tokens")) cacheRead = u.get("cache_read_input_tokens").asLong();
          if (u.has("cache_creation_input_tokens")) cacheWrite = u.get("cache_creation_input_tokens").asLong();
          output = u.get("output_tokens").asLong();
        }
        case "message_stop" -> {
          assertThat(finish).as("message_delta before message_stop").isNotNull();
          stopped = true;
        }
        case "ping" -> { }
        case "error" -> {
          assertThat(i).as("error is the last event").isEqualTo(events.size() - 1);
          error = d.at("/error/type").asText();
        }
        default -> throw new AssertionError("unexpected event " + type);
      }
    }
    if (error == null) assertThat(stopped).as("a finished stream ends with message_stop").isTrue();
    String openAiFinish = finish == null ? null : switch (finish) {
      case "end_turn", "stop_sequence" -> "stop";
      case "max_tokens" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> finish;
    };
    if (finish != null) usage = (input + cacheRead + cacheWrite) + "/" + output + "/" + cacheRead;
    return new View(text.toString(), calls.values().stream().map(c -> new Call(c[0], c[1], c[2])).toList(),
        openAiFinish, usage, error);
  }
}
