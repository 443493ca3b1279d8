package dev.sluice.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 by hand over a real socket, for tests that need to close, reset or stop reading at will. */
final class RawHttp {
  private RawHttp() {}

  /** Opens a connection and sends one POST with a JSON body; reads nothing. */
  static Socket post(int port, String path, String json) throws IOException {
    return post(new Socket("127.0.0.1", port), path, json);
  }

  static Socket post(Socket socket, String path, String json) throws IOException {
    return post(socket, path, json, new String[0]);
  }

  /** A POST with extra header lines ({@code "Name: value"}). */
  static Socket post(int port, String path, String json, String... headers) throws IOException {
    return post(new Socket("127.0.0.1", port), path, json, headers);
  }

  private static Socket post(Socket socket, String path, String json, String[] headers) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    OutputStream out = socket.getOutputStream();
    var extra = new StringBuilder();
    for (String header : headers) extra.append(header).append("\r\n");
    out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extra
        + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
    return socket;
  }

  /**
   * Sends one request on its own connection ({@code Connection: close} is added to {@code head},
   * the request line and headers without the blank line) and returns the whole response as text.
   * For requests java.net.http will not send: a malformed query, a foreign Host.
   */
  static String exchange(int port, String head, byte[] body) throws IOException {
    try (var socket = new Socket("127.0.0.1", port)) {
      OutputStream out = socket.getOutputStream();
      out.write((head + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The status code of a response {@link #exchange} returned. */
  static int status(String response) {
    return Integer.parseInt(response.substring(9, 12));
  }

  /** The body of a response {@link #exchange} returned (chunk sizes included, if chunked). */
  static String body(String response) {
    return response.substring(response.indexOf("\r\n\r\n") + 4);
  }

  /** Reads until {@code marker} has been seen. */
  static void readUntil(InputStream in, String marker) throws IOException {
    var seen = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      seen.write(b);
      if (seen.size() >= marker.length() && seen.toString(StandardCharsets.UTF_8).endsWith(marker)) return;
    }
    throw new AssertionError("stream ended before " + marker + ": " + seen);
  }

  /** Reads a response's status line and headers, leaving the body unread. */
  static String readHead(InputStream in) throws IOException {
    var head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) throw new AssertionError("connection closed in the headers: " + head);
      head.write(b);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads one response, with a Content-Length or chunked body, leaving the connection open. */
  static String readResponse(InputStream in) throws IOException {
    String headers = readHead(in);
    var body = new ByteArrayOutputStream();
    String lower = headers.toLowerCase(java.util.Locale.ROOT);
    if (lower.contains("transfer-encoding: chunked")) {
      while (true) {
        int size = Integer.parseInt(readLine(in).trim(), 16);
        if (size == 0) {
          readLine(in);
          break;
        }
        body.write(in.readNBytes(size));
        readLine(in);
      }
    } else {
      int at = lower.indexOf("content-length: ") + "content-length: ".length();
      body.write(in.readNBytes(Integer.parseInt(lower.substring(at, lower.indexOf("\r\n", at)).trim())));
    }
    return headers + body.toString(StandardCharsets.UTF_8);
  }

  private static String readLine(InputStream in) throws IOException {
    var line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) throw new AssertionError("connection closed mid-line");
      if (b != '\r') line.write(b);
    }
    return line.toString(StandardCharsets.US_ASCII);
  }
}
