package dev.sluice.provider.openai;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sse.SseEvent;
import dev.sluice.sse.SseParser;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import dev.sluice.testkit.Transcript;
import dev.sluice.testkit.Transcript.Call;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chunk decoder on its own, for the deviations of OpenAI-compatible servers that the recorded
 * OpenAI streams do not show (reference §8), and for the edges of OpenAI's own format.
 */
class OpenAiChunkDecoderTest {

  private final OpenAiChunkDecoder decoder = new OpenAiChunkDecoder("asked-model", new OpenAiErrorMapper("t", "sk-secret"));

  /** Feeds each payload as one unnamed event, then ends the stream; returns every event produced. */
  private List<StreamEvent> decode(String... payloads) {
    for (String payload : payloads) decoder.onEvent(new SseEvent("message", payload, ""));
    decoder.endOfStream();
    List<StreamEvent> out = new ArrayList<>();
    StreamEvent e;
    while ((e = decoder.decoded().poll()) != null) out.add(e);
    return out;
  }

  /** Parses {@code body} as an event stream into the decoder, as the relay does, then ends it. */
  private List<StreamEvent> decodeStream(byte[] body) {
    var parser = new SseParser(decoder);
    parser.feed(body, 0, body.length);
    parser.end();
    decoder.endOfStream();
    List<StreamEvent> out = new ArrayList<>();
    StreamEvent e;
    while ((e = decoder.decoded().poll()) != null) out.add(e);
    return out;
  }

  @Test
  void chunksAreReadFromTheStreamsBytesWithTheSameTextAsItsDecoding() {
    var body = new ByteArrayOutputStream();
    body.writeBytes(("data: " + chunk("{\"content\":\"caf\u00e9 \ud83c\udf89\"}") + "\n\n").getBytes(UTF_8));
    // An invalid byte inside a string: the event stream decodes it as U+FFFD, and so does the chunk.
    byte[] invalid = ("data: " + chunk("{\"content\":\"a#b\"}", "stop") + "\n\n").getBytes(UTF_8);
    invalid[new String(invalid, UTF_8).indexOf('#')] = (byte) 0xFF;
    body.writeBytes(invalid);
    body.writeBytes("data: [DONE]\n\n".getBytes(UTF_8));
    Transcript t = Transcript.of(decodeStream(body.toByteArray()));
    assertThat(t.content()).isEqualTo("caf\u00e9 \ud83c\udf89a\uFFFDb");
    assertThat(t.finishReason()).isEqualTo(FinishReason.STOP);
  }

  private static String chunk(String delta) {
    return chunk(delta, null);
  }

  private static String chunk(String delta, String finish) {
    return "{\"id\":\"c1\",\"created\":5,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}";
  }

  private static String tool(String fields) {
    return chunk("{\"tool_calls\":[" + fields + "]}");
  }

  @Test
  void toolCallsWithoutIndexAreNumberedByTheirIds() {
    Transcript t = Transcript.of(decode(
        tool("{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\"\"}}"),
        tool("{\"function\":{\"arguments\":\":1}\"}}"),
        tool("{\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}"),
        tool("{\"id\":\"b\",\"function\":{\"arguments\":\"\"}}"),
        "[DONE]"));

    assertThat(t.toolCalls()).containsExactly(new Call(0, "a", "f", "{\"x\":1}"), new Call(1, "b", "g", "{}"));
    assertThat(t.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
  }

  @Test
  void aToolCallIndexThatIsNotANumberCountsAsAbsent() {
    // A null or quoted index once unboxed to a NullPointerException that ended the stream as a broken connection.
    Transcript t = Transcript.of(decode(
        tool("{\"index\":null,\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}"),
        tool("{\"index\":\"1\",\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}"),
        "[DONE]"));

    assertThat(t.toolCalls()).containsExactly(new Call(0, "a", "f", "{}"), new Call(1, "b", "g", "{}"));
  }

  @Test
  void anIndexReusedForANewIdOpensANewCall() {
    // Some Ollama-compatible servers number every call of a parallel batch 0, telling them apart by id.
    Transcript t = Transcript.of(decode(
        tool("{\"index\":0,\"id\":\"call_a\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"n\\\":1}\"}}"),
        tool("{\"index\":0,\"id\":\"call_b\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"n\\\":2}\"}}"),
        chunk("{}", "tool_calls"), "[DONE]"));

    assertThat(t.toolCalls()).containsExactly(new Call(0, "call_a", "f", "{\"n\":1}"),
        new Call(1, "call_b", "f", "{\"n\":2}"));
  }

  @Test
  void aWholeToolCallInOneFragmentIsOneOpeningDelta() {
    List<StreamEvent> events = decode(
        tool("{\"id\":\"call_1\",\"index\":0,\"type\":\"function\","
            + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}"),
        "[DONE]");

    assertThat(events.get(1)).isEqualTo(new ToolCallDelta(0, "call_1", "get_weather", "{\"city\":\"Oslo\"}"));
  }

  @Test
  void idAndNameRepeatedOnEveryFragmentArePassedOnce() {
    Transcript t = Transcript.of(decode(
        tool("{\"index\":0,\"id\":\"x\",\"function\":{\"name\":\"f\",\"arguments\":\"{\"}}"),
        tool("{\"index\":0,\"id\":\"x\",\"function\":{\"name\":\"f\",\"arguments\":\"}\"}}"),
        "[DONE]"));

    assertThat(t.toolCalls()).containsExactly(new Call(0, "x", "f", "{}"));
  }

  @Test
  void argumentsSentAsAnObjectBecomeJsonText() {
    Transcript t = Transcript.of(decode(
        tool("{\"index\":0,\"id\":\"x\",\"function\":{\"name\":\"f\",\"arguments\":{\"a\":[1,true]}}}"), "[DONE]"));

    assertThat(t.toolCalls()).containsExactly(new Call(0, "x", "f", "{\"a\":[1,true]}"));
  }

  @Test
  void reasoningFieldsOfCompatibleServersAreTheReasoningChannel() {
    Transcript t = Transcript.of(decode(
        chunk("{\"role\":\"assistant\",\"content\":\"\",\"reasoning\":\"Let me\"}"),
        chunk("{\"reasoning_content\":\" think.\"}"),
        chunk("{\"reasoning\":\" Same\",\"reasoning_content\":\" Same\"}"),
        chunk("{\"content\":\"Answer\"}", "stop"),
        "[DONE]"));

    assertThat(t.text(TextDelta.Channel.REASONING)).isEqualTo("Let me think. Same");
    assertThat(t.content()).isEqualTo("Answer");
  }

  @Test
  void usageOnEveryChunkIsReportedOnceTheLastBeforeFinished() {
    String head = "{\"id\":\"c\",\"created\":9,\"model\":\"m\",";
    List<StreamEvent> events = decode(
        head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}],"
            + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":1}}",
        head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":4,\"audio_tokens\":0,\"cache_write_tokens\":3},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":1,\"accepted_prediction_tokens\":0}}}",
        head + "\"choices\":[],\"usage\":null}",
        "[DONE]");

    assertThat(events).containsExactly(new Started("c", "m", "t", 9), TextDelta.content("a"), TextDelta.content("b"),
        new UsageReport(new Usage(10, 2, 4, 3, 1, false)), new Finished(FinishReason.STOP));
  }

  @Test
  void nullAndMissingUsageDetailsAreZero() {
    List<StreamEvent> events = decode(chunk("{\"content\":\"x\"}", "stop"),
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":null,"
            + "\"prompt_tokens_details\":null,\"completion_tokens_details\":{\"reasoning_tokens\":null}}}",
        "[DONE]");

    assertThat(Transcript.of(events).usage()).isEqualTo(Usage.of(3, 0));
  }

  @Test
  void unknownAndSkippedFieldsOfAnyShapeAreIgnored() {
    Transcript t = Transcript.of(decode(
        "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m\","
            + "\"system_fingerprint\":\"fp_1\",\"service_tier\":\"default\",\"obfuscation\":\"r4N7\","
            + "\"moderation\":{\"input\":{\"flagged\":false,\"categories\":[1,{\"x\":[]}]}},"
            + "\"future\":[[{\"content\":\"not this\"}]],"
            + "\"choices\":[{\"index\":0,\"logprobs\":{\"content\":[{\"token\":\"Hi\",\"logprob\":-0.1}]},"
            + "\"delta\":{\"role\":\"assistant\",\"annotations\":[{\"content\":\"no\"}],\"content\":\"Hi\","
            + "\"audio\":{\"content\":\"no\"}},\"finish_reason\":null,\"extra\":{\"content\":\"no\"}}]}",
        chunk("{}", "length"), "[DONE]"));

    assertThat(t.started()).isEqualTo(new Started("c", "m", "t", 7));
    assertThat(t.content()).isEqualTo("Hi");
    assertThat(t.finishReason()).isEqualTo(FinishReason.LENGTH);
  }

  @Test
  void choicesOtherThanTheFirstAreDroppedWhereverTheirIndexIsWritten() {
    Transcript t = Transcript.of(decode(
        "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"one\","
            + "\"tool_calls\":[{\"index\":0,\"id\":\"t1\",\"function\":{\"name\":\"f\"}}]},\"index\":1},"
            + "{\"index\":0,\"delta\":{\"content\":\"zero\"}}]}",
        "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"delta\":{},\"finish_reason\":\"length\",\"index\":2}]}",
        chunk("{}", "stop"), "[DONE]"));

    assertThat(t.content()).isEqualTo("zero");
    assertThat(t.toolCalls()).isEmpty();
    assertThat(t.finishReason()).isEqualTo(FinishReason.STOP);
  }

  @Test
  void emptyAndNullTextIsNotADelta() {
    List<StreamEvent> events = decode(chunk("{\"content\":\"\",\"refusal\":null}"), chunk("{\"content\":null}"),
        chunk("{\"content\":\"x\"}", "stop"), "[DONE]");

    assertThat(events).hasSize(3);
  }

  @Test
  void missingIdModelAndCreatedAreFilledIn() {
    Transcript t = Transcript.of(decode("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}", "[DONE]"));

    assertThat(t.started().id()).startsWith("chatcmpl-sluice-");
    assertThat(t.started().model()).isEqualTo("asked-model");
    assertThat(t.started().createdEpochSeconds()).isGreaterThan(1_700_000_000L);
  }

  @Test
  void anEmptyOrNullErrorFieldIsNotAnError() {
    Transcript t = Transcript.of(decode("{\"id\":\"c\",\"model\":\"m\",\"error\":null,\"choices\":[]}",
        "{\"id\":\"c\",\"model\":\"m\",\"error\":{},\"choices\":[]}", chunk("{\"content\":\"ok\"}", "stop"), "[DONE]"));

    assertThat(t.finishReason()).isEqualTo(FinishReason.STOP);
  }

  @Test
  void usageAlreadyReportedIsKeptWhenTheStreamThenFails() {
    Transcript t = Transcript.of(decode(
        "{\"id\":\"c\",\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}",
        "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));

    assertThat(t.usage()).isEqualTo(Usage.of(5, 2));
    assertThat(t.failure().message()).isEqualTo("upstream 't' failed mid-stream");
  }

  @Test
  void namedEventsOtherThanErrorAreNotChunks() {
    decoder.onEvent(new SseEvent("ping", "{}", ""));
    List<StreamEvent> events = decode(chunk("{\"content\":\"x\"}", "stop"), "[DONE]");

    assertThat(events.getFirst()).isEqualTo(new Started("c1", "m", "t", 5));
  }

  @Test
  void doneBeforeAnyChunkIsAFailure() {
    List<StreamEvent> events = decode("[DONE]");

    assertThat(events).hasSize(1);
    assertThat(((Failed) events.getFirst()).error().message()).isEqualTo("upstream 't' sent [DONE] before any chunk");
  }

  @Test
  void twoObjectsInOneEventAreMalformed() {
    // A server that forgets the blank line between events: two data lines join into one event.
    Failed failed = (Failed) decode("{\"id\":\"c\",\"choices\":[]}\n{\"id\":\"c\",\"choices\":[]}").getLast();

    assertThat(failed.error().type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(failed.error().message()).startsWith("upstream 't' sent a chunk with data after its JSON object");
  }

  @Test
  void nothingAfterTheTerminalIsDecoded() {
    List<StreamEvent> events = decode(chunk("{\"content\":\"x\"}", "stop"), "[DONE]", chunk("{\"content\":\"y\"}"),
        "{\"error\":{\"message\":\"late\"}}");

    assertThat(events).containsExactly(new Started("c1", "m", "t", 5), TextDelta.content("x"),
        new Finished(FinishReason.STOP));
    assertThat(decoder.decoded().sawEnd()).isTrue();
  }
}
