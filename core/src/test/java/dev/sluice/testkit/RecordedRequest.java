package dev.sluice.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One HTTP request a {@link FakeUpstream} received, and what became of its connection.
 *
 * <p>{@link #clientGone()} is how tests measure how fast the code under test really closes an upstream
 * connection: it completes with {@link System#nanoTime()} at the moment the fake saw the client close
 * (a read returned -1 or failed, or a write failed) while this request's response was still unfinished
 * (waiting, hanging, or between chunks). It never completes for a response the fake finished sending,
 * nor when the fake itself cut the connection ({@link Script#resetAfterChunks}, {@link Script#closeAfterChunks},
 * {@link FakeUpstream#close}).
 */
public final class RecordedRequest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String method;
  private final String path;
  private final Map<String, String> headers;
  private final byte[] body;
  private final long receivedAtNanos;
  private final int connectionId;
  private final CompletableFuture<Long> clientGone = new CompletableFuture<>();
  private volatile boolean responseComplete;
  private final java.util.concurrent.atomic.AtomicLong bodyBytesSent = new java.util.concurrent.atomic.AtomicLong();

  RecordedRequest(String method, String path, Map<String, String> headers, byte[] body, long receivedAtNanos,
      int connectionId) {
    this.method = method;
    this.path = path;
    TreeMap<String, String> sorted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    sorted.putAll(headers);
    this.headers = Collections.unmodifiableMap(sorted);
    this.body = body;
    this.receivedAtNanos = receivedAtNanos;
    this.connectionId = connectionId;
  }

  /** The request method, e.g. {@code POST}. */
  public String method() {
    return method;
  }

  /** The request target as sent, e.g. {@code /v1/chat/completions}. */
  public String path() {
    return path;
  }

  /** All headers; lookups ignore case. A header sent several times has its values joined with {@code ", "}. */
  public Map<String, String> headers() {
    return headers;
  }

  /** One header's value, or null; the name's case does not matter. */
  public String header(String name) {
    return headers.get(name);
  }

  /** The body decoded as UTF-8 (empty when there was none). */
  public String body() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The body parsed as JSON; fails the test with an {@link AssertionError} if it is not JSON. */
  public JsonNode bodyJson() {
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new AssertionError("request body is not JSON: " + body(), e);
    } catch (java.io.IOException e) {
      throw new AssertionError("request body cannot be read: " + e, e);
    }
  }

  /** {@link System#nanoTime()} when the fake had read the whole request. */
  public long receivedAtNanos() {
    return receivedAtNanos;
  }

  /**
   * Which TCP connection carried this request: 1 for the fake's first accepted connection, and so on.
   * Two requests with the same id show a reused (keep-alive) connection.
   */
  public int connectionId() {
    return connectionId;
  }

  /**
   * Completes with {@link System#nanoTime()} when the client closed the connection before this
   * request's response was finished (see the class comment). A copy: completing it changes nothing.
   */
  public CompletableFuture<Long> clientGone() {
    return clientGone.copy();
  }

  /**
   * How many bytes of event-stream payload the fake has handed to its socket for this response so
   * far: with a client that stops reading, what is in flight between the two.
   */
  public long bodyBytesSent() {
    return bodyBytesSent.get();
  }

  void addBodyBytesSent(long n) {
    bodyBytesSent.addAndGet(n);
  }

  /** True once the fake has sent the whole response (or its last bytes are being written). */
  public boolean responseComplete() {
    return responseComplete;
  }

  void markResponseComplete() {
    responseComplete = true;
  }

  /** The client left; ignored once the response is complete, first call wins. */
  void markClientGone(long nanos) {
    if (!responseComplete) clientGone.complete(nanos);
  }

  @Override
  public String toString() {
    return method + " " + path + " (connection " + connectionId + ", " + body.length + " body bytes)";
  }
}
