package dev.sluice.provider.responses;

import dev.sluice.provider.openai.OpenAiErrorMapper;
import dev.sluice.stream.GatewayError;

/**
 * A Responses upstream's failures: error statuses and non-stream bodies read as Chat Completions'
 * ({@code {"error":{message,type,param,code}}}, the same API family), and its own in-stream errors: the
 * {@code error} event, whose fields are top-level, and {@code response.failed}, whose
 * {@code response.error} has a {@code code} and a {@code message} only.
 */
final class ResponsesErrorMapper extends OpenAiErrorMapper {

  ResponsesErrorMapper(String provider, String apiKey) {
    super(provider, apiKey, "response.completed");
  }

  /**
   * The error for an {@code error} event or a {@code response.failed}: {@code code} is one of OpenAI's
   * {@code ResponseErrorCode}s ({@code server_error}, {@code rate_limit_exceeded}, {@code invalid_prompt},
   * the image codes) or a free word, any of them null.
   */
  GatewayError inStream(String code, String message, String param) {
    // The invalid_* and image codes are faults of the request; the caller can fix them.
    boolean requestFault = code != null && (code.startsWith("invalid_") || code.startsWith("image_")
        || code.endsWith("_image") || code.contains("image_file") || code.equals("empty_image_file"));
    String type = requestFault ? "invalid_request_error" : null;
    boolean explicit = message != null || code != null;
    return midStream(new Fields(message, type, param, code, 0, explicit));
  }
}
