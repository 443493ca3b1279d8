package dev.sluice.server.resume;

import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;

/**
 * Where a client resumes: the stream, and the seq of the last event it has ({@code -1}: none, so
 * from the start). Parsed from {@code Last-Event-ID: <streamId>:<seq>} as the browser dialect's
 * event ids write it.
 */
public record ResumePoint(String streamId, long afterSeq) {

  /** Parses {@code <streamId>:<seq>}; a 400 for anything else. */
  public static ResumePoint parse(String lastEventId) throws GatewayException {
    int colon = lastEventId.lastIndexOf(':');
    if (colon > 0 && StreamIds.isValid(lastEventId.substring(0, colon))) {
      long seq = seq(lastEventId.substring(colon + 1));
      if (seq >= 0) return new ResumePoint(lastEventId.substring(0, colon), seq);
    }
    throw new GatewayException(GatewayError.invalid("Last-Event-ID",
        "Last-Event-ID must be '<streamId>:<seq>' as the stream's event ids are, not '" + shorten(lastEventId) + "'."));
  }

  /** {@code ?after=<seq>} of {@code GET /api/streams/{id}}, or the start when absent. */
  public static ResumePoint after(String streamId, String after) throws GatewayException {
    if (!StreamIds.isValid(streamId)) {
      throw new GatewayException(GatewayError.invalid("id", "'" + shorten(streamId) + "' is not a stream id."));
    }
    if (after == null || after.isBlank()) return new ResumePoint(streamId, -1);
    long seq = seq(after.trim());
    if (seq < 0) throw new GatewayException(GatewayError.invalid("after", "after must be an event seq (a whole number)."));
    return new ResumePoint(streamId, seq);
  }

  /** The seq, or -1 when not a whole number of at most 18 digits. */
  private static long seq(String s) {
    if (s.isEmpty() || s.length() > 18) return -1;
    for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return -1;
    return Long.parseLong(s);
  }

  /** Echoes at most 40 characters of what the client sent. */
  private static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
