package dev.sluice.provider;

import dev.sluice.sse.SseException;
import dev.sluice.sse.SseParser;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.StreamEvent;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One streaming HTTP call to an upstream that answers with Server-Sent Events: sends the request on
 * the first {@link #next()}, then reads the body in 8 KiB reads through an {@link SseParser} and the
 * upstream's {@link UpstreamDecoder}. The {@link HttpUpstream} plugs in what differs between wire
 * formats (the endpoint and headers, the request writer, the decoder, the error mapper); the I/O and
 * the cancellation are here, once, for every format.
 *
 * <p>Cancellation closes the upstream socket at once in both phases (measured on JDK 25, about 1 ms;
 * pinned by the providers' cancellation tests): while waiting for headers by cancelling the
 * {@code sendAsync} future, while reading the body by closing the body stream, which unblocks the
 * reading thread and closes the connection rather than pooling it. A lock orders the hand-over from
 * the future to the body, so a cancel in between is never lost.
 */
final class HttpEventStream extends AbstractEventStream {
  private static final Logger log = LoggerFactory.getLogger(HttpEventStream.class);

  private static final int READ_BUFFER_BYTES = 8 * 1024;
  /** Error bodies are read for their message only; a bigger one is cut here. */
  private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;
  /**
   * After the upstream's terminator the HTTP body normally ends within microseconds. Reading on to its
   * end lets the JDK put the connection back in the pool (closing first would cancel the exchange and
   * close the socket); a body that does not end within this grace is closed.
   */
  private static final long DRAIN_GRACE_MILLIS = 2_000;
  private static final int DRAIN_MAX_BYTES = 64 * 1024;

  private final HttpClient client;
  private final HttpUpstream upstream;
  private final ChatRequest request;
  /** For messages and logs: the upstream's routing name. */
  private final String name;
  private final Duration headersTimeout;
  private final UpstreamErrors errors;

  private final Object lock = new Object();
  /** The request waiting for its headers; guarded by {@link #lock}. */
  private CompletableFuture<HttpResponse<InputStream>> inFlight;
  /** The response body once headers arrived; guarded by {@link #lock}. */
  private InputStream body;
  /** Set by {@link #abort}; guarded by {@link #lock}. */
  private boolean aborted;

  // Reading thread only.
  private boolean opened;
  private boolean sawEof;
  private byte[] buffer;
  private SseParser parser;
  private UpstreamDecoder decoder;
  private DecodedEvents decoded;

  /** A call of {@code request} to {@code upstream} through {@code client}; nothing is sent before {@link #next()}. */
  HttpEventStream(HttpClient client, HttpUpstream upstream, ChatRequest request) {
    this.client = client;
    this.upstream = upstream;
    this.request = request;
    this.name = upstream.config().name();
    this.headersTimeout = upstream.config().headersTimeout();
    this.errors = upstream.errors();
  }

  /**
   * The upstream request, built on the reading thread when the stream opens: a POST of the written
   * body that asks for an event stream, with the protocol version and the timeout the upstream needs.
   */
  private HttpRequest httpRequest() throws GatewayException {
    byte[] json = upstream.writer().write(request);
    HttpRequest.Builder builder = HttpRequest.newBuilder(upstream.endpoint())
        .version(UpstreamHttp.versionFor(upstream.config().baseUrl()))
        .timeout(headersTimeout)
        .header("Content-Type", "application/json")
        .header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(json));
    // Trace propagation (traceparent), from the context current on this, the reading, thread.
    UpstreamHeaders.current().addTo(builder::header);
    upstream.headers().addTo(builder::header);
    return builder.build();
  }

  @Override
  protected final void fill(ArrayDeque<StreamEvent> out) throws IOException, GatewayException {
    if (!opened) {
      opened = true;
      open();
    }
    while (true) {
      StreamEvent event;
      while ((event = decoded.poll()) != null) out.add(event);
      if (!out.isEmpty() || decoded.terminated()) return;
      int n = body.read(buffer);
      try {
        if (n < 0) {
          sawEof = true;
          parser.end();
          decoder.endOfStream();
        } else {
          parser.feed(buffer, 0, n);
        }
      } catch (SseException e) {
        throw new GatewayException(errors.malformed("a malformed event stream (" + e.getMessage() + ")", null), e);
      }
    }
  }

  /** Sends the request and waits for the headers; an error status or a non-stream body throws. */
  private void open() throws IOException, GatewayException {
    HttpRequest httpRequest = httpRequest();
    CompletableFuture<HttpResponse<InputStream>> future;
    synchronized (lock) {
      if (aborted) throw cancelled();
      future = client.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofInputStream());
      inFlight = future;
    }
    HttpResponse<InputStream> response;
    try {
      response = future.get();
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new GatewayException(GatewayError.of(ErrorType.CANCELLED,
          "interrupted while waiting for upstream '" + name + "'"), e);
    } catch (ExecutionException e) {
      throw new GatewayException(errors.sendFailed(e.getCause(), headersTimeout), e.getCause());
    }
    // A CancellationException from get() propagates: AbstractEventStream reports the cancel's reason.
    synchronized (lock) {
      inFlight = null;
      body = response.body();
      if (aborted) throw cancelled();
    }

    int status = response.statusCode();
    if (status < 200 || status > 299) {
      throw new GatewayException(errors.statusError(status, response.headers(), readErrorBody()));
    }
    String contentType = response.headers().firstValue("content-type").orElse("");
    // A missing content type is tolerated (some small servers omit it); a different one is not a stream.
    if (!contentType.isEmpty() && !contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
      throw new GatewayException(errors.notAStream(status, contentType, readErrorBody()));
    }
    buffer = new byte[READ_BUFFER_BYTES];
    decoder = upstream.decoders().apply(request.model());
    decoded = decoder.decoded();
    parser = new SseParser(decoder);
  }

  /** Only reached after a cancel; AbstractEventStream replaces this error by the cancel's reason. */
  private GatewayException cancelled() {
    GatewayError reason = cancelReason();
    return new GatewayException(reason != null ? reason : GatewayError.of(ErrorType.CANCELLED, "cancelled"));
  }

  private String readErrorBody() throws IOException {
    return new String(body.readNBytes(MAX_ERROR_BODY_BYTES), StandardCharsets.UTF_8);
  }

  @Override
  protected final GatewayError failureOf(Exception e) {
    if (e.getCause() instanceof InterruptedException) {
      // The JDK's body stream wraps an interrupt of the reading thread; keep the flag for the caller.
      Thread.currentThread().interrupt();
      return GatewayError.of(ErrorType.CANCELLED, "interrupted while reading upstream '" + name + "'");
    }
    return errors.readFailed(e);
  }

  @Override
  protected final void abort() {
    CompletableFuture<HttpResponse<InputStream>> future;
    InputStream in;
    synchronized (lock) {
      aborted = true;
      future = inFlight;
      in = body;
    }
    if (future != null) future.cancel(true);
    if (in != null) closeQuietly(in, "cancel");
  }

  @Override
  protected final void release() {
    InputStream in;
    synchronized (lock) {
      in = body;
    }
    if (in == null) return;
    if (decoded != null && decoded.sawEnd() && !sawEof && cancelReason() == null) {
      drainThenClose(in);
    } else {
      closeQuietly(in, "release");
    }
  }

  private void drainThenClose(InputStream in) {
    CompletableFuture.delayedExecutor(DRAIN_GRACE_MILLIS, TimeUnit.MILLISECONDS).execute(() -> closeQuietly(in, "drain deadline"));
    Thread.ofVirtual().name("sluice-upstream-drain").start(() -> {
      byte[] sink = new byte[1024];
      long left = DRAIN_MAX_BYTES;
      try {
        int n;
        while (left > 0 && (n = in.read(sink)) >= 0) left -= n;
      } catch (IOException e) {
        // The deadline closed it, or the connection broke after the terminator: the answer was complete.
        log.debug("upstream '{}' body after its end not drained: {}", name, e.toString());
      } finally {
        closeQuietly(in, "drain");
      }
    });
  }

  private void closeQuietly(InputStream in, String when) {
    try {
      in.close();
    } catch (IOException e) {
      // Closing only releases the connection; failing to do so changes nothing for this stream.
      log.debug("closing upstream '{}' body on {} failed: {}", name, when, e.toString());
    }
  }
}
