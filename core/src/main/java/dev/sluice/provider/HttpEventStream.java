package dev.sluice.provider;

import dev.sluice.sse.SseException;
import dev.sluice.sse.SseParser;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.StreamEvent;
import java.io.ByteArrayOutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One streaming HTTP call to an upstream that answers with Server-Sent Events: sends the request on
 * the first {@link #next()}, then reads the body chunk by chunk through an {@link SseParser} and the
 * upstream's {@link UpstreamDecoder}. The {@link HttpUpstream} plugs in what differs between wire
 * formats (the endpoint and headers, the request writer, the decoder, the error mapper); the I/O and
 * the cancellation are here, once, for every format.
 *
 * <p>The body is read on the stream's own thread, from Jetty's demand-driven {@link Content.Source}:
 * {@code read()} hands over the chunk Jetty parsed from the connection's pooled buffer; when none is
 * there yet, the thread demands one with a non-blocking callback that only unparks it, and parks.
 * Jetty runs that callback in place when content arrives, so a chunk reaches the parser with one
 * thread hop (the unpark) and no queue. Each chunk is parsed and released at once: a stream waiting
 * for its upstream holds no buffer.
 *
 * <p>Cancellation ({@link #abort}) aborts the Jetty request in every phase (queued, waiting for the
 * headers, reading the body), which fails the exchange and closes its connection rather than pooling
 * it, and unparks the reading thread, which then returns the cancel's reason.
 */
final class HttpEventStream extends AbstractEventStream {
  /** Error bodies are read for their message only; a bigger one is cut here. */
  private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;

  private final HttpClient client;
  private final HttpUpstream upstream;
  private final ChatRequest request;
  /** For messages and logs: the upstream's routing name. */
  private final String name;
  private final Duration headersTimeout;
  private final UpstreamErrors errors;
  /** Run by Jetty when demanded content (or a failure) arrives: non-blocking, so Jetty runs it in place. */
  private final Runnable wake = Invocable.from(Invocable.InvocationType.NON_BLOCKING, this::wake);

  private final Object lock = new Object();
  /** The request once sent; guarded by {@link #lock}. */
  private Request exchange;
  /** Set by {@link #abort}; guarded by {@link #lock}. */
  private boolean aborted;

  // Written by Jetty's threads (or a cancel), read by the reading thread.
  private volatile Thread reader;
  private volatile boolean woken;
  /** True once the request reached a connection: a headers timeout before it is a connect timeout. */
  private volatile boolean begun;
  private volatile Scheduler.Task headersDeadline;
  /** The cause the headers deadline aborted the request with, if it ran out. */
  private volatile Throwable timedOut;
  /** Why the request got no response, if it failed before the headers. */
  private volatile Throwable sendFailure;
  /** The response; written before {@link #body}, read after it. */
  private Response response;
  /** The response body once headers arrived. */
  private volatile Content.Source body;

  // Reading thread only.
  private boolean opened;
  private boolean sawLast;
  private SseParser parser;
  private UpstreamDecoder decoder;
  private DecodedEvents decoded;
  /** A failure {@link #fillWouldNotBlock} met while reading ahead: the next {@link #fill} throws it. */
  private GatewayException readAheadFailure;
  /**
   * True while the body's last read, made by {@link #fillWouldNotBlock}, found nothing: the next
   * {@link #nextChunk} demands without reading again first (Jetty's contract: demand after a read that
   * returned null).
   */
  private boolean aheadReadDry;

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
   * body that asks for an event stream, with the protocol version the upstream needs and no idle limit
   * (the gateway's own deadlines judge a silent upstream).
   */
  private Request newRequest() throws GatewayException {
    byte[] json = upstream.writer().write(request);
    Request built = client.newRequest(upstream.endpoint())
        .method(HttpMethod.POST)
        .idleTimeout(UpstreamHttp.NO_IDLE_LIMIT, TimeUnit.MILLISECONDS)
        .headers(headers -> {
          headers.put(HttpHeader.ACCEPT, "text/event-stream");
          // Trace propagation (traceparent), from the context current on this, the reading, thread.
          UpstreamHeaders.current().addTo(headers::add);
          upstream.headers().addTo(headers::add);
        })
        .body(new BytesRequestContent("application/json", json))
        .onRequestBegin(sent -> begun = true)
        .onResponseContentSource(this::headersArrived);
    return UpstreamHttp.forBaseUrl(built, upstream.config().baseUrl());
  }

  @Override
  protected final void fill(ArrayDeque<StreamEvent> out) throws GatewayException {
    reader = Thread.currentThread();
    if (!opened) {
      opened = true;
      open();
    }
    while (true) {
      StreamEvent event;
      while ((event = decoded.poll()) != null) out.add(event);
      if (!out.isEmpty() || decoded.terminated()) return;
      if (readAheadFailure != null) throw readAheadFailure;
      Content.Chunk chunk = nextChunk();
      if (chunk == null) return; // cancelled: the caller reports the cancel's reason
      consume(chunk);
    }
  }

  /**
   * Whether the next {@link #fill} has an event without waiting: one already decoded, or one in the
   * body chunks Jetty has already received, which this reads and decodes now (never waiting; at most
   * until one event is decoded). HTTP/1.1 chunked bodies and h2 DATA frames arrive one event to a
   * chunk, and one network read often holds dozens: without this the relay would see nothing ready
   * after each and write each event on its own; with it, the events of one network read leave in
   * one write, and a partial event never holds back the ones before it. A failure met here is
   * thrown by the next fill, after the events before it.
   */
  @Override
  protected boolean fillWouldNotBlock() {
    if (readAheadFailure != null) return true;
    if (decoded == null) return false; // not open: the first fill sends the request and waits
    aheadReadDry = false;
    try {
      while (!decoded.hasReady() && !decoded.terminated() && !sawLast) {
        Content.Chunk chunk = body.read();
        if (chunk == null) {
          aheadReadDry = true;
          return false;
        }
        consume(chunk);
      }
    } catch (GatewayException e) {
      readAheadFailure = e;
      return true;
    }
    return decoded.hasReady() || decoded.terminated();
  }

  /** Parses one body chunk into {@link #decoded}, and releases it; a failure chunk or a malformed stream throws. */
  private void consume(Content.Chunk chunk) throws GatewayException {
    try {
      if (Content.Chunk.isFailure(chunk)) throw readFailed(chunk.getFailure());
      parser.feed(chunk.getByteBuffer());
      if (chunk.isLast()) {
        sawLast = true;
        parser.end();
        decoder.endOfStream();
      }
    } catch (SseException e) {
      throw new GatewayException(errors.malformed("a malformed event stream (" + e.getMessage() + ")", null), e);
    } finally {
      chunk.release();
    }
  }

  /** Sends the request and waits for the headers; an error status or a non-stream body throws. */
  private void open() throws GatewayException {
    Request sending = newRequest();
    synchronized (lock) {
      if (aborted) throw cancelled();
      exchange = sending;
    }
    headersDeadline = client.getScheduler().schedule(this::headersTimedOut, headersTimeout.toMillis(), TimeUnit.MILLISECONDS);
    sending.send(this::completed);
    while (body == null && sendFailure == null) {
      if (cancelReason() != null) throw cancelled();
      park("waiting for");
    }
    Content.Source source = body;
    if (source == null) {
      Throwable cause = timedOut != null ? timedOut : sendFailure;
      throw new GatewayException(errors.sendFailed(cause, headersTimeout), cause);
    }
    int status = response.getStatus();
    if (status < 200 || status > 299) {
      throw new GatewayException(errors.statusError(status, response.getHeaders(), readErrorBody()));
    }
    String contentType = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
    // A missing content type is tolerated (some small servers omit it); a different one is not a stream.
    if (contentType != null && !contentType.isEmpty()
        && !contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
      throw new GatewayException(errors.notAStream(status, contentType, readErrorBody()));
    }
    decoder = upstream.decoders().apply(request);
    decoded = decoder.decoded();
    parser = new SseParser(decoder);
  }

  /** Jetty, once the headers are in: hands the response and its body to the reading thread. */
  private void headersArrived(Response arrived, Content.Source source) {
    disarmHeadersDeadline();
    response = arrived;
    body = source;
    LockSupport.unpark(reader);
  }

  /** Jetty, once the exchange is over: a failure before the headers is the reading thread's to report. */
  private void completed(Result result) {
    if (body != null) return; // the body's own source reports how it ended
    disarmHeadersDeadline();
    if (result.isFailed()) {
      sendFailure = result.getFailure();
      LockSupport.unpark(reader);
    } else {
      // An exchange that ended without a content source of its own: an empty body.
      headersArrived(result.getResponse(), Content.Source.from(ByteBuffer.allocate(0)));
    }
  }

  private void disarmHeadersDeadline() {
    Scheduler.Task deadline = headersDeadline;
    if (deadline != null) deadline.cancel();
  }

  /** The scheduler, when the headers did not come in time: aborts the request with the timeout it was. */
  private void headersTimedOut() {
    if (body != null) return;
    Request sent;
    synchronized (lock) {
      sent = exchange;
    }
    Throwable cause = begun
        ? new TimeoutException("no response headers within " + headersTimeout.toMillis() + " ms")
        : new SocketTimeoutException("no connection within " + headersTimeout.toMillis() + " ms");
    timedOut = cause;
    sent.abort(cause);
  }

  /**
   * The next chunk of the body, waited for on this thread; null once the stream was cancelled. The
   * caller releases it.
   */
  private Content.Chunk nextChunk() throws GatewayException {
    Content.Source source = body;
    // Just read dry by fillWouldNotBlock: demand at once. A read of an empty connection buffer is a
    // read system call that finds nothing; a paced stream would make two per event.
    boolean readDry = aheadReadDry;
    aheadReadDry = false;
    while (true) {
      if (!readDry) {
        Content.Chunk chunk = source.read();
        if (chunk != null) return chunk;
      }
      readDry = false;
      if (cancelReason() != null) return null;
      woken = false;
      source.demand(wake);
      while (!woken) {
        if (cancelReason() != null) return null;
        park("reading");
      }
    }
  }

  /** Demanded content arrived, or the stream was cancelled: the reading thread goes on. */
  private void wake() {
    woken = true;
    LockSupport.unpark(reader);
  }

  /**
   * Parks the reading thread until Jetty or a cancel unparks it. An interrupt ends the stream as
   * cancelled and keeps the thread's flag for its owner; {@link #release} then closes the connection.
   */
  private void park(String doing) throws GatewayException {
    LockSupport.park(this);
    if (Thread.currentThread().isInterrupted()) {
      throw new GatewayException(GatewayError.of(ErrorType.CANCELLED,
          "interrupted while " + doing + " upstream '" + name + "'"));
    }
  }

  /** Only reached after a cancel; AbstractEventStream replaces this error by the cancel's reason. */
  private GatewayException cancelled() {
    GatewayError reason = cancelReason();
    return new GatewayException(reason != null ? reason : GatewayError.of(ErrorType.CANCELLED, "cancelled"));
  }

  private GatewayException readFailed(Throwable cause) {
    return new GatewayException(errors.readFailed(cause), cause);
  }

  /** Up to {@link #MAX_ERROR_BODY_BYTES} of the body, as text; a broken connection fails as a read failure. */
  private String readErrorBody() throws GatewayException {
    var text = new ByteArrayOutputStream();
    while (text.size() < MAX_ERROR_BODY_BYTES) {
      Content.Chunk chunk = nextChunk();
      if (chunk == null) throw cancelled();
      try {
        if (Content.Chunk.isFailure(chunk)) throw readFailed(chunk.getFailure());
        ByteBuffer bytes = chunk.getByteBuffer();
        byte[] part = new byte[Math.min(bytes.remaining(), MAX_ERROR_BODY_BYTES - text.size())];
        bytes.get(part);
        text.writeBytes(part);
        if (chunk.isLast() && !bytes.hasRemaining()) {
          sawLast = true;
          break;
        }
      } finally {
        chunk.release();
      }
    }
    return text.toString(StandardCharsets.UTF_8);
  }

  @Override
  protected final GatewayError failureOf(Exception e) {
    return errors.readFailed(e);
  }

  @Override
  protected final void abort() {
    Request sent;
    synchronized (lock) {
      aborted = true;
      sent = exchange;
    }
    if (sent != null) sent.abort(new StreamAborted("cancelled: " + cancelReason().message()));
    Thread waiting = reader;
    if (waiting != null) LockSupport.unpark(waiting);
  }

  /**
   * After the terminal event: a body read to its end has already given its connection back to the
   * pool; one that ended with the upstream's terminator is drained in the background so that it can;
   * any other (a failure, an error status not read to its end) is aborted, which closes its connection.
   */
  @Override
  protected final void release() {
    Request sent;
    synchronized (lock) {
      sent = exchange;
    }
    if (sent == null || sawLast || cancelReason() != null) return; // a cancel has aborted it already
    Content.Source source = body;
    if (source != null && decoded != null && decoded.sawEnd()) {
      BodyDrain.start(sent, source, client.getScheduler(), name);
    } else {
      sent.abort(new StreamAborted("the stream ended before its body"));
    }
  }
}
