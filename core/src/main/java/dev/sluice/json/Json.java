package dev.sluice.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.buffer.ScratchArrays;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The shared Jackson factory and a one-call way to write small JSON texts with the streaming API. */
public final class Json {
  /**
   * Shared by every codec. Its scratch buffers come from one concurrent pool, not from a
   * thread-local: each stream runs on its own virtual thread, and a thread-local pool would leave
   * every idle stream holding its own set (measured at 1,000 open streams: several KiB each). The
   * pool is Jackson's bounded one (an array queue), which, unlike its deque and lock-free pools,
   * allocates no node each time a parser or generator gives its buffers back: a 40-byte node per
   * chunk decoded and per chunk encoded, measured with the chunk benchmarks.
   */
  public static final JsonFactory FACTORY = newFactory();
  /**
   * For {@link #writeLikeText}: a character outside the BMP is written as its four UTF-8 bytes, as
   * the text of {@link #write(JsonBody)} encodes it, where {@link #FACTORY}'s byte generators escape
   * it as two {@code \\u} surrogates.
   */
  static final JsonFactory LIKE_TEXT_FACTORY = newFactory().rebuild()
      .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
  /** Thread-safe once configured; shared by every codec. */
  public static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

  /** A factory whose buffers come from the process-wide bounded pool (see {@link #FACTORY}). */
  public static JsonFactory newFactory() {
    return JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedBoundedPool()).build();
  }

  private Json() {}

  /** Writes one JSON text with the streaming generator (no tree) and returns it. Not for per-chunk paths. */
  public static String write(JsonBody body) {
    var out = new StringWriter(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory failed", e);
    }
    return out.toString();
  }

  /**
   * Writes one JSON text as UTF-8 into {@code buffer}, replacing what it held. The per-chunk path:
   * the buffer is the stream's own and reused, and the generator is one kept across chunks in a small
   * shared pool ({@link ReusableGenerator}), so a chunk allocates next to nothing.
   */
  public static Utf8Buffer write(Utf8Buffer buffer, JsonBody body) {
    return write(buffer, body, false);
  }

  /**
   * Writes one JSON text into {@code buffer} as {@link #write(Utf8Buffer, JsonBody)} does, with exactly
   * the bytes of {@code write(body).getBytes(UTF_8)}, for an encoder whose clients got those bytes
   * before it wrote to a buffer: provided no string written holds a lone surrogate (see
   * {@link #hasLoneSurrogate}), which the text's encoding turns into {@code ?} and a byte generator
   * escapes.
   */
  public static Utf8Buffer writeLikeText(Utf8Buffer buffer, JsonBody body) {
    return write(buffer, body, true);
  }

  /** True if {@code s} holds a surrogate that is not half of a pair: see {@link #writeLikeText}. */
  public static boolean hasLoneSurrogate(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (!Character.isSurrogate(c)) continue;
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else {
        return true;
      }
    }
    return false;
  }

  private static Utf8Buffer write(Utf8Buffer buffer, JsonBody body, boolean likeText) {
    buffer.reset();
    boolean written = false;
    try {
      if (likeText) ReusableGenerator.writeLikeText(buffer, body);
      else ReusableGenerator.write(buffer, body);
      written = true;
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory failed", e);
    } finally {
      if (!written) buffer.reset(); // half a document is never read: its array goes back at once
    }
    return buffer;
  }

  /**
   * A growable byte buffer to write JSON into and read it back from without copying. One per stream;
   * it holds an array only between a write and its {@link #reset}: a shared one borrowed from
   * {@link ScratchArrays}, so that a stream idle between chunks holds none.
   */
  public static final class Utf8Buffer extends OutputStream {
    private static final byte[] EMPTY = {};
    private byte[] bytes = EMPTY;
    private int size;

    @Override
    public void write(int b) {
      ensure(1);
      bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, bytes, size, len);
      size += len;
    }

    public byte[] array() {
      return bytes;
    }

    public int size() {
      return size;
    }

    /** Empties the buffer and gives its array back, once nothing reads {@link #array()} any more. */
    public void reset() {
      size = 0;
      ScratchArrays.giveBack(bytes);
      bytes = EMPTY;
    }

    /** Bytes this buffer holds on to, used or not. */
    int capacity() {
      return bytes.length;
    }

    @Override
    public String toString() {
      return new String(bytes, 0, size, StandardCharsets.UTF_8);
    }

    private void ensure(int more) {
      if (size + more <= bytes.length) return;
      if (bytes == EMPTY) {
        bytes = ScratchArrays.borrow(more);
        return;
      }
      byte[] old = bytes;
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      ScratchArrays.giveBack(old);
    }
  }

  /** Code that writes one JSON value to a generator. */
  @FunctionalInterface
  public interface JsonBody {
    void write(JsonGenerator g) throws IOException;
  }
}
