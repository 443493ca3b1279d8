package dev.sluice.provider.openai;

import static dev.sluice.provider.JsonReading.FACTORY;
import static dev.sluice.provider.JsonReading.scalar;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;

/**
 * Turns what an OpenAI-compatible upstream says about a failure into a {@link GatewayError}: a non-2xx
 * response, a JSON body where an event stream was expected, or an {@code {"error":...}} object inside
 * the stream. Every message says it came from the upstream, and every upstream-provided text is
 * scrubbed of the provider key before it is used.
 */
public class OpenAiErrorMapper extends UpstreamErrors {

  OpenAiErrorMapper(String provider, String apiKey) {
    this(provider, apiKey, "[DONE]");
  }

  /**
   * For a wire format of OpenAI's that reads errors as Chat Completions does (the Responses API) but
   * ends its streams with another {@code terminator}.
   */
  protected OpenAiErrorMapper(String provider, String apiKey, String terminator) {
    super(provider, apiKey, terminator);
  }

  /**
   * What an upstream said about an error: OpenAI's {@code {message,type,param,code}}, vLLM's integer
   * {@code code} (its HTTP status) in {@code status}, or just a message from a plain-text body.
   *
   * @param explicit true when the text was shaped as an error (an error object or error fields), false
   *     when the message is merely the body's text
   */
  public record Fields(String message, String type, String param, String code, int status, boolean explicit) {
    static final Fields EMPTY = new Fields(null, null, null, null, 0, false);

    /** Fields that are only a message: a body's text in no error shape. */
    public static Fields text(String text) {
      return new Fields(text, null, null, null, 0, false);
    }
  }

  /** The error for a response with a non-2xx {@code status} and (bounded) body text. */
  @Override
  protected GatewayError fromStatus(int status, HttpFields headers, String body) {
    Fields f = parseBody(body);
    String detail = f.message() != null ? f.message() : "no error message";
    String id = headers.get("x-request-id");
    String requestId = id == null ? "" : " [request " + clean(id) + "]";
    String message = "upstream '" + provider() + "' returned HTTP " + status + requestId + ": " + clean(detail);
    Duration retryAfter = UpstreamHttp.retryAfter(headers);
    return new GatewayError(UpstreamHttp.errorTypeForStatus(status), message, cleanOrNull(f.param()),
        cleanOrNull(f.code()), status, retryAfter);
  }

  /**
   * The error for a 2xx response whose content type is not an event stream: a JSON error body some
   * servers send with 200, or a non-streamed answer the gateway cannot relay.
   */
  @Override
  public GatewayError notAStream(int status, String contentType, String body) {
    Fields f = parseBody(body);
    if (f.explicit()) {
      String detail = f.message() != null ? f.message() : "no error message";
      return forClient(new GatewayError(typeOf(f), "upstream '" + provider() + "' answered HTTP " + status + " with an error: "
          + clean(detail), cleanOrNull(f.param()), cleanOrNull(f.code()), status, null));
    }
    return notAnEventStream(status, contentType);
  }

  /** The error for an error object (or {@code event: error} data) in the middle of a stream. */
  public final GatewayError midStream(Fields f) {
    String detail = f.message() != null ? f.message() : "an error occurred during streaming";
    int status = f.status() >= 400 && f.status() <= 599 ? f.status() : 0;
    return forClient(new GatewayError(typeOf(f), "upstream '" + provider() + "' failed mid-stream: " + clean(detail),
        cleanOrNull(f.param()), cleanOrNull(f.code()), status, null));
  }

  /**
   * Reads the error value the parser is on: an object ({@code {message,type,param,code}}) or a bare
   * scalar taken as the message. Returns with the parser on the value's last token.
   */
  public static Fields readErrorValue(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) return readObject(p, false);
    if (t == JsonToken.START_ARRAY) {
      p.skipChildren();
      return Fields.EMPTY;
    }
    return t == JsonToken.VALUE_NULL ? Fields.EMPTY : new Fields(p.getValueAsString(), null, null, null, 0, true);
  }

  /**
   * Reads an error body or {@code event: error} data: {@code {"error":{...}}}, {@code {"error":"text"}},
   * a bare error object ({@code {"message":...}}), FastAPI's {@code {"detail":"..."}}, or plain text.
   * Never fails: text in none of those shapes becomes the message, with {@code explicit} false.
   */
  static Fields parseBody(String body) {
    String text = body == null ? "" : body.strip();
    if (text.isEmpty()) return Fields.EMPTY;
    if (text.charAt(0) != '{') return Fields.text(text);
    try (JsonParser p = FACTORY.createParser(text)) {
      p.nextToken();
      Fields f = readObject(p, true);
      if (p.nextToken() != null) return Fields.text(text);
      return f.explicit() ? f : Fields.text(text);
    } catch (IOException e) {
      // Not JSON after all (e.g. a truncated body): the text itself is the best message there is.
      return Fields.text(text);
    }
  }

  /**
   * Reads an object of error fields; at the top level ({@code top}) it may instead wrap them in
   * {@code "error"} or say {@code "detail"}. The parser is on {@code START_OBJECT} and ends on its end.
   */
  private static Fields readObject(JsonParser p, boolean top) throws IOException {
    String message = null, type = null, param = null, code = null, detail = null;
    int status = 0;
    Fields nested = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      switch (field) {
        case "message" -> message = scalar(p, v);
        case "type" -> type = scalar(p, v);
        case "param" -> param = scalar(p, v);
        case "code" -> {
          if (v == JsonToken.VALUE_NUMBER_INT) {
            status = p.getIntValue();
          } else {
            code = scalar(p, v);
          }
        }
        case "error" -> {
          if (top) {
            nested = readErrorValue(p);
          } else {
            p.skipChildren();
          }
        }
        case "detail" -> {
          if (top && v == JsonToken.VALUE_STRING) {
            detail = p.getText();
          } else {
            p.skipChildren();
          }
        }
        default -> p.skipChildren();
      }
    }
    if (nested != null && nested.explicit()) return nested;
    if (message == null) message = detail;
    boolean explicit = message != null || type != null || code != null || status != 0;
    return new Fields(message, type, param, code, status, explicit);
  }

  /** The type an error without an HTTP status stands for, from vLLM's status code or the type/code words. */
  static ErrorType typeOf(Fields f) {
    if (f.status() >= 400 && f.status() <= 599) return UpstreamHttp.errorTypeForStatus(f.status());
    String words = ((f.type() == null ? "" : f.type()) + " " + (f.code() == null ? "" : f.code()))
        .toLowerCase(Locale.ROOT);
    if (words.contains("rate_limit") || words.contains("ratelimit") || words.contains("quota")) {
      return ErrorType.RATE_LIMITED;
    }
    if (words.contains("overload") || words.contains("unavailable")) return ErrorType.UPSTREAM_OVERLOADED;
    if (words.contains("timeout") || words.contains("timed_out")) return ErrorType.UPSTREAM_TIMEOUT;
    if (words.contains("authentication") || words.contains("invalid_api_key")) return ErrorType.AUTHENTICATION;
    if (words.contains("permission")) return ErrorType.PERMISSION;
    if (words.contains("not_found") || words.contains("notfound")) return ErrorType.NOT_FOUND;
    if (words.contains("invalid_request") || words.contains("badrequest") || words.contains("context_length")) {
      return ErrorType.INVALID_REQUEST;
    }
    return ErrorType.UPSTREAM_ERROR;
  }
}
