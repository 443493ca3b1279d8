package dev.sluice.server.config;

import java.time.Duration;

/**
 * How browser streams outlive their connection (the {@code resume:} section of {@code sluice.yaml}).
 *
 * @param grace how long a stream whose client left keeps generating, waiting for the client to
 *     resume; then it is cancelled (and billed for what was generated)
 * @param retention how long the replay log of an ended stream stays resumable
 * @param logBytes the most bytes of encoded events one stream's replay log holds: with a live client
 *     the generator waits (the upstream read pauses) rather than go further ahead; without one, the
 *     oldest events go and a resume from before the kept window gets an error event
 * @param maxTotalLogBytes the most bytes all replay logs of this instance hold together, running and
 *     retained ones alike, under the same rules; 0: no bound beyond each log's own
 */
public record ResumeSettings(Duration grace, Duration retention, long logBytes, long maxTotalLogBytes) {
  /** 256 MiB: 64 logs full to their 4 MiB cap, or thousands of streams of an ordinary answer's size. */
  public static final long DEFAULT_MAX_TOTAL_LOG_BYTES = 256L * 1024 * 1024;

  public static final ResumeSettings DEFAULT = new ResumeSettings(Duration.ofSeconds(15), Duration.ofSeconds(60),
      4L * 1024 * 1024);

  public ResumeSettings {
    if (grace.isNegative() || retention.isNegative()) throw new IllegalArgumentException("resume durations must not be negative");
    // One event must always fit, or a generator with a live client would wait forever.
    if (logBytes < 64 * 1024) throw new IllegalArgumentException("resume.log_bytes must be at least 65536");
    if (maxTotalLogBytes != 0 && maxTotalLogBytes < logBytes) {
      throw new IllegalArgumentException("resume.max_total_log_bytes must be 0 (no bound) or at least resume.log_bytes ("
          + logBytes + ")");
    }
  }

  /** With the default bound on all logs together. */
  public ResumeSettings(Duration grace, Duration retention, long logBytes) {
    this(grace, retention, logBytes, DEFAULT_MAX_TOTAL_LOG_BYTES);
  }
}
