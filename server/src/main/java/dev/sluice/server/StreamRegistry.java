package dev.sluice.server;

import dev.sluice.server.config.ResumeSettings;
import dev.sluice.server.resume.ResumableStream;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The browser streams of this instance, by stream id: running ones, so that {@code DELETE
 * /api/streams/{id}} can abort one, and ended ones for the retention window, so that a client can
 * still replay them. One timer thread runs the grace periods and the expiries.
 */
final class StreamRegistry implements AutoCloseable {
  private final ConcurrentHashMap<String, ResumableStream> streams = new ConcurrentHashMap<>();
  private final ResumeSettings settings;
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().name("sluice-resume-timers").daemon().factory());

  StreamRegistry(ResumeSettings settings) {
    this.settings = settings;
  }

  ResumeSettings settings() {
    return settings;
  }

  /** Timers for grace periods; tasks must not block. */
  ScheduledExecutorService timers() {
    return timers;
  }

  void add(ResumableStream stream) {
    streams.put(stream.id(), stream);
    // Kept for replay until the retention window after its end, then forgotten.
    stream.outcome().whenComplete((o, t) -> {
      if (timers.isShutdown()) streams.remove(stream.id(), stream);
      else timers.schedule(() -> streams.remove(stream.id(), stream), settings.retention().toNanos(), TimeUnit.NANOSECONDS);
    });
  }

  /** The stream, running or ended within its retention window; null if unknown or expired. */
  ResumableStream get(String streamId) {
    return streams.get(streamId);
  }

  /** Cancels the stream; false if no such stream runs here. */
  boolean cancel(String streamId, GatewayError reason) {
    ResumableStream stream = streams.get(streamId);
    return stream != null && stream.cancel(reason);
  }

  /** Cancels every running stream (the gateway stops) and the timers. */
  @Override
  public void close() {
    GatewayError stopping = GatewayError.of(ErrorType.UPSTREAM_OVERLOADED, "Sluice is shutting down; retry.");
    for (ResumableStream s : streams.values()) s.cancel(stopping);
    timers.shutdownNow();
  }
}
