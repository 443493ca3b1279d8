package dev.sluice.bench;

import dev.sluice.sse.SseEvent;
import dev.sluice.sse.SseEventView;
import dev.sluice.sse.SseListener;
import dev.sluice.sse.SseParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Parses a whole recorded-shape LLM stream body per invocation, fed in network-sized reads, the way a
 * provider adapter reads an upstream. The primary score is events per second; the {@code bytes}
 * counter is the same work in bytes per second. {@code parse} reads each event as a byte view (the
 * relay's decoders do); {@code parseToStrings} as an {@link SseEvent} with its data decoded to a String.
 *
 * <p>{@code body=openai}: chat.completion.chunk events, data lines only. {@code body=anthropic}: an
 * {@code event:} line before every data line, which exercises the event-type path.
 *
 * <p>Run: {@code java -jar bench/target/sluice-bench.jar SseParser}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class SseParserBenchmark {

  /** Events per body, [DONE] and bookkeeping events included. */
  static final int EVENTS = 400;

  private static final String[] WORDS = {"The", " quick", " brown", " fox", " jumps", " over", " the", " lazy",
      " dog", ",", " and", " then", " it", " writes", " a", " \\\"quoted\\\"", " line", ".\\n", " Caf\u00e9",
      " \u2713", " \ud83c\udf89", " 42"};

  @Param({"openai", "anthropic"})
  public String body;

  @Param({"8192"})
  public int readSize;

  private byte[] bytes;

  /** Bytes parsed, reported by JMH as bytes per second next to the events-per-second score. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Bytes {
    public long bytes;

    @Setup(Level.Iteration)
    public void clear() {
      bytes = 0;
    }
  }

  @Setup
  public void setup() {
    bytes = switch (body) {
      case "openai" -> join(openAiEvents(EVENTS));
      case "anthropic" -> join(anthropicEvents(EVENTS));
      default -> throw new IllegalArgumentException("unknown body " + body);
    };
    int[] count = new int[1];
    SseParser check = new SseParser(e -> count[0]++);
    check.feed(bytes, 0, bytes.length);
    check.end();
    if (count[0] != EVENTS) throw new IllegalStateException("body has " + count[0] + " events, not " + EVENTS);
  }

  /** The relay's path: each event is read as the UTF-8 bytes in the parser's buffer, no String made. */
  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public SseParser parse(Blackhole bh, Bytes counter) {
    return parse(new SseListener() {
      @Override
      public void onEvent(SseEvent event) {
        bh.consume(event);
      }

      @Override
      public void onEvent(SseEventView event) {
        bh.consume(event.type());
        bh.consume(event.dataArray());
        bh.consume(event.dataLength());
      }
    }, counter);
  }

  /** For a listener that takes {@link SseEvent}s: the data decoded into a String per event. */
  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public SseParser parseToStrings(Blackhole bh, Bytes counter) {
    return parse(bh::consume, counter);
  }

  private SseParser parse(SseListener listener, Bytes counter) {
    SseParser parser = new SseParser(listener);
    byte[] b = bytes;
    for (int off = 0; off < b.length; off += readSize) parser.feed(b, off, Math.min(readSize, b.length - off));
    parser.end();
    counter.bytes += b.length;
    return parser;
  }

  /**
   * An OpenAI chat completions stream of exactly {@code events} events: the role chunk, content chunks,
   * the finish chunk, the usage chunk and {@code [DONE]}, shaped like the recorded reference stream.
   */
  static List<String> openAiEvents(int events) {
    String head = "data: {\"id\":\"chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL\",\"object\":\"chat.completion.chunk\","
        + "\"created\":1727346168,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_5050236cbd\",";
    List<String> out = new ArrayList<>(events);
    out.add(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
    for (int i = 0; i < events - 4; i++) {
      out.add(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + WORDS[i % WORDS.length]
          + "\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
    }
    out.add(head + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":null}\n\n");
    out.add(head + "\"choices\":[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":" + (events - 4)
        + ",\"total_tokens\":" + (events + 15) + "}}\n\n");
    out.add("data: [DONE]\n\n");
    return out;
  }

  /** An Anthropic messages stream of exactly {@code events} events, each with its {@code event:} line. */
  static List<String> anthropicEvents(int events) {
    List<String> out = new ArrayList<>(events);
    out.add("event: message_start\ndata: {\"type\":\"message_start\","
        + "\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\","
        + "\"content\":[],\"model\":\"claude-sonnet-4-5\","
        + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n");
    out.add("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    for (int i = 0; i < events - 5; i++) {
      out.add("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
          + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + WORDS[i % WORDS.length] + "\"}}\n\n");
    }
    out.add("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
    out.add("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + (events - 5) + "}}\n\n");
    out.add("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    return out;
  }

  private static byte[] join(List<String> events) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String e : events) out.writeBytes(e.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }
}
