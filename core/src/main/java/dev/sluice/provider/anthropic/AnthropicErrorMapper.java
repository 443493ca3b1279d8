package dev.sluice.provider.anthropic;

import static dev.sluice.provider.JsonReading.FACTORY;
import static dev.sluice.provider.JsonReading.skip;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.provider.UpstreamErrors;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.io.IOException;
import org.eclipse.jetty.http.HttpFields;

/**
 * Turns what an Anthropic upstream says about a failure into a {@link GatewayError}: a non-2xx response
 * with Anthropic's {@code {"type":"error","error":{"type","message"},"request_id"}} body, or an
 * {@code event: error} in the stream. Every message says it came from the upstream, and every
 * upstream-provided text is scrubbed of the provider key before it is cut to length.
 */
final class AnthropicErrorMapper extends UpstreamErrors {

  AnthropicErrorMapper(String provider, String apiKey) {
    super(provider, apiKey, "message_stop");
  }

  /** Anthropic's error object: {@code error.type} and {@code error.message}; either may be null. */
  record Body(String type, String message, String requestId) {
    static final Body EMPTY = new Body(null, null, null);
  }

  /** The error for a response with a non-2xx {@code status}: the type from the status, the words from the body. */
  @Override
  protected GatewayError fromStatus(int status, HttpFields headers, String body) {
    Body b = parse(body);
    String detail = b.message() != null ? b.message() : body == null || body.isBlank() ? "no error message" : body.strip();
    String id = headers.get("request-id");
    if (id == null) id = b.requestId();
    String requestId = id == null ? "" : " [request " + clean(id) + "]";
    String type = b.type() == null ? "" : " (" + clean(b.type()) + ")";
    String message = "upstream '" + provider() + "' returned HTTP " + status + requestId + type + ": " + clean(detail);
    return new GatewayError(UpstreamHttp.errorTypeForStatus(status), message, null, cleanOrNull(b.type()), status,
        UpstreamHttp.retryAfter(headers));
  }

  /** The error for a 2xx response that is not an event stream. */
  @Override
  public GatewayError notAStream(int status, String contentType, String body) {
    Body b = parse(body);
    if (b.type() != null || b.message() != null) return midStream(b);
    return notAnEventStream(status, contentType);
  }

  /**
   * The error for an {@code event: error} after the 200: the type from Anthropic's {@code error.type}
   * ({@code overloaded_error}, the mid-stream form of a 529, is the common one).
   */
  GatewayError midStream(Body b) {
    String detail = b.message() != null ? b.message() : "an error occurred during streaming";
    String type = b.type() == null ? "" : " (" + clean(b.type()) + ")";
    return forClient(new GatewayError(typeOf(b.type()), "upstream '" + provider() + "' failed mid-stream" + type + ": "
        + clean(detail), null, cleanOrNull(b.type()), 0, null));
  }

  /** The canonical type of an Anthropic {@code error.type}; an unknown or missing one is an upstream error. */
  static ErrorType typeOf(String anthropicType) {
    if (anthropicType == null) return ErrorType.UPSTREAM_ERROR;
    return switch (anthropicType) {
      case "overloaded_error" -> ErrorType.UPSTREAM_OVERLOADED;
      case "rate_limit_error" -> ErrorType.RATE_LIMITED;
      case "timeout_error" -> ErrorType.UPSTREAM_TIMEOUT;
      case "invalid_request_error" -> ErrorType.INVALID_REQUEST;
      case "request_too_large" -> ErrorType.REQUEST_TOO_LARGE;
      case "authentication_error" -> ErrorType.AUTHENTICATION;
      case "permission_error" -> ErrorType.PERMISSION;
      case "not_found_error" -> ErrorType.NOT_FOUND;
      // api_error, billing_error and anything newer: the upstream failed.
      default -> ErrorType.UPSTREAM_ERROR;
    };
  }

  /**
   * Reads an error body or {@code event: error} data. Never fails: text that is not Anthropic's shape
   * gives {@link Body#EMPTY} and the caller falls back to the raw text.
   */
  static Body parse(String body) {
    String text = body == null ? "" : body.strip();
    if (text.isEmpty() || text.charAt(0) != '{') return Body.EMPTY;
    String type = null, message = null, requestId = null;
    try (JsonParser p = FACTORY.createParser(text)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "error" -> {
            if (t != JsonToken.START_OBJECT) {
              if (t == JsonToken.VALUE_STRING) message = p.getText();
              else p.skipChildren();
              break;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              JsonToken v = p.nextToken();
              if (f.equals("type") && v == JsonToken.VALUE_STRING) type = p.getText();
              else if (f.equals("message") && v == JsonToken.VALUE_STRING) message = p.getText();
              else p.skipChildren();
            }
          }
          case "request_id" -> requestId = t == JsonToken.VALUE_STRING ? p.getText() : skip(p, null);
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      // Not JSON after all (a truncated body, a proxy's page): the caller shows the text itself.
      return Body.EMPTY;
    }
    return new Body(type, message, requestId);
  }
}
