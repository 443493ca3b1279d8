package dev.sluice.server.telemetry;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * Sluice's log format: one JSON object per line for machines, or a readable line on a terminal.
 * {@code format} is {@code json}, {@code text} or {@code auto} (the default: text when standard
 * output is a terminal, JSON otherwise); {@code SLUICE_LOG_FORMAT} sets it in {@code logback.xml}.
 *
 * <p>JSON fields: {@code ts} (ISO-8601), {@code level}, {@code logger}, {@code thread}, {@code msg},
 * then the event's key-value pairs (the access line's fields) and MDC entries as top-level fields,
 * and {@code error} with the stack trace when there is one. Written with Jackson's streaming
 * generator (already on the classpath) rather than a logstash encoder: the format is a dozen lines,
 * fully under our control, and adds no dependency.
 */
public final class LogLayout extends LayoutBase<ILoggingEvent> {
  private static final JsonFactory JSON = new JsonFactory();

  private String format = "auto";
  private String pattern = "%d{HH:mm:ss.SSS} %-5level %logger{20} %msg %kvp%n";
  private PatternLayout text;

  public void setFormat(String format) {
    this.format = format;
  }

  public void setPattern(String pattern) {
    this.pattern = pattern;
  }

  /** Whether this layout writes JSON (decided at start). */
  public boolean json() {
    return text == null;
  }

  @Override
  public void start() {
    String chosen = format == null ? "auto" : format.trim().toLowerCase(Locale.ROOT);
    boolean useText = switch (chosen) {
      case "text" -> true;
      case "json" -> false;
      default -> {
        var console = System.console();
        yield console != null && console.isTerminal();
      }
    };
    if (useText) {
      text = new PatternLayout();
      text.setContext(getContext());
      text.setPattern(pattern);
      text.start();
    }
    super.start();
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    if (text != null) return text.doLayout(event);
    var out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("ts", Instant.ofEpochMilli(event.getTimeStamp()).toString());
      g.writeStringField("level", event.getLevel().toString());
      g.writeStringField("logger", event.getLoggerName());
      g.writeStringField("thread", event.getThreadName());
      g.writeStringField("msg", event.getFormattedMessage());
      if (event.getKeyValuePairs() != null) {
        for (KeyValuePair kv : event.getKeyValuePairs()) field(g, kv.key, kv.value);
      }
      for (Map.Entry<String, String> e : event.getMDCPropertyMap().entrySet()) g.writeStringField(e.getKey(), e.getValue());
      IThrowableProxy thrown = event.getThrowableProxy();
      if (thrown != null) g.writeStringField("error", ThrowableProxyUtil.asString(thrown));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.append(CoreConstants.LINE_SEPARATOR).toString();
  }

  private static void field(JsonGenerator g, String key, Object value) throws IOException {
    switch (value) {
      case null -> g.writeNullField(key);
      case Integer i -> g.writeNumberField(key, i);
      case Long l -> g.writeNumberField(key, l);
      case Double d -> g.writeNumberField(key, d);
      case Boolean b -> g.writeBooleanField(key, b);
      default -> g.writeStringField(key, value.toString());
    }
  }

  @Override
  public void stop() {
    if (text != null) text.stop();
    super.stop();
  }
}
