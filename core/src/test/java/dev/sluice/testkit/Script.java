package dev.sluice.testkit;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One scripted HTTP response of a {@link FakeUpstream}: what bytes to send, in which pieces, with which
 * pauses, and how to misbehave. Immutable: every modifier returns a new script, so one script can be
 * enqueued many times or set as the default.
 *
 * <p>There are two kinds. A <em>streaming</em> script ({@link #sse}, {@link #sseBody},
 * {@link #fromFixture}, {@link #openAiText}) answers with {@code Transfer-Encoding: chunked}, by default
 * {@code Content-Type: text/event-stream}, and sends each SSE event as its own HTTP chunk, flushed
 * separately (the socket has {@code TCP_NODELAY}, so a chunk is a segment); {@link #chunkBytes}
 * re-cuts the same bytes into smaller chunks. A <em>raw</em> script ({@link #raw}, {@link #json}) sends
 * a status, headers and a {@code Content-Length} body in one write: error responses.
 *
 * <p>"After n chunks" counts the HTTP chunks actually sent (after {@link #chunkBytes}); an n larger
 * than the number of chunks means after the last one, before the terminating zero-length chunk. A cut
 * takes the place of chunk n+1, so {@link #chunkDelay} comes before it too: a reset right behind data
 * can make the client's kernel discard that data unread, which a delay before the reset avoids. Only
 * one of {@link #hangAfterChunks}, {@link #resetAfterChunks}, {@link #closeAfterChunks} and
 * {@link #endAfterChunks} applies: the last one set wins.
 */
public final class Script {

  /** The {@code id} of every chunk {@link #openAiText} builds. */
  public static final String OPENAI_ID = "chatcmpl-fake";
  /** The {@code model} of every chunk {@link #openAiText} builds. */
  public static final String OPENAI_MODEL = "fake-model";
  /** The {@code created} of every chunk {@link #openAiText} builds. */
  public static final long OPENAI_CREATED = 1_700_000_000L;
  /** The {@code prompt_tokens} {@link #openAiText} reports; completion tokens = number of pieces. */
  public static final int OPENAI_PROMPT_TOKENS = 9;

  private static final byte[] DONE_EVENT = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  enum Kind { STREAM, RAW }

  /** How a streaming response stops early, if it does. */
  enum Cut { NONE, HANG, RESET, CLOSE, END }

  final Kind kind;
  final int status;
  final Map<String, String> headers;
  /** STREAM: one framed SSE event per element. */
  final List<byte[]> events;
  /** RAW: the whole body. */
  final byte[] rawBody;
  final int chunkBytes;
  final Duration firstByteDelay;
  final Duration firstChunkDelay;
  final Duration chunkDelay;
  final boolean hangBeforeHeaders;
  final Cut cut;
  final int cutAfter;

  private Script(Kind kind, int status, Map<String, String> headers, List<byte[]> events, byte[] rawBody,
      int chunkBytes, Duration firstByteDelay, Duration firstChunkDelay, Duration chunkDelay,
      boolean hangBeforeHeaders, Cut cut, int cutAfter) {
    this.kind = kind;
    this.status = status;
    this.headers = headers;
    this.events = events;
    this.rawBody = rawBody;
    this.chunkBytes = chunkBytes;
    this.firstByteDelay = firstByteDelay;
    this.firstChunkDelay = firstChunkDelay;
    this.chunkDelay = chunkDelay;
    this.hangBeforeHeaders = hangBeforeHeaders;
    this.cut = cut;
    this.cutAfter = cutAfter;
  }

  private static Script stream(List<byte[]> events) {
    return new Script(Kind.STREAM, 200, Map.of(), List.copyOf(events), null, 0, Duration.ZERO, Duration.ZERO,
        Duration.ZERO, false, Cut.NONE, 0);
  }

  // ---------------------------------------------------------------- factories

  /** Each payload becomes one event {@code data: <payload>\n\n}, then {@code data: [DONE]\n\n} follows. */
  public static Script sse(List<String> dataPayloads) {
    List<byte[]> events = new ArrayList<>(dataPayloads.size() + 1);
    for (String payload : dataPayloads) {
      events.add(("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
    events.add(DONE_EVENT);
    return stream(events);
  }

  /** Varargs form of {@link #sse(List)}. */
  public static Script sse(String... dataPayloads) {
    return sse(Arrays.asList(dataPayloads));
  }

  /**
   * A complete {@code text/event-stream} body sent exactly as given, one HTTP chunk per event: the body
   * is cut after each blank line ({@code \n\n} or {@code \r\n\r\n}); bytes after the last blank line
   * form a final chunk.
   */
  public static Script sseBody(String body) {
    return sseBody(body.getBytes(StandardCharsets.UTF_8));
  }

  /** Byte form of {@link #sseBody(String)}. */
  public static Script sseBody(byte[] body) {
    List<byte[]> events = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < body.length; i++) {
      int end = -1;
      if (body[i] == '\n' && i + 1 < body.length && body[i + 1] == '\n') {
        end = i + 2;
      } else if (body[i] == '\r' && i + 3 < body.length && body[i + 1] == '\n' && body[i + 2] == '\r'
          && body[i + 3] == '\n') {
        end = i + 4;
      }
      if (end > 0) {
        events.add(Arrays.copyOfRange(body, start, end));
        start = end;
        i = end - 1;
      }
    }
    if (start < body.length) events.add(Arrays.copyOfRange(body, start, body.length));
    return stream(events);
  }

  /**
   * A recorded stream body from the test class path (for example {@code "fixtures/openai/text.sse"}),
   * sent byte for byte as {@link #sseBody(byte[])} does.
   */
  public static Script fromFixture(String resourceName) {
    return sseBody(fixtureBytes(resourceName));
  }

  /** The bytes of a class path resource, for tests that compare against a fixture. */
  public static byte[] fixtureBytes(String resourceName) {
    String name = resourceName.startsWith("/") ? resourceName.substring(1) : resourceName;
    try (InputStream in = Script.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) throw new IllegalArgumentException("no such test resource: " + resourceName);
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read test resource " + resourceName, e);
    }
  }

  /**
   * A realistic OpenAI stream of {@code pieces}: a first chunk with {@code role} and empty content,
   * one chunk per piece, a {@code finish_reason: "stop"} chunk, a usage chunk ({@link #OPENAI_PROMPT_TOKENS}
   * prompt tokens, one completion token per piece) and {@code [DONE]}. Ids are {@link #OPENAI_ID},
   * {@link #OPENAI_MODEL}, {@link #OPENAI_CREATED}.
   */
  public static Script openAiText(String... pieces) {
    String head = "{\"id\":\"" + OPENAI_ID + "\",\"object\":\"chat.completion.chunk\",\"created\":" + OPENAI_CREATED
        + ",\"model\":\"" + OPENAI_MODEL + "\",";
    List<String> payloads = new ArrayList<>();
    payloads.add(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
        + "\"finish_reason\":null}]}");
    JsonStringEncoder encoder = JsonStringEncoder.getInstance();
    for (String piece : pieces) {
      payloads.add(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
          + new String(encoder.quoteAsString(piece)) + "\"},\"finish_reason\":null}]}");
    }
    payloads.add(head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
    payloads.add(head + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + OPENAI_PROMPT_TOKENS
        + ",\"completion_tokens\":" + pieces.length + ",\"total_tokens\":" + (OPENAI_PROMPT_TOKENS + pieces.length)
        + "}}");
    return sse(payloads);
  }

  /** A status, headers and body sent as-is with {@code Content-Length}; no other header is added. */
  public static Script raw(int status, Map<String, String> headers, String body) {
    return new Script(Kind.RAW, status, new LinkedHashMap<>(headers), List.of(),
        body.getBytes(StandardCharsets.UTF_8), 0, Duration.ZERO, Duration.ZERO, Duration.ZERO, false, Cut.NONE, 0);
  }

  /** {@link #raw} with {@code Content-Type: application/json}. */
  public static Script json(int status, String body) {
    return raw(status, Map.of("Content-Type", "application/json"), body);
  }

  // ---------------------------------------------------------------- modifiers

  /** The status of a streaming response (default 200). */
  public Script status(int newStatus) {
    return copy(kind, newStatus, headers, events, chunkBytes, firstByteDelay, firstChunkDelay, chunkDelay,
        hangBeforeHeaders, cut, cutAfter);
  }

  /** Adds a response header, replacing a default or earlier header of the same name (any case). */
  public Script header(String name, String value) {
    Map<String, String> next = new LinkedHashMap<>();
    headers.forEach((k, v) -> {
      if (!k.equalsIgnoreCase(name)) next.put(k, v);
    });
    next.put(name, value);
    return copy(kind, status, next, events, chunkBytes, firstByteDelay, firstChunkDelay, chunkDelay,
        hangBeforeHeaders, cut, cutAfter);
  }

  /** Re-cuts the body into HTTP chunks of {@code n} bytes (the last may be shorter), each flushed. */
  public Script chunkBytes(int n) {
    requireStream("chunkBytes");
    if (n < 1) throw new IllegalArgumentException("n must be >= 1");
    return copy(kind, status, headers, events, n, firstByteDelay, firstChunkDelay, chunkDelay, hangBeforeHeaders,
        cut, cutAfter);
  }

  /** Pauses this long before every chunk but the first. */
  public Script chunkDelay(Duration d) {
    requireStream("chunkDelay");
    return copy(kind, status, headers, events, chunkBytes, firstByteDelay, firstChunkDelay, d, hangBeforeHeaders,
        cut, cutAfter);
  }

  /** Pauses this long after reading the request, before the status line: nothing at all is sent meanwhile. */
  public Script firstByteDelay(Duration d) {
    return copy(kind, status, headers, events, chunkBytes, d, firstChunkDelay, chunkDelay, hangBeforeHeaders, cut,
        cutAfter);
  }

  /** Sends the headers at once, then pauses this long before the first chunk (a slow first token). */
  public Script firstChunkDelay(Duration d) {
    requireStream("firstChunkDelay");
    return copy(kind, status, headers, events, chunkBytes, firstByteDelay, d, chunkDelay, hangBeforeHeaders, cut,
        cutAfter);
  }

  /** Sends nothing, not even headers, and holds the connection until the client leaves. */
  public Script hangBeforeHeaders() {
    return copy(kind, status, headers, events, chunkBytes, firstByteDelay, firstChunkDelay, chunkDelay, true, cut,
        cutAfter);
  }

  /** Sends {@code n} chunks, then holds the connection open, sending nothing, until the client leaves. */
  public Script hangAfterChunks(int n) {
    return cut(Cut.HANG, n);
  }

  /** Sends {@code n} chunks, then resets the connection (RST: {@code SO_LINGER} 0 and close). */
  public Script resetAfterChunks(int n) {
    return cut(Cut.RESET, n);
  }

  /**
   * Sends {@code n} chunks, then closes the connection (FIN) without the terminating zero-length chunk,
   * so the HTTP body itself is truncated.
   */
  public Script closeAfterChunks(int n) {
    return cut(Cut.CLOSE, n);
  }

  /**
   * Sends {@code n} chunks, then ends the HTTP body properly (zero-length chunk, connection kept alive):
   * a well-framed response whose event stream stops early, e.g. before {@code [DONE]}.
   */
  public Script endAfterChunks(int n) {
    return cut(Cut.END, n);
  }

  /** Drops the {@code data: [DONE]} event, so the body ends properly but without the terminator. */
  public Script withoutDone() {
    requireStream("withoutDone");
    List<byte[]> kept = new ArrayList<>(events.size());
    for (byte[] event : events) {
      if (!new String(event, StandardCharsets.UTF_8).strip().equals("data: [DONE]")) kept.add(event);
    }
    return copy(kind, status, headers, List.copyOf(kept), chunkBytes, firstByteDelay, firstChunkDelay, chunkDelay,
        hangBeforeHeaders, cut, cutAfter);
  }

  // ---------------------------------------------------------------- for FakeUpstream

  /** The HTTP chunks to send, after {@link #chunkBytes}. */
  List<byte[]> transportChunks() {
    if (chunkBytes == 0) return events;
    int total = 0;
    for (byte[] event : events) total += event.length;
    byte[] all = new byte[total];
    int at = 0;
    for (byte[] event : events) {
      System.arraycopy(event, 0, all, at, event.length);
      at += event.length;
    }
    List<byte[]> chunks = new ArrayList<>(total / chunkBytes + 1);
    for (int i = 0; i < total; i += chunkBytes) chunks.add(Arrays.copyOfRange(all, i, Math.min(total, i + chunkBytes)));
    return chunks;
  }

  private Script cut(Cut newCut, int n) {
    requireStream(newCut.name().toLowerCase() + "AfterChunks");
    if (n < 0) throw new IllegalArgumentException("n must be >= 0");
    return copy(kind, status, headers, events, chunkBytes, firstByteDelay, firstChunkDelay, chunkDelay,
        hangBeforeHeaders, newCut, n);
  }

  private void requireStream(String what) {
    if (kind != Kind.STREAM) throw new IllegalStateException(what + " applies to streaming scripts only");
  }

  private Script copy(Kind k, int s, Map<String, String> h, List<byte[]> e, int cb, Duration fbd, Duration fcd,
      Duration cd, boolean hbh, Cut c, int ca) {
    return new Script(k, s, h, e, rawBody, cb, fbd, fcd, cd, hbh, c, ca);
  }
}
