package dev.sluice.provider.responses;

import static dev.sluice.provider.JsonReading.isObject;
import static dev.sluice.provider.JsonReading.number;
import static dev.sluice.provider.JsonReading.scalar;
import static dev.sluice.provider.JsonReading.serialize;
import static dev.sluice.provider.JsonReading.string;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.provider.UsageReader;
import dev.sluice.stream.Usage;
import java.io.IOException;

/**
 * The fields of one Responses event that the decoder acts on, read in one pass of the streaming parser
 * whatever the event's type (every type uses a few of them). Scratch: one per decoder, {@link #reset} for
 * each event. Anything else in an event (logprobs, annotations, the echoed request) is skipped.
 */
final class EventFields {
  String type;
  /** The event's {@code sequence_number}, or -1: where Sluice's own end of a passthrough stream goes on. */
  long sequenceNumber;
  String delta;
  String itemId;
  String callId;
  int outputIndex;
  String name;
  String arguments;
  /** An {@code error} event's own (top-level) fields. */
  String code;
  String message;
  String param;
  /** The event's {@code item} (output_item.added/done). */
  String itemType;
  String itemIdOfItem;
  String itemCallId;
  String itemName;
  String itemArguments;
  /** The event's {@code response} (created, in_progress, completed, incomplete, failed); its error, or the event's nested one. */
  String responseId;
  String responseModel;
  long createdAt;
  Usage usage;
  String incompleteReason;
  String errorCode;
  String errorMessage;
  String errorParam;

  void reset() {
    type = delta = itemId = callId = name = arguments = code = message = param = null;
    itemType = itemIdOfItem = itemCallId = itemName = itemArguments = null;
    responseId = responseModel = incompleteReason = errorCode = errorMessage = errorParam = null;
    outputIndex = -1;
    createdAt = -1;
    sequenceNumber = -1;
    usage = null;
  }

  void read(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "type" -> type = scalar(p, t);
        case "sequence_number" -> sequenceNumber = number(p, t, -1);
        case "delta" -> delta = string(p, t);
        case "item_id" -> itemId = scalar(p, t);
        case "call_id" -> callId = scalar(p, t);
        case "output_index" -> outputIndex = (int) Math.min(Integer.MAX_VALUE, number(p, t, -1));
        case "name" -> name = scalar(p, t);
        case "arguments" -> arguments = t == JsonToken.START_OBJECT ? serialize(p) : scalar(p, t);
        case "code" -> code = scalar(p, t);
        case "message" -> message = scalar(p, t);
        case "param" -> param = scalar(p, t);
        case "item" -> {
          if (isObject(p, t)) readItem(p);
        }
        case "response" -> {
          if (isObject(p, t)) readResponse(p);
        }
        // An error event that nests its fields, as some servers send it (openai-node reads both forms).
        case "error" -> {
          if (isObject(p, t)) readError(p);
        }
        default -> p.skipChildren();
      }
    }
  }

  private void readItem(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "type" -> itemType = scalar(p, t);
        case "id" -> itemIdOfItem = scalar(p, t);
        case "call_id" -> itemCallId = scalar(p, t);
        case "name" -> itemName = scalar(p, t);
        case "arguments" -> itemArguments = t == JsonToken.START_OBJECT ? serialize(p) : scalar(p, t);
        default -> p.skipChildren();
      }
    }
  }

  private void readResponse(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "id" -> responseId = scalar(p, t);
        case "model" -> responseModel = scalar(p, t);
        case "created_at" -> createdAt = number(p, t, -1);
        case "usage" -> {
          if (isObject(p, t)) usage = UsageReader.RESPONSES.read(p);
        }
        case "incomplete_details" -> {
          if (isObject(p, t)) incompleteReason = readField(p, "reason");
        }
        case "error" -> {
          if (isObject(p, t)) readError(p);
        }
        // output is not read: its items arrived as events already.
        default -> p.skipChildren();
      }
    }
  }

  /** A {@code response.error}, or an error event's nested {@code error}. */
  private void readError(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "code" -> errorCode = scalar(p, t);
        case "message" -> errorMessage = scalar(p, t);
        case "param" -> errorParam = scalar(p, t);
        default -> p.skipChildren();
      }
    }
  }

  /** The scalar {@code wanted} field of the object the parser is in; the rest is skipped. */
  private static String readField(JsonParser p, String wanted) throws IOException {
    String value = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals(wanted)) {
        value = scalar(p, t);
      } else {
        p.skipChildren();
      }
    }
    return value;
  }
}
