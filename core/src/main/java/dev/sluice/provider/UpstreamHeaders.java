package dev.sluice.provider;

import java.util.function.BiConsumer;

/**
 * Headers for an upstream HTTP request, computed on the thread that builds it (the request's reading
 * thread). Each {@link HttpUpstream} has its own (its key, its API version); and every request gets
 * the process-wide ones {@link #install}ed here: the server installs one that writes the W3C
 * {@code traceparent} of the trace context current on that thread, which keeps core free of any
 * tracing library.
 *
 * <p>Process-wide on purpose: trace propagation is a property of the process, and an installed
 * implementation must read only thread-local state (the current context), never per-server state.
 */
@FunctionalInterface
public interface UpstreamHeaders {

  /** Adds nothing. */
  UpstreamHeaders NONE = sink -> { };

  /** Calls {@code sink} with each header to add. */
  void addTo(BiConsumer<String, String> sink);

  /** Installs the process-wide headers, never a credential (each upstream adds its own); {@link #NONE} removes them. */
  static void install(UpstreamHeaders headers) {
    Holder.current = headers == null ? NONE : headers;
  }

  /** The installed headers. */
  static UpstreamHeaders current() {
    return Holder.current;
  }

  /** The installed value (an interface cannot hold a mutable static field itself). */
  final class Holder {
    private static volatile UpstreamHeaders current = NONE;

    private Holder() {}
  }
}
