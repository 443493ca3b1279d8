package dev.sluice.provider.anthropic;

import static dev.sluice.provider.JsonReading.isObject;
import static dev.sluice.provider.JsonReading.serialize;
import static dev.sluice.provider.JsonReading.skip;
import static dev.sluice.provider.JsonReading.string;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.provider.DecodedEvents;
import dev.sluice.provider.JsonReading;
import dev.sluice.provider.UpstreamDecoder;
import dev.sluice.sse.SseEventView;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.io.IOException;
import java.util.HashMap;

/**
 * Decodes the named events of one Messages stream into canonical events, with Jackson's streaming
 * parser (no tree per event). Fed by an {@link dev.sluice.sse.SseParser} on the reading thread.
 *
 * <p>Dispatch is on the data's {@code type}, which Anthropic always sends and which equals the
 * event name; an event named {@code error} is an error whatever its data says. Unknown event types,
 * unknown block types ({@code redacted_thinking}, server-tool blocks) and unknown delta types
 * ({@code citations_delta}) are skipped, as Anthropic's versioning policy asks. {@code signature_delta}
 * is skipped too: a thinking block's signature only matters for sending that block back to Anthropic,
 * which the canonical request cannot carry.
 *
 * <p>Usage. Anthropic's {@code input_tokens} excludes the prompt tokens read from or written to the
 * prompt cache, while OpenAI's {@code prompt_tokens} (and the canonical {@link Usage#promptTokens()})
 * includes them. So canonical {@code promptTokens = input_tokens + cache_read_input_tokens +
 * cache_creation_input_tokens}, {@code cachedTokens = cache_read_input_tokens} and
 * {@code cacheWriteTokens = cache_creation_input_tokens}; the Anthropic dialect subtracts them again.
 * {@code completionTokens} is {@code output_tokens}, which includes thinking; Anthropic does not report
 * thinking tokens separately, so {@code reasoningTokens} is 0. {@code message_start} gives a first
 * report (the input side is known then, so a stream that fails later still accounts for it);
 * {@code message_delta}'s counts are cumulative and replace the earlier ones field by field.
 *
 * <p>Tool calls: each {@code tool_use} block is one call, numbered 0, 1, ... in order of its
 * {@code content_block_start}, independent of the block's {@code index} (text blocks in between do not
 * count); the opening {@link ToolCallDelta} carries id and name, each {@code input_json_delta} an
 * arguments fragment.
 *
 * <p>Ending: {@code message_stop} gives the final {@link UsageReport} and {@link Finished}; an
 * {@code error} event, a malformed event or the end of the body before {@code message_stop} gives
 * {@link Failed} (after the usage known so far).
 */
final class AnthropicEventDecoder implements UpstreamDecoder {

  private enum Block { TEXT, THINKING, TOOL, OTHER }

  private final String requestedModel;
  private final AnthropicErrorMapper errors;
  private final DecodedEvents decoded = new DecodedEvents();

  private long input, cacheRead, cacheWrite, output, reasoning;

  private final HashMap<Integer, Block> blocks = new HashMap<>();
  private final HashMap<Integer, Integer> callByBlock = new HashMap<>();
  private int nextCall;

  AnthropicEventDecoder(String requestedModel, AnthropicErrorMapper errors) {
    this.requestedModel = requestedModel;
    this.errors = errors;
  }

  /** The events decoded so far; the upstream's terminator is {@code message_stop}. */
  @Override
  public DecodedEvents decoded() {
    return decoded;
  }

  /** The HTTP body ended: without {@code message_stop} the answer is incomplete, whatever came before. */
  @Override
  public void endOfStream() {
    if (!decoded.terminated()) decoded.fail(errors.truncated());
  }

  /** One event's fields of interest; which are set depends on its type. Scratch: one per decoder, reset per event. */
  private static final class Fields {
    String type;
    int index;
    String messageId, messageModel;
    String blockType, blockId, blockName, blockText, blockInput;
    String deltaType, deltaText, stopReason;
    boolean usage;
    long input, cacheRead, cacheWrite, output, reasoning;
    AnthropicErrorMapper.Body error;

    void reset() {
      type = messageId = messageModel = blockType = blockId = blockName = blockText = blockInput = null;
      deltaType = deltaText = stopReason = null;
      index = -1;
      usage = false;
      input = cacheRead = cacheWrite = output = reasoning = -1;
      error = null;
    }
  }

  private final Fields fields = new Fields();
  /** Made once: reading an event allocates no reader. */
  private final JsonReading.ObjectReader reader = p -> readEvent(p, fields);

  /** The parser's path: the event's JSON is read from its UTF-8 bytes, with no String made for it. */
  @Override
  public void onEvent(SseEventView event) {
    if (decoded.terminated()) return;
    if ("error".equals(event.type())) {
      decoded.fail(errors.midStream(AnthropicErrorMapper.parse(event.data())));
      return;
    }
    if (event.isDataBlank()) return;
    Fields f = fields;
    f.reset();
    GatewayError malformed = JsonReading.readObject(event, "event", errors, reader);
    if (malformed != null) {
      decoded.fail(malformed);
      return;
    }
    String type = f.type != null ? f.type : event.type();
    switch (type) {
      case "message_start" -> messageStart(f);
      case "content_block_start" -> {
        if (requireStarted(type, event)) blockStart(f, event);
      }
      case "content_block_delta" -> {
        if (requireStarted(type, event)) blockDelta(f, event);
      }
      case "message_delta" -> {
        if (!requireStarted(type, event)) return;
        if (f.stopReason != null) decoded.holdFinish(finishReason(f.stopReason));
        takeUsage(f);
      }
      case "message_stop" -> {
        if (!requireStarted(type, event)) return;
        decoded.markEnd();
        decoded.finish();
      }
      case "error" -> decoded.fail(errors.midStream(f.error != null ? f.error : AnthropicErrorMapper.Body.EMPTY));
      // content_block_stop carries nothing to relay; ping is a keep-alive; newer types are skipped.
      default -> { }
    }
  }

  /** Anthropic's {@code stop_reason} in canonical terms. */
  static FinishReason finishReason(String stopReason) {
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
      case "tool_use" -> FinishReason.TOOL_CALLS;
      case "refusal" -> FinishReason.CONTENT_FILTER;
      // end_turn, stop_sequence, and pause_turn (a server tool's long turn paused: the answer so far is whole).
      default -> FinishReason.STOP;
    };
  }

  private boolean requireStarted(String type, SseEventView data) {
    if (decoded.started()) return true;
    decoded.fail(errors.malformed(type + " before message_start", data.data()));
    return false;
  }

  private void messageStart(Fields f) {
    if (decoded.started()) return; // A repeated message_start adds nothing a client could see.
    decoded.add(new Started(
        f.messageId != null && !f.messageId.isEmpty() ? f.messageId : "msg_sluice_" + Long.toHexString(System.nanoTime()),
        f.messageModel != null && !f.messageModel.isEmpty() ? f.messageModel : requestedModel,
        System.currentTimeMillis() / 1000));
    if (takeUsage(f)) decoded.add(new UsageReport(usage()));
  }

  private void blockStart(Fields f, SseEventView data) {
    if (f.index < 0) {
      decoded.fail(errors.malformed("content_block_start without an index", data.data()));
      return;
    }
    String type = f.blockType == null ? "" : f.blockType;
    switch (type) {
      case "text" -> {
        blocks.put(f.index, Block.TEXT);
        if (f.blockText != null && !f.blockText.isEmpty()) decoded.add(TextDelta.content(f.blockText));
      }
      case "thinking" -> {
        blocks.put(f.index, Block.THINKING);
        if (f.blockText != null && !f.blockText.isEmpty()) {
          decoded.add(new TextDelta(TextDelta.Channel.REASONING, f.blockText));
        }
      }
      case "tool_use" -> {
        if (f.blockId == null || f.blockName == null) {
          decoded.fail(errors.malformed("a tool_use block without its id or name", data.data()));
          return;
        }
        blocks.put(f.index, Block.TOOL);
        int call = nextCall++;
        callByBlock.put(f.index, call);
        // The input is {} when it streams as input_json_delta; a whole input here stands for itself.
        String input = f.blockInput == null || f.blockInput.equals("{}") ? "" : f.blockInput;
        decoded.add(new ToolCallDelta(call, f.blockId, f.blockName, input));
      }
      default -> blocks.put(f.index, Block.OTHER);
    }
  }

  private void blockDelta(Fields f, SseEventView data) {
    String type = f.deltaType == null ? "" : f.deltaType;
    switch (type) {
      case "text_delta" -> {
        if (f.deltaText != null && !f.deltaText.isEmpty()) decoded.add(TextDelta.content(f.deltaText));
      }
      case "thinking_delta" -> {
        if (f.deltaText != null && !f.deltaText.isEmpty()) {
          decoded.add(new TextDelta(TextDelta.Channel.REASONING, f.deltaText));
        }
      }
      case "input_json_delta" -> {
        Integer call = callByBlock.get(f.index);
        if (call == null) {
          decoded.fail(errors.malformed("input_json_delta for block " + f.index + ", which is not a tool_use block", data.data()));
          return;
        }
        if (f.deltaText != null && !f.deltaText.isEmpty()) decoded.add(new ToolCallDelta(call, null, null, f.deltaText));
      }
      // signature_delta, citations_delta and newer delta types carry nothing the canonical stream holds.
      default -> { }
    }
  }

  /** Merges the counts an event reported; true if it reported any. */
  private boolean takeUsage(Fields f) {
    if (!f.usage) return false;
    if (f.input >= 0) input = f.input;
    if (f.cacheRead >= 0) cacheRead = f.cacheRead;
    if (f.cacheWrite >= 0) cacheWrite = f.cacheWrite;
    if (f.output >= 0) output = f.output;
    if (f.reasoning >= 0) reasoning = Math.min(f.reasoning, output);
    decoded.usage(usage());
    return true;
  }

  private Usage usage() {
    return new Usage(plus(plus(input, cacheRead), cacheWrite), output, cacheRead, cacheWrite,
        Math.min(reasoning, output), false);
  }

  /**
   * Adds two counts (never negative), saturating: an upstream may send any count up to
   * {@link Long#MAX_VALUE}, and a sum that wrapped round would be negative.
   */
  private static long plus(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  // ---- reading ----

  private static void readEvent(JsonParser p, Fields f) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "type" -> f.type = string(p, t);
        case "index" -> f.index = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : skip(p, -1);
        case "message" -> {
          if (!isObject(p, t)) break;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String m = p.currentName();
            JsonToken v = p.nextToken();
            switch (m) {
              case "id" -> f.messageId = string(p, v);
              case "model" -> f.messageModel = string(p, v);
              case "usage" -> readUsage(p, v, f);
              default -> p.skipChildren(); // content (always empty here), role, stop_reason, ...
            }
          }
        }
        case "content_block" -> {
          if (!isObject(p, t)) break;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String m = p.currentName();
            JsonToken v = p.nextToken();
            switch (m) {
              case "type" -> f.blockType = string(p, v);
              case "id" -> f.blockId = string(p, v);
              case "name" -> f.blockName = string(p, v);
              case "text", "thinking" -> f.blockText = string(p, v);
              case "input" -> f.blockInput = v == JsonToken.START_OBJECT ? serialize(p) : skip(p, null);
              default -> p.skipChildren();
            }
          }
        }
        case "delta" -> {
          if (!isObject(p, t)) break;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String m = p.currentName();
            JsonToken v = p.nextToken();
            switch (m) {
              case "type" -> f.deltaType = string(p, v);
              case "text", "partial_json", "thinking" -> f.deltaText = string(p, v);
              case "stop_reason" -> f.stopReason = string(p, v);
              default -> p.skipChildren(); // stop_sequence, signature, citation, ...
            }
          }
        }
        case "usage" -> readUsage(p, t, f);
        case "error" -> {
          if (!isObject(p, t)) break;
          String type = null, message = null;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String m = p.currentName();
            JsonToken v = p.nextToken();
            switch (m) {
              case "type" -> type = string(p, v);
              case "message" -> message = string(p, v);
              default -> p.skipChildren();
            }
          }
          f.error = new AnthropicErrorMapper.Body(type, message, null);
        }
        default -> p.skipChildren();
      }
    }
  }

  private static void readUsage(JsonParser p, JsonToken t, Fields f) throws IOException {
    if (!isObject(p, t)) return;
    f.usage = true;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String m = p.currentName();
      JsonToken v = p.nextToken();
      switch (m) {
        case "input_tokens" -> f.input = count(p, v);
        case "cache_read_input_tokens" -> f.cacheRead = count(p, v);
        case "cache_creation_input_tokens" -> f.cacheWrite = count(p, v);
        case "output_tokens" -> f.output = count(p, v);
        case "output_tokens_details" -> {
          if (!isObject(p, v)) break;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String d = p.currentName();
            JsonToken dv = p.nextToken();
            if (d.equals("thinking_tokens") || d.equals("reasoning_tokens")) f.reasoning = count(p, dv);
            else p.skipChildren();
          }
        }
        default -> p.skipChildren(); // cache_creation breakdown, server_tool_use, service_tier, ...
      }
    }
  }

  /** A count, or -1 (not reported) for null or any non-number; a negative count is garbage, read as 0. */
  private static long count(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) return Math.max(0, p.getValueAsLong());
    p.skipChildren();
    return -1;
  }
}
