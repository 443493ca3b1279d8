package dev.sluice.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real HTTP/1.1 server on 127.0.0.1, written on a raw {@link ServerSocket} so that tests control
 * every byte and pause of a response and see the moment a client leaves. It plays an upstream LLM
 * API: each request is answered by the next enqueued {@link Script} (whatever its path, so other
 * wire formats can script their own endpoints); with none enqueued, {@code POST /v1/chat/completions}
 * gets the default script (an OpenAI stream of {@link #DEFAULT_TEXT} with usage) and any other
 * request a 404 in OpenAI's error shape.
 *
 * <p>One virtual thread per connection reads requests and stays blocked in a read for the whole
 * response, so a client's FIN or RST is seen at once, in every phase (before headers, between chunks,
 * while hanging) and recorded in {@link RecordedRequest#clientGone()}. Each response is written by a
 * second virtual thread. Connections are kept alive between requests; requests are not pipelined.
 *
 * <pre>{@code
 * try (FakeUpstream upstream = FakeUpstream.start()) {
 *   upstream.enqueue(Script.fromFixture("fixtures/openai/text.sse").chunkBytes(7));
 *   ... point the code under test at upstream.baseUrl() ...
 *   RecordedRequest request = upstream.awaitRequest(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>A test class that wants a fresh one for each test registers it on an instance field, and JUnit
 * closes it after each test: {@code @RegisterExtension final FakeUpstream upstream = FakeUpstream.start();}
 */
public final class FakeUpstream implements AutoCloseable, AfterEachCallback {

  /** The text the default script streams. */
  public static final String DEFAULT_TEXT = "Hello from fake upstream";

  private static final int MAX_HEADER_BYTES = 64 * 1024;
  private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

  private final ServerSocket server;
  private final URI baseUrl;
  private final ConcurrentLinkedQueue<Script> scripts = new ConcurrentLinkedQueue<>();
  private volatile Script defaultScript = Script.openAiText("Hello", " from", " fake", " upstream");
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<RecordedRequest> unseen = new LinkedBlockingQueue<>();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connectionCount = new AtomicInteger();
  private volatile boolean closed;

  private FakeUpstream(ServerSocket server) {
    this.server = server;
    this.baseUrl = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1");
  }

  /** Binds 127.0.0.1 on a free port and starts accepting connections. */
  public static FakeUpstream start() {
    try {
      ServerSocket socket = new ServerSocket(0, 128, InetAddress.getByName("127.0.0.1"));
      FakeUpstream upstream = new FakeUpstream(socket);
      Thread.ofVirtual().name("fake-upstream-accept-" + socket.getLocalPort()).start(upstream::acceptLoop);
      return upstream;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the fake upstream", e);
    }
  }

  /** {@code http://127.0.0.1:PORT/v1}, the base URL an OpenAI-style client is configured with. */
  public URI baseUrl() {
    return baseUrl;
  }

  /** The bound port. */
  public int port() {
    return server.getLocalPort();
  }

  /** Queues a script for the next request that has none yet (FIFO). */
  public void enqueue(Script s) {
    scripts.add(s);
  }

  /** Replaces the script used for {@code POST /v1/chat/completions} when the queue is empty. */
  public void setDefault(Script s) {
    defaultScript = s;
  }

  /** Every request received so far, in arrival order. */
  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /**
   * The next request that no earlier call returned, waiting up to {@code timeout} for it to arrive.
   *
   * @throws AssertionError if none arrives in time
   */
  public RecordedRequest awaitRequest(Duration timeout) {
    try {
      RecordedRequest request = unseen.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (request == null) throw new AssertionError("no request reached the fake upstream within " + timeout);
      return request;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for a request", e);
    }
  }

  /** How many TCP connections the fake has accepted: shows whether clients reuse connections. */
  public int connectionCount() {
    return connectionCount.get();
  }

  /** Closes this upstream after the test it was registered for (see the class comment). */
  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  /** Stops accepting and closes every connection. Responses in progress end abruptly. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the fake upstream's listening socket", e);
    }
    for (Connection connection : connections) connection.closeByServer(false);
  }

  private void acceptLoop() {
    while (!closed) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        if (closed) return;
        throw new UncheckedIOException("fake upstream accept failed", e);
      }
      try {
        // A small, fixed send buffer: what tests measure as in flight is then the client's buffers
        // (Sluice's), not the fake's own kernel autotuning.
        socket.setSendBufferSize(64 * 1024);
      } catch (IOException e) {
        throw new UncheckedIOException("fake upstream could not size its send buffer", e);
      }
      Connection connection = new Connection(socket, connectionCount.incrementAndGet());
      connections.add(connection);
      if (closed) connection.closeByServer(false);
      Thread.ofVirtual().name("fake-upstream-conn-" + connection.id).start(connection::readLoop);
    }
  }

  private Script scriptFor(RecordedRequest request) {
    Script queued = scripts.poll();
    if (queued != null) return queued;
    if (request.method().equals("POST") && request.path().equals("/v1/chat/completions")) return defaultScript;
    return Script.json(404, "{\"error\":{\"message\":\"fake upstream has no route for " + request.method() + " "
        + request.path().replace("\"", "'") + "\",\"type\":\"invalid_request_error\",\"param\":null,"
        + "\"code\":\"unknown_url\"}}");
  }

  /** One accepted TCP connection: a reader thread that parses requests and a writer thread per response. */
  private final class Connection {
    final Socket socket;
    final int id;
    final CountDownLatch gone = new CountDownLatch(1);
    /** Set before the fake closes the socket itself, so the failures that follow are not the client leaving. */
    volatile boolean closingByServer;
    volatile RecordedRequest current;
    private Thread writer;

    Connection(Socket socket, int id) {
      this.socket = socket;
      this.id = id;
    }

    void readLoop() {
      try {
        socket.setTcpNoDelay(true);
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        while (true) {
          RecordedRequest request = readRequest(in);
          if (request == null) break;
          if (writer != null) writer.join();
          current = request;
          requests.add(request);
          unseen.add(request);
          Script script = scriptFor(request);
          writer = Thread.ofVirtual().name("fake-upstream-resp-" + id).start(() -> respond(request, script, out));
        }
      } catch (IOException e) {
        // A reset or our own close ends the read like an EOF: handled below.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      clientLeft();
    }

    /** The read side ended: if the fake did not cause it, the client left during the current response. */
    private void clientLeft() {
      long now = System.nanoTime();
      if (!closingByServer) {
        RecordedRequest request = current;
        if (request != null) request.markClientGone(now);
      }
      closeByServer(false);
    }

    private void respond(RecordedRequest request, Script script, OutputStream out) {
      try {
        if (script.hangBeforeHeaders) {
          gone.await();
          return;
        }
        if (!pause(script.firstByteDelay)) return;
        if (script.kind == Script.Kind.RAW) {
          Map<String, String> headers = new LinkedHashMap<>(script.headers);
          if (headers.keySet().stream().noneMatch("Content-Length"::equalsIgnoreCase)) {
            headers.put("Content-Length", Integer.toString(script.rawBody.length));
          }
          request.markResponseComplete();
          out.write(head(script.status, headers));
          out.write(script.rawBody);
          out.flush();
          return;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "text/event-stream");
        headers.put("Cache-Control", "no-cache");
        script.headers.forEach((name, value) -> {
          headers.keySet().removeIf(name::equalsIgnoreCase);
          headers.put(name, value);
        });
        headers.put("Transfer-Encoding", "chunked");
        out.write(head(script.status, headers));
        out.flush();
        List<byte[]> chunks = script.transportChunks();
        int cutAt = script.cut == Script.Cut.NONE ? -1 : Math.min(script.cutAfter, chunks.size());
        for (int i = 0; i <= chunks.size(); i++) {
          if (i == chunks.size() && cutAt != i) break;
          // A cut takes the place of the next chunk, so the same pause comes before it.
          if (!pause(i == 0 ? script.firstChunkDelay : script.chunkDelay)) return;
          if (i == cutAt) {
            cut(script.cut, request, out);
            return;
          }
          byte[] chunk = chunks.get(i);
          out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(chunk);
          out.write(CRLF);
          out.flush();
          request.addBodyBytesSent(chunk.length);
        }
        // Marked before the last write: a client that closes right after reading the end is not "gone".
        request.markResponseComplete();
        out.write(LAST_CHUNK);
        out.flush();
      } catch (IOException e) {
        if (!closingByServer) request.markClientGone(System.nanoTime());
        closeByServer(false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closeByServer(false);
      }
    }

    private void cut(Script.Cut how, RecordedRequest request, OutputStream out)
        throws IOException, InterruptedException {
      switch (how) {
        case HANG -> gone.await();
        case RESET -> closeByServer(true);
        case CLOSE -> {
          closingByServer = true;
          socket.shutdownOutput();
          closeByServer(false);
        }
        case END -> {
          request.markResponseComplete();
          out.write(LAST_CHUNK);
          out.flush();
        }
        case NONE -> throw new IllegalStateException("no cut to make");
      }
    }

    /** Waits {@code d}; false if the connection closed meanwhile (the response is then abandoned). */
    private boolean pause(Duration d) throws InterruptedException {
      if (d.isZero()) return gone.getCount() > 0;
      return !gone.await(d.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Closes the socket; {@code reset} sends RST instead of FIN. Idempotent. */
    void closeByServer(boolean reset) {
      if (reset || closed) closingByServer = true;
      try {
        if (reset) socket.setSoLinger(true, 0);
      } catch (SocketException e) {
        // The socket is already closed (the client left first): there is nothing left to reset.
      }
      try {
        socket.close();
      } catch (IOException e) {
        throw new UncheckedIOException("fake upstream cannot close connection " + id, e);
      } finally {
        gone.countDown();
        connections.remove(this);
      }
    }

    /** Reads one request; null on a clean EOF before its first byte. */
    private RecordedRequest readRequest(InputStream in) throws IOException {
      String requestLine = readLine(in, true);
      if (requestLine == null) return null;
      String[] parts = requestLine.split(" ");
      if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
        throw new IOException("fake upstream got a malformed request line: " + requestLine);
      }
      Map<String, String> headers = new LinkedHashMap<>();
      int headerBytes = 0;
      while (true) {
        String line = readLine(in, false);
        if (line.isEmpty()) break;
        headerBytes += line.length();
        if (headerBytes > MAX_HEADER_BYTES) throw new IOException("request headers too large");
        int colon = line.indexOf(':');
        if (colon <= 0) throw new IOException("malformed header line: " + line);
        String name = line.substring(0, colon).trim();
        String value = line.substring(colon + 1).trim();
        headers.merge(name.toLowerCase(Locale.ROOT), value, (a, b) -> a + ", " + b);
      }
      byte[] body;
      String length = headers.get("content-length");
      String encoding = headers.get("transfer-encoding");
      if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
        body = readChunkedBody(in);
      } else if (length != null) {
        int n = Integer.parseInt(length);
        if (n > MAX_BODY_BYTES) throw new IOException("request body too large: " + n);
        body = in.readNBytes(n);
        if (body.length != n) throw new EOFException("request body truncated");
      } else {
        body = new byte[0];
      }
      return new RecordedRequest(parts[0], parts[1], headers, body, System.nanoTime(), id);
    }

    private byte[] readChunkedBody(InputStream in) throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String sizeLine = readLine(in, false);
        int semicolon = sizeLine.indexOf(';');
        int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
        if (size == 0) {
          while (!readLine(in, false).isEmpty()) {
            // trailers: ignored
          }
          return body.toByteArray();
        }
        if (body.size() + size > MAX_BODY_BYTES) throw new IOException("request body too large");
        byte[] data = in.readNBytes(size);
        if (data.length != size) throw new EOFException("request chunk truncated");
        body.write(data);
        readLine(in, false);
      }
    }
  }

  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** Reads a CRLF- or LF-terminated line as ISO-8859-1; null at EOF before any byte if {@code eofOk}. */
  private static String readLine(InputStream in, boolean eofOk) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (eofOk && line.isEmpty()) return null;
        throw new EOFException("connection closed inside a request");
      }
      if (b == '\n') {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') line.setLength(end - 1);
        return line.toString();
      }
      if (line.length() > MAX_HEADER_BYTES) throw new IOException("request line too long");
      line.append((char) b);
    }
  }

  private static byte[] head(int status, Map<String, String> headers) {
    StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 408 -> "Request Timeout";
      case 413 -> "Payload Too Large";
      case 422 -> "Unprocessable Entity";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      case 529 -> "Overloaded";
      default -> "Status";
    };
  }
}
