package dev.sluice.dialect;

/**
 * What an encoder needs to know about its stream beyond the events: ids and the timings the relay
 * measures. Written by the relay's thread, read by the encoder on the same thread.
 */
public final class StreamContext {
  private final String streamId;
  private final long acceptedAtNanos;
  private long firstTokenAtNanos;
  private long upstreamFirstTokenNanos = -1;

  /**
   * @param streamId the id clients see (browser stream ids, OpenAI completion ids when Sluice makes them)
   * @param acceptedAtNanos {@link System#nanoTime()} when the request arrived
   */
  public StreamContext(String streamId, long acceptedAtNanos) {
    this.streamId = streamId;
    this.acceptedAtNanos = acceptedAtNanos;
  }

  public String streamId() {
    return streamId;
  }

  public long acceptedAtNanos() {
    return acceptedAtNanos;
  }

  /** Records when the first token was handed to the client's connection; later calls are ignored. */
  public void firstTokenSent(long nanos) {
    if (firstTokenAtNanos == 0) firstTokenAtNanos = nanos;
  }

  /** Records how long the upstream itself took, from request sent to first event received. */
  public void upstreamFirstToken(long nanos) {
    if (upstreamFirstTokenNanos < 0) upstreamFirstTokenNanos = nanos;
  }

  /** Time to first token as the client saw it, in ms; -1 before the first token. */
  public double ttftMillis() {
    return firstTokenAtNanos == 0 ? -1 : (firstTokenAtNanos - acceptedAtNanos) / 1e6;
  }

  /** The part of the time to first token that Sluice added (ttft minus the upstream's own), in ms; -1 if unknown. */
  public double overheadMillis() {
    if (firstTokenAtNanos == 0 || upstreamFirstTokenNanos < 0) return -1;
    return Math.max(0, (firstTokenAtNanos - acceptedAtNanos - upstreamFirstTokenNanos) / 1e6);
  }
}
