package dev.sluice.server.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * The OpenTelemetry GenAI semantic-convention attributes Sluice sets, and the few HTTP ones.
 * Spelled out here rather than taken from the incubating semconv artifact, whose names move.
 */
final class GenAi {
  static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");

  static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("sluice.request_id");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("sluice.outcome");
  static final AttributeKey<Long> CANDIDATE = AttributeKey.longKey("sluice.candidate");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("sluice.attempt");

  static final String CHAT = "chat";

  private GenAi() {}
}
