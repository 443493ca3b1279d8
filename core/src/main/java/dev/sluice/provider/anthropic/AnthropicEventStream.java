package dev.sluice.provider.anthropic;

import dev.sluice.provider.AbstractEventStream;
import dev.sluice.provider.UpstreamHttp;
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
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Messages call: sends the request on the first {@link #next()}, then reads the body in 8 KiB
 * reads through an {@link SseParser} and an {@link AnthropicEventDecoder}. The I/O and cancellation
 * follow {@code AnthropicEventStream} exactly; only the request, the headers, the decoder and the error
 * shapes differ.
 *
 * <p>Cancellation, from any thread, in every phase: before sending, nothing is sent; while connecting
 * or waiting for headers, the {@link HttpClient#sendAsync} future is cancelled; while reading, the body
 * stream is closed. On JDK 25 both close the HTTP/1.1 connection at once and wake the reading thread
 * (see {@code OpenAiCancellationTest}; {@code AnthropicProviderTest} checks the same for this stream). A lock orders the hand-over from the future to the body
 * stream against {@link #abort}, so a cancel in between is never lost.
 */
final class AnthropicEventStream extends AbstractEventStream {

  private static final Logger log = LoggerFactory.getLogger(AnthropicEventStream.class);

  private static final int READ_BUFFER_BYTES = 8 * 1024;
  /** Error bodies are read for their message only; a bigger one is cut here. */
  static final int MAX_ERROR_BODY_BYTES = 64 * 1024;
  /**
   * After {@code message_stop} the HTTP body normally ends within microseconds. Reading on to its end lets
   * the JDK put the connection back in the pool (closing first would cancel the exchange and close the
   * socket); a body that does not end within this grace is closed.
   */
  private static final long DRAIN_GRACE_MILLIS = 2_000;
  private static final int DRAIN_MAX_BYTES = 64 * 1024;

  private final AnthropicConfig config;
  private final HttpClient client;
  private final ChatRequest request;
  private final AnthropicErrors errors;

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
  private AnthropicEventDecoder decoder;

  AnthropicEventStream(AnthropicConfig config, HttpClient client, ChatRequest request) {
    this.config = config;
    this.client = client;
    this.request = request;
    this.errors = new AnthropicErrors(config.name(), config.apiKey());
  }

  @Override
  protected void fill(ArrayDeque<StreamEvent> out) throws IOException, GatewayException {
    if (!opened) {
      opened = true;
      open();
    }
    while (true) {
      StreamEvent event;
      while ((event = decoder.poll()) != null) out.add(event);
      if (!out.isEmpty() || decoder.terminated()) return;
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
    byte[] json = AnthropicRequestWriter.write(request, config.defaultMaxTokens());
    HttpRequest.Builder builder = HttpRequest.newBuilder(config.messagesUri())
        .version(UpstreamHttp.versionFor(config.baseUrl()))
        .timeout(config.headersTimeout())
        .header("Content-Type", "application/json")
        .header("Accept", "text/event-stream")
        .header("anthropic-version", AnthropicConfig.API_VERSION)
        .POST(HttpRequest.BodyPublishers.ofByteArray(json));
    if (config.apiKey() != null) builder.header("x-api-key", config.apiKey());
    HttpRequest httpRequest = builder.build();

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
          "interrupted while waiting for upstream '" + config.name() + "'"), e);
    } catch (ExecutionException e) {
      throw new GatewayException(errors.sendFailed(e.getCause(), config.headersTimeout()), e.getCause());
    }
    // A CancellationException from get() propagates: AbstractEventStream reports the cancel's reason.
    synchronized (lock) {
      inFlight = null;
      body = response.body();
      if (aborted) throw cancelled();
    }

    int status = response.statusCode();
    if (status < 200 || status > 299) {
      throw new GatewayException(errors.fromStatus(status, response.headers(), readErrorBody()));
    }
    String contentType = response.headers().firstValue("content-type").orElse("");
    // A missing content type is tolerated (some small servers omit it); a different one is not a stream.
    if (!contentType.isEmpty() && !contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
      throw new GatewayException(errors.notAStream(status, contentType, readErrorBody()));
    }
    buffer = new byte[READ_BUFFER_BYTES];
    decoder = new AnthropicEventDecoder(request.model(), errors);
    parser = new SseParser(decoder);
  }

  /** Only reached after a cancel; AbstractEventStream replaces this error by the cancel's reason. */
  private GatewayException cancelled() {
    GatewayError reason = cancelReason();
    return new GatewayException(reason != null ? reason : GatewayError.of(ErrorType.CANCELLED, "cancelled"));
  }

  private String readErrorBody() throws IOException {
    byte[] bytes = body.readNBytes(MAX_ERROR_BODY_BYTES);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  protected GatewayError failureOf(Exception e) {
    if (e.getCause() instanceof InterruptedException) {
      // The JDK's body stream wraps an interrupt of the reading thread; keep the flag for the caller.
      Thread.currentThread().interrupt();
      return GatewayError.of(ErrorType.CANCELLED, "interrupted while reading upstream '" + config.name() + "'");
    }
    return errors.readFailed(e);
  }

  @Override
  protected void abort() {
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
  protected void release() {
    InputStream in;
    synchronized (lock) {
      in = body;
    }
    if (in == null) return;
    if (decoder != null && decoder.sawStop() && !sawEof && cancelReason() == null) {
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
        // The deadline closed it, or the connection broke after message_stop: the answer was complete anyway.
        log.debug("upstream '{}' body after message_stop not drained: {}", config.name(), e.toString());
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
      log.debug("closing upstream '{}' body on {} failed: {}", config.name(), when, e.toString());
    }
  }
}
