package dev.sluice.provider.openai;

import dev.sluice.dialect.EventSink;
import dev.sluice.dialect.openai.OpenAiStreamEncoder;
import dev.sluice.sse.SseEvent;
import dev.sluice.sse.SseEventView;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The two per-chunk codecs of an OpenAI-to-OpenAI relay, one chunk per operation: decoding an
 * upstream {@code chat.completion.chunk} into canonical events (Jackson's streaming parser over the
 * event's UTF-8 bytes, as the SSE parser hands them over; no tree),
 * and encoding a canonical text delta back into a chunk (Jackson's generator into the stream's
 * reused UTF-8 buffer). Run with {@code -prof gc} for allocations per chunk.
 *
 * <p>This class sits in the decoder's package so that it can reach the package-private decoder; it
 * is compiled into the bench module only.
 *
 * <p>Run: {@code ./sluice bench jmh ChunkCodec -prof gc}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ChunkCodecBenchmark {
  private static final String CHUNK = "{\"id\":\"chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL\",\"object\":\"chat.completion.chunk\","
      + "\"created\":1727346168,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_5050236cbd\","
      + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" weather\"},\"logprobs\":null,\"finish_reason\":null}],"
      + "\"obfuscation\":\"r4N7vQ2m\"}";

  private OpenAiChunkDecoder decoder;
  private SseEventView event;
  private OpenAiStreamEncoder encoder;
  private TextDelta delta;
  private CountingSink sink;

  /** Takes each framed event's bytes and counts them, as the client channel would write them. */
  static final class CountingSink implements EventSink {
    long bytes;

    @Override
    public void event(String type, String id, String data) {
      bytes += data.length();
    }

    @Override
    public void event(String type, String id, byte[] utf8, int off, int len) {
      bytes += len;
    }

    @Override
    public void comment(String text) {
      bytes += text.length();
    }
  }

  @Setup
  public void setup() throws Exception {
    decoder = new OpenAiChunkDecoder("gpt-4o", new OpenAiErrorMapper("openai", "sk-bench"));
    // The view the parser dispatches: the decoder reads the chunk's UTF-8 bytes, as on the relay.
    event = SseEventView.of(new SseEvent(SseEvent.DEFAULT_TYPE, CHUNK, ""));
    decoder.onEvent(event); // the first chunk also yields Started; measure the steady state after it
    while (decoder.decoded().poll() != null) {
      // drained
    }
    encoder = new OpenAiStreamEncoder(false);
    sink = new CountingSink();
    encoder.encode(new Started("chatcmpl-bench", "gpt-4o-2024-08-06", "openai", 1727346168), sink);
    encoder.encode(TextDelta.content("first"), sink); // sends the role chunk once
    delta = TextDelta.content(" weather");
    if (CHUNK.getBytes(StandardCharsets.UTF_8).length < 100) throw new IllegalStateException("chunk too small");
  }

  @Benchmark
  public void decodeChunk(Blackhole bh) {
    decoder.onEvent(event);
    StreamEvent e;
    while ((e = decoder.decoded().poll()) != null) bh.consume(e);
  }

  @Benchmark
  public long encodeChunk() throws Exception {
    encoder.encode(delta, sink);
    return sink.bytes;
  }
}
