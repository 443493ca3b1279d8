package dev.sluice.sse;

import dev.sluice.sse.SseTestSupport.Parsed;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately naive transcription of WHATWG HTML §9.2.6 used as a test oracle: it decodes the whole
 * stream to text first (UTF-8 decode: strip one BOM, then replace invalid bytes), splits the text into
 * lines, and interprets them with string operations. The parser works the other way round (bytes split
 * into lines, only values decoded), so agreement on random input checks that the two orders are
 * equivalent as well as the field rules themselves. Speed does not matter here; obviousness does.
 */
final class ReferenceInterpreter {

  private ReferenceInterpreter() {}

  static Parsed interpret(byte[] stream) {
    int start = stream.length >= 3 && (stream[0] & 0xFF) == 0xEF && (stream[1] & 0xFF) == 0xBB
        && (stream[2] & 0xFF) == 0xBF ? 3 : 0;
    String text = whatwgDecode(stream, start);

    List<SseEvent> events = new ArrayList<>();
    List<Long> retries = new ArrayList<>();
    StringBuilder data = new StringBuilder();
    String type = "";
    String idBuffer = "";
    String lastEventId = "";
    long retry = -1;

    StringBuilder line = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '\r' && c != '\n') {
        line.append(c);
        continue;
      }
      if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
      String l = line.toString();
      line.setLength(0);
      if (l.isEmpty()) {
        lastEventId = idBuffer;
        if (data.isEmpty()) {
          type = "";
          continue;
        }
        if (data.charAt(data.length() - 1) == '\n') data.setLength(data.length() - 1);
        events.add(new SseEvent(type.isEmpty() ? "message" : type, data.toString(), lastEventId));
        data.setLength(0);
        type = "";
        continue;
      }
      if (l.startsWith(":")) continue;
      int colon = l.indexOf(':');
      String field = colon < 0 ? l : l.substring(0, colon);
      String value = colon < 0 ? "" : l.substring(colon + 1);
      if (value.startsWith(" ")) value = value.substring(1);
      switch (field) {
        case "event" -> type = value;
        case "data" -> data.append(value).append('\n');
        case "id" -> {
          if (value.indexOf('\0') < 0) idBuffer = value;
        }
        case "retry" -> {
          if (!value.isEmpty() && value.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            BigInteger v = new BigInteger(value);
            retry = v.bitLength() < 64 ? v.longValue() : Long.MAX_VALUE;
            retries.add(retry);
          }
        }
        default -> {}
      }
    }
    // End of stream: the unterminated line and the undispatched event are dropped.
    return new Parsed(List.copyOf(events), List.copyOf(retries), retry, lastEventId);
  }

  /** The WHATWG Encoding "UTF-8 decoder" algorithm, step by step as the standard words it. */
  static String whatwgDecode(byte[] bytes, int from) {
    StringBuilder out = new StringBuilder();
    int codePoint = 0;
    int bytesSeen = 0;
    int bytesNeeded = 0;
    int lowerBoundary = 0x80;
    int upperBoundary = 0xBF;
    int i = from;
    while (true) {
      if (i == bytes.length) {
        if (bytesNeeded != 0) out.append('\uFFFD');
        return out.toString();
      }
      int b = bytes[i] & 0xFF;
      if (bytesNeeded == 0) {
        i++;
        if (b <= 0x7F) {
          out.append((char) b);
        } else if (b >= 0xC2 && b <= 0xDF) {
          bytesNeeded = 1;
          codePoint = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
          if (b == 0xE0) lowerBoundary = 0xA0;
          if (b == 0xED) upperBoundary = 0x9F;
          bytesNeeded = 2;
          codePoint = b & 0xF;
        } else if (b >= 0xF0 && b <= 0xF4) {
          if (b == 0xF0) lowerBoundary = 0x90;
          if (b == 0xF4) upperBoundary = 0x8F;
          bytesNeeded = 3;
          codePoint = b & 0x7;
        } else {
          out.append('\uFFFD');
        }
        continue;
      }
      if (b < lowerBoundary || b > upperBoundary) {
        codePoint = bytesNeeded = bytesSeen = 0;
        lowerBoundary = 0x80;
        upperBoundary = 0xBF;
        out.append('\uFFFD');
        continue; // "restore byte to the stream": i is not advanced
      }
      i++;
      lowerBoundary = 0x80;
      upperBoundary = 0xBF;
      codePoint = (codePoint << 6) | (b & 0x3F);
      bytesSeen++;
      if (bytesSeen != bytesNeeded) continue;
      out.appendCodePoint(codePoint);
      codePoint = bytesNeeded = bytesSeen = 0;
    }
  }
}
