package dev.sluice.server.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where spans go. Off unless {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set: then the OpenTelemetry
 * SDK starts with the OTLP/HTTP exporter (protobuf; gRPC is not bundled) and reads the standard
 * {@code OTEL_*} variables (headers, sampler, {@code OTEL_SERVICE_NAME}, default {@code sluice}). Off means the API's no-op
 * implementation: no SDK, no exporter thread, spans are free and only propagate the caller's
 * {@code traceparent}.
 */
public final class Tracing implements AutoCloseable {
  /** The variable that turns tracing on. */
  public static final String ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT";

  private final OpenTelemetry openTelemetry;
  private final OpenTelemetrySdk sdk;

  private Tracing(OpenTelemetry openTelemetry, OpenTelemetrySdk sdk) {
    this.openTelemetry = openTelemetry;
    this.sdk = sdk;
  }

  /** No tracing: the no-op API. */
  public static Tracing off() {
    return new Tracing(OpenTelemetry.noop(), null);
  }

  /** Spans go to {@code sdk}, which {@link #close} shuts down (tests pass an in-memory exporter's SDK). */
  public static Tracing to(OpenTelemetrySdk sdk) {
    return new Tracing(sdk, sdk);
  }

  /** OTLP when {@code env} sets {@link #ENDPOINT_VARIABLE}, else {@link #off()}. */
  public static Tracing fromEnv(Map<String, String> env) {
    String endpoint = env.get(ENDPOINT_VARIABLE);
    if (endpoint == null || endpoint.isBlank()) return off();
    var properties = new HashMap<String, String>(Map.of(
        "otel.service.name", "sluice",
        "otel.traces.exporter", "otlp",
        // The spec's default, over the JDK HttpClient (the SDK's Java default, gRPC, needs OkHttp or gRPC).
        "otel.exporter.otlp.protocol", "http/protobuf",
        // Metrics go to /metrics and logs to the log: only traces are exported.
        "otel.metrics.exporter", "none",
        "otel.logs.exporter", "none"));
    // The OTEL_* variables of env, as the SDK's property names (OTEL_BSP_SCHEDULE_DELAY is
    // otel.bsp.schedule.delay). The process's own environment and system properties still win.
    env.forEach((name, value) -> {
      if (name.startsWith("OTEL_")) properties.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value);
    });
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> properties)
        .build()
        .getOpenTelemetrySdk();
    return new Tracing(sdk, sdk);
  }

  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  /** Whether spans are recorded and exported. */
  public boolean enabled() {
    return sdk != null;
  }

  /** Flushes the spans still buffered and stops the exporter. */
  @Override
  public void close() {
    if (sdk != null) sdk.shutdown().join(10, TimeUnit.SECONDS);
  }
}
