package dev.sluice.provider.openai;

import static dev.sluice.provider.JsonReading.isObject;
import static dev.sluice.provider.JsonReading.number;
import static dev.sluice.provider.JsonReading.scalar;
import static dev.sluice.provider.JsonReading.serialize;
import static dev.sluice.provider.JsonReading.skip;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.provider.DecodedEvents;
import dev.sluice.provider.JsonReading;
import dev.sluice.provider.UpstreamDecoder;
import dev.sluice.provider.UsageReader;
import dev.sluice.sse.SseEventView;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.UsageReport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decodes the events of one Chat Completions stream into canonical events, with Jackson's streaming
 * parser (no tree per chunk). Fed by an {@link dev.sluice.sse.SseParser} on the reading thread; the
 * stream drains its {@link DecodedEvents}, which also holds the finish reason and usage for the end.
 *
 * <p>Order and ending, following OpenAI's framing: the first chunk gives one {@link Started}; deltas
 * follow; a {@code finish_reason} is held, because OpenAI sends the usage chunk after it; at
 * {@code [DONE]} the last usage seen (some servers put usage on every chunk) becomes one
 * {@link UsageReport}, then {@link Finished}. The end of the body without {@code [DONE]} is a
 * truncation ({@link Failed}) unless a {@code finish_reason} was seen: then the answer itself is
 * complete and only the usage chunk may be missing, so it ends as {@link Finished}.
 *
 * <p>Only choice 0 is decoded: the dialects reject {@code n > 1} before calling, so other choices can
 * only come from an upstream that ignores {@code n}, and are dropped.
 *
 * <p>Tool calls are identified by a canonical index, in order of first appearance. OpenAI's
 * {@code index} maps to it; when a server omits {@code index}, a new {@code id} opens the next call and
 * a fragment without one continues the current call; when a server reuses an {@code index} for a new
 * {@code id} (some Ollama-compatible servers number every call of a parallel batch 0), the new id opens
 * a new call. A call's id is passed on its opening fragment only, and its name once.
 */
final class OpenAiChunkDecoder implements UpstreamDecoder {

  private final String requestedModel;
  private final OpenAiErrorMapper errors;
  private final DecodedEvents decoded = new DecodedEvents();

  private final HashMap<String, Integer> callById = new HashMap<>();
  private final HashMap<Integer, Integer> callByIndex = new HashMap<>();
  private final BitSet named = new BitSet();
  private int nextCall;
  private int currentCall = -1;

  /** Scratch for the chunk being read: its top-level fields, reset for each chunk. */
  private String chunkId;
  private String chunkModel;
  private long chunkCreated;
  private OpenAiErrorMapper.Fields chunkError;
  /** Scratch for the choice being read: its TextDeltas and Fragments, applied only if it is choice 0. */
  private final ArrayList<Object> choiceItems = new ArrayList<>();
  /** Scratch for the chunk being read: its events, released only if the whole chunk parses. */
  private final ArrayList<StreamEvent> chunkEvents = new ArrayList<>();
  /** Made once: a chunk read allocates no reader. */
  private final JsonReading.ObjectReader chunkReader = this::readChunk;

  private record Fragment(Integer index, String id, String name, String arguments) {}

  OpenAiChunkDecoder(String requestedModel, OpenAiErrorMapper errors) {
    this.requestedModel = requestedModel;
    this.errors = errors;
  }

  /** The events decoded so far; the upstream's terminator is {@code [DONE]}. */
  @Override
  public DecodedEvents decoded() {
    return decoded;
  }

  /** The parser's path: the chunk's JSON is read from its UTF-8 bytes, with no String made for it. */
  @Override
  public void onEvent(SseEventView event) {
    if (decoded.terminated()) return;
    String type = event.type();
    if ("error".equals(type)) {
      decoded.fail(errors.midStream(OpenAiErrorMapper.parseBody(event.data())));
      return;
    }
    // Chat Completions never names its events; a named one (a proxy's ping, say) is not a chunk.
    if (type != null && !type.isEmpty() && !type.equals("message")) return;
    // openai-python ends at any data starting with [DONE]; openai-node at exactly [DONE]. Take the wider.
    if (event.dataStartsWith("[DONE]")) {
      done();
      return;
    }
    if (event.isDataBlank()) return;
    decodeChunk(event);
  }

  /** The HTTP body ended: after a finish_reason the answer is whole and only the usage chunk may be missing. */
  @Override
  public void endOfStream() {
    if (decoded.terminated()) return;
    if (decoded.holdsFinish()) {
      decoded.finish();
    } else {
      decoded.fail(errors.truncated());
    }
  }

  private void done() {
    decoded.markEnd();
    if (!decoded.started()) {
      decoded.fail(errors.malformed("[DONE] before any chunk", null));
      return;
    }
    // A server that omits finish_reason but said [DONE] has still finished; the end says why as best it can.
    decoded.finish();
  }

  private void decodeChunk(SseEventView data) {
    try {
      readChunkEvents(data);
    } finally {
      // Emptied after each chunk, not before the next: a held stream waits long between chunks, and
      // the last chunk's events (its text) would stay reachable from here all that time.
      chunkEvents.clear();
      choiceItems.clear();
    }
  }

  private void readChunkEvents(SseEventView data) {
    chunkId = null;
    chunkModel = null;
    chunkCreated = -1;
    chunkError = null;
    GatewayError malformed = JsonReading.readObject(data, "chunk", errors, chunkReader);
    if (malformed != null) {
      decoded.fail(malformed);
      return;
    }
    if (chunkError != null && says(chunkError)) {
      decoded.fail(errors.midStream(chunkError));
      return;
    }
    if (!decoded.started()) {
      decoded.add(new Started(
          chunkId != null && !chunkId.isEmpty() ? chunkId
              : "chatcmpl-sluice-" + Long.toHexString(ThreadLocalRandom.current().nextLong()),
          chunkModel != null && !chunkModel.isEmpty() ? chunkModel : requestedModel,
          errors.provider(),
          chunkCreated >= 0 ? chunkCreated : System.currentTimeMillis() / 1000));
    }
    decoded.addAll(chunkEvents);
  }

  private void readChunk(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        // Only the first chunk's are used (for Started): later ones are skipped, not made into Strings.
        case "id" -> chunkId = decoded.started() ? skip(p, null) : scalar(p, t);
        case "model" -> chunkModel = decoded.started() ? skip(p, null) : scalar(p, t);
        case "created" -> chunkCreated = number(p, t, -1);
        case "choices" -> readChoices(p, t);
        case "usage" -> {
          if (isObject(p, t)) decoded.usage(UsageReader.CHAT_COMPLETIONS.read(p));
        }
        case "error" -> chunkError = OpenAiErrorMapper.readErrorValue(p);
        // object, system_fingerprint, service_tier, obfuscation, moderation and anything newer.
        default -> p.skipChildren();
      }
    }
  }

  /** Python's SDK raises only for a truthy {@code error}: an empty object or string says nothing. */
  private static boolean says(OpenAiErrorMapper.Fields f) {
    return (f.message() != null && !f.message().isEmpty()) || f.type() != null || f.code() != null || f.status() != 0;
  }

  private void readChoices(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() == JsonToken.START_OBJECT) {
        readChoice(p);
      } else {
        p.skipChildren();
      }
    }
  }

  private void readChoice(JsonParser p) throws IOException {
    choiceItems.clear();
    long index = 0;
    String finishReason = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "index" -> index = number(p, t, 0);
        case "delta" -> {
          if (isObject(p, t)) readDelta(p);
        }
        case "finish_reason" -> finishReason = scalar(p, t);
        default -> p.skipChildren(); // logprobs and the like
      }
    }
    if (index != 0) return;
    for (Object item : choiceItems) {
      if (item instanceof TextDelta delta) {
        chunkEvents.add(delta);
      } else {
        addToolDelta((Fragment) item);
      }
    }
    if (finishReason != null && !finishReason.isEmpty()) decoded.holdFinish(FinishReason.fromOpenAi(finishReason));
  }

  private void readDelta(JsonParser p) throws IOException {
    String reasoning = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "content" -> text(p, t, TextDelta.Channel.CONTENT);
        case "refusal" -> text(p, t, TextDelta.Channel.REFUSAL);
        // Non-standard thinking text: Ollama and OpenRouter say reasoning, vLLM and DeepSeek
        // reasoning_content; a server sending both with the same text must not double it.
        case "reasoning", "reasoning_content" -> {
          if (t == JsonToken.VALUE_STRING) {
            String r = p.getText();
            if (!r.isEmpty() && !r.equals(reasoning)) {
              choiceItems.add(new TextDelta(TextDelta.Channel.REASONING, r));
              reasoning = r;
            }
          } else {
            p.skipChildren();
          }
        }
        case "tool_calls" -> readToolCalls(p, t);
        // role; function_call (only for the legacy functions parameter, which is never sent); others.
        default -> p.skipChildren();
      }
    }
  }

  private void text(JsonParser p, JsonToken t, TextDelta.Channel channel) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText();
      // The first chunk's "content": "" is only a marker; an empty delta carries nothing.
      if (!s.isEmpty()) choiceItems.add(new TextDelta(channel, s));
    } else {
      p.skipChildren();
    }
  }

  private void readToolCalls(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      Integer index = null;
      String id = null;
      String name = null;
      String arguments = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        switch (field) {
          // Not a conditional: int and Integer would unbox the null of a skipped index.
          case "index" -> {
            if (v == JsonToken.VALUE_NUMBER_INT) index = p.getIntValue();
            else p.skipChildren();
          }
          case "id" -> id = scalar(p, v);
          case "function" -> {
            if (!isObject(p, v)) break;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              JsonToken fv = p.nextToken();
              switch (f) {
                case "name" -> name = scalar(p, fv);
                case "arguments" -> arguments = fv == JsonToken.START_OBJECT ? serialize(p) : scalar(p, fv);
                default -> p.skipChildren();
              }
            }
          }
          default -> p.skipChildren(); // type: always "function"
        }
      }
      choiceItems.add(new Fragment(index, id, name, arguments));
    }
  }

  private void addToolDelta(Fragment f) {
    String id = f.id() == null || f.id().isEmpty() ? null : f.id();
    int before = nextCall;
    int call = callFor(f.index(), id);
    boolean opened = nextCall != before;
    String name = null;
    if (f.name() != null && !f.name().isEmpty() && !named.get(call)) {
      name = f.name();
      named.set(call);
    }
    String arguments = f.arguments() == null ? "" : f.arguments();
    String openingId = opened ? id : null;
    if (!opened && name == null && arguments.isEmpty()) return;
    chunkEvents.add(new ToolCallDelta(call, openingId, name, arguments));
  }

  /** The canonical index of the call a fragment belongs to, opening a new call when it starts one. */
  private int callFor(Integer index, String id) {
    if (id != null) {
      Integer known = callById.get(id);
      int call = known != null ? known : nextCall++;
      if (known == null) callById.put(id, call);
      if (index != null) callByIndex.put(index, call);
      currentCall = call;
      return call;
    }
    if (index != null) {
      Integer known = callByIndex.get(index);
      int call = known != null ? known : nextCall++;
      if (known == null) callByIndex.put(index, call);
      currentCall = call;
      return call;
    }
    if (currentCall < 0) currentCall = nextCall++;
    return currentCall;
  }
}
