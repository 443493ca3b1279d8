package dev.sluice.provider.responses;

import dev.sluice.provider.DecodedEvents;
import dev.sluice.provider.JsonReading;
import dev.sluice.provider.UpstreamDecoder;
import dev.sluice.sse.SseEvent;
import dev.sluice.sse.SseEventView;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Relayed;
import dev.sluice.stream.Started;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import java.util.BitSet;
import java.util.HashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decodes one Responses stream into canonical events, with Jackson's streaming parser (no tree per
 * event). The event's type is its data's {@code type}, else the SSE event name.
 *
 * <p>A stream ends with exactly one of {@code response.completed}, {@code response.incomplete},
 * {@code response.failed} or an {@code error} event; a body that ends before one of them is a
 * truncation, whatever came before (the output items' own {@code done} events say nothing of the whole
 * response). Event types Sluice does not carry (hosted tools, audio, annotations, anything newer) are
 * skipped, as the spec asks of a reader; in passthrough mode every event, whatever its type, is also
 * handed on whole as a {@link Relayed}, for a client that speaks Responses itself.
 *
 * <p>Function calls get canonical indexes in the order their items are added. A fragment names its call
 * by {@code item_id} (OpenAI), else by {@code call_id} or {@code output_index} (servers that copy the API
 * loosely), else it continues the last call. A call whose arguments never came as deltas gets them whole
 * from its {@code .done} event or its finished item, so no server's calls arrive without arguments.
 */
final class ResponsesEventDecoder implements UpstreamDecoder {

  private final String requestedModel;
  private final ResponsesErrorMapper errors;
  /** Passthrough: every event is also handed on whole ({@link Relayed}), before what is decoded from it. */
  private final boolean relay;
  private final DecodedEvents decoded = new DecodedEvents();
  private final EventFields fields = new EventFields();
  private final JsonReading.ObjectReader reader = fields::read;

  /** Item id, call id and output index to the canonical call index. */
  private final HashMap<String, Integer> callByItem = new HashMap<>();
  private final HashMap<String, Integer> callByCallId = new HashMap<>();
  private final HashMap<Integer, Integer> callByOutput = new HashMap<>();
  /** Calls whose arguments have begun to arrive. */
  private final BitSet argued = new BitSet();
  private int nextCall;
  private int currentCall = -1;

  ResponsesEventDecoder(String requestedModel, ResponsesErrorMapper errors) {
    this(requestedModel, errors, false);
  }

  ResponsesEventDecoder(String requestedModel, ResponsesErrorMapper errors, boolean relay) {
    this.requestedModel = requestedModel;
    this.errors = errors;
    this.relay = relay;
  }

  @Override
  public DecodedEvents decoded() {
    return decoded;
  }

  /** The parser's path: the event's JSON is read from its UTF-8 bytes, with no String made for it. */
  @Override
  public void onEvent(SseEventView event) {
    if (decoded.terminated()) return;
    // The spec's Responses streams have no [DONE]; the SDKs stop at one if it comes. The end decides.
    if (event.isDataBlank() || event.dataStartsWith("[DONE]")) return;
    fields.reset();
    GatewayError malformed = JsonReading.readObject(event, "event", errors, reader);
    if (malformed != null) {
      decoded.fail(malformed);
      return;
    }
    if (relay) {
      decoded.add(new Relayed(SseEvent.DEFAULT_TYPE.equals(event.type()) ? null : event.type(), event.data(),
          fields.sequenceNumber));
    }
    String type = fields.type != null ? fields.type : event.type();
    if (type == null) return;
    switch (type) {
      case "response.created", "response.in_progress", "response.queued" -> start();
      case "response.output_text.delta" -> text(TextDelta.Channel.CONTENT);
      case "response.refusal.delta" -> text(TextDelta.Channel.REFUSAL);
      case "response.reasoning_summary_text.delta", "response.reasoning_text.delta" -> text(TextDelta.Channel.REASONING);
      case "response.output_item.added" -> {
        if ("function_call".equals(fields.itemType)) openCall();
      }
      case "response.function_call_arguments.delta" -> arguments(fields.delta, false);
      case "response.function_call_arguments.done" -> arguments(fields.arguments, true);
      case "response.output_item.done" -> {
        if ("function_call".equals(fields.itemType)) {
          fields.itemId = fields.itemIdOfItem;
          fields.callId = fields.itemCallId;
          arguments(fields.itemArguments, true);
        }
      }
      case "response.completed" -> end(null);
      case "response.incomplete" -> end("content_filter".equals(fields.incompleteReason)
          ? FinishReason.CONTENT_FILTER : FinishReason.LENGTH);
      case "response.failed" -> {
        start();
        decoded.markEnd();
        decoded.fail(errors.inStream(fields.errorCode, fields.errorMessage != null ? fields.errorMessage
            : "the response failed", null));
      }
      case "error" -> {
        decoded.markEnd();
        decoded.fail(errors.inStream(fields.code != null ? fields.code : fields.errorCode,
            fields.message != null ? fields.message : fields.errorMessage,
            fields.param != null ? fields.param : fields.errorParam));
      }
      default -> { } // item and part boundaries, text .done events, hosted tools, audio, newer types
    }
  }

  @Override
  public void endOfStream() {
    if (decoded.terminated()) return;
    decoded.fail(errors.truncated());
  }

  private void start() {
    if (decoded.started()) return;
    decoded.add(new Started(
        fields.responseId != null && !fields.responseId.isEmpty() ? fields.responseId
            : "resp_sluice_" + Long.toHexString(ThreadLocalRandom.current().nextLong()),
        fields.responseModel != null && !fields.responseModel.isEmpty() ? fields.responseModel : requestedModel,
        errors.provider(),
        fields.createdAt >= 0 ? fields.createdAt : System.currentTimeMillis() / 1000));
  }

  private void text(TextDelta.Channel channel) {
    if (fields.delta == null || fields.delta.isEmpty()) return;
    start();
    decoded.add(new TextDelta(channel, fields.delta));
  }

  private void openCall() {
    start();
    int call = nextCall++;
    currentCall = call;
    if (fields.itemIdOfItem != null) callByItem.put(fields.itemIdOfItem, call);
    if (fields.itemCallId != null) callByCallId.put(fields.itemCallId, call);
    if (fields.outputIndex >= 0) callByOutput.put(fields.outputIndex, call);
    String callId = fields.itemCallId != null && !fields.itemCallId.isEmpty() ? fields.itemCallId : fields.itemIdOfItem;
    String args = fields.itemArguments == null ? "" : fields.itemArguments;
    if (!args.isEmpty()) argued.set(call);
    decoded.add(new ToolCallDelta(call, callId, fields.itemName == null ? "" : fields.itemName, args));
  }

  /** A fragment of a call's arguments, or (when {@code whole}) all of them, sent only if none came before. */
  private void arguments(String text, boolean whole) {
    Integer call = fields.itemId != null ? callByItem.get(fields.itemId) : null;
    if (call == null && fields.callId != null) call = callByCallId.get(fields.callId);
    if (call == null && fields.outputIndex >= 0) call = callByOutput.get(fields.outputIndex);
    if (call == null && currentCall >= 0) call = currentCall;
    if (call == null) {
      // Arguments for a call never announced: open it, so that its arguments are not lost.
      fields.itemIdOfItem = fields.itemId;
      fields.itemCallId = fields.callId;
      fields.itemName = fields.name;
      fields.itemArguments = null;
      openCall();
      call = currentCall;
    }
    if (text == null || text.isEmpty()) return;
    if (whole && argued.get(call)) return;
    argued.set(call);
    decoded.add(new ToolCallDelta(call, null, null, text));
  }

  /** {@code response.completed} ({@code reason} null: STOP or TOOL_CALLS) or {@code response.incomplete}. */
  private void end(FinishReason reason) {
    start();
    decoded.markEnd();
    if (fields.usage != null) decoded.usage(fields.usage);
    if (reason != null) decoded.holdFinish(reason);
    decoded.finish();
  }
}
