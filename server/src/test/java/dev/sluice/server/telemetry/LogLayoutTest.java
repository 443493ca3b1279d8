package dev.sluice.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The log format: one JSON object per line with the event's key-value pairs as fields, or a readable line. */
class LogLayoutTest {
  // The test JVM's own context: events need its MDC adapter.
  private final LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();

  private LoggingEvent accessEvent() {
    var event = new LoggingEvent("test", context.getLogger("sluice.access"), Level.INFO, "access", null, null);
    event.setThreadName("sluice-req-7");
    event.setKeyValuePairs(List.of(new KeyValuePair("request_id", "req_1"), new KeyValuePair("key_id", null),
        new KeyValuePair("status", 200), new KeyValuePair("ttft_ms", 12L), new KeyValuePair("tokens_estimated", true),
        new KeyValuePair("model", "a \"quoted\"\nname")));
    return event;
  }

  private LogLayout layout(String format) {
    var layout = new LogLayout();
    layout.setContext(context);
    layout.setFormat(format);
    layout.start();
    return layout;
  }

  @Test
  void writesOneJsonObjectPerLineWithTypedFields() throws Exception {
    String line = layout("json").doLayout(accessEvent());
    assertThat(line).endsWith("\n");
    assertThat(line.strip()).doesNotContain("\n");
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.get("level").asText()).isEqualTo("INFO");
    assertThat(json.get("logger").asText()).isEqualTo("sluice.access");
    assertThat(json.get("thread").asText()).isEqualTo("sluice-req-7");
    assertThat(json.get("msg").asText()).isEqualTo("access");
    assertThat(json.get("ts").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(json.get("request_id").asText()).isEqualTo("req_1");
    assertThat(json.get("key_id").isNull()).isTrue();
    assertThat(json.get("status").isInt()).isTrue();
    assertThat(json.get("ttft_ms").asLong()).isEqualTo(12);
    assertThat(json.get("tokens_estimated").asBoolean()).isTrue();
    assertThat(json.get("model").asText()).isEqualTo("a \"quoted\"\nname");
  }

  @Test
  void writesAnExceptionAsOneEscapedField() throws Exception {
    var event = new LoggingEvent("test", context.getLogger("x"), Level.ERROR, "failed", new IllegalStateException("boom"), null);
    JsonNode json = new ObjectMapper().readTree(layout("json").doLayout(event));
    assertThat(json.get("error").asText()).startsWith("java.lang.IllegalStateException: boom").contains("\tat ");
  }

  @Test
  void writesAReadableLineInTextFormat() {
    String line = layout("text").doLayout(accessEvent());
    assertThat(line).contains("INFO").contains("sluice.access").contains("access").contains("request_id=\"req_1\"")
        .contains("status=\"200\"");
    assertThat(line.trim()).doesNotStartWith("{");
  }

  @Test
  void autoWritesJsonWhenOutputIsNotATerminal() {
    var console = System.console();
    boolean terminal = console != null && console.isTerminal();
    assertThat(layout("auto").json()).isEqualTo(!terminal);
  }
}
