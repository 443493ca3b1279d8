package dev.sluice.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * Reads {@code sluice.yaml} into a {@link ConfigFile} with Jackson, strictly: an unknown key, a value
 * of the wrong type (nothing is coerced: {@code "8080"} is not a number, {@code 5} not a string), an
 * empty value, a duplicate key or a second document is an error naming the key's path
 * ({@code models.fast.timeouts.idle}, {@code providers[0].base_url}). The YAML itself is read by
 * {@link StrictYamlFactory}.
 */
final class ConfigFileReader {
  private static final ObjectReader READER = YAMLMapper.builder(new StrictYamlFactory())
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .withCoercionConfig(LogicalType.Textual, strings -> strings.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .addModule(new SimpleModule("sluice-durations").addDeserializer(Duration.class, new DurationDeserializer()))
      .build()
      .readerFor(ConfigFile.class);

  private ConfigFileReader() {}

  /** The file's settings; a {@link ConfigException} starting with the file's name if it cannot be used. */
  static ConfigFile read(Path file) {
    try (Reader in = Files.newBufferedReader(file); JsonParser parser = READER.createParser(in)) {
      ConfigFile config = READER.readValue(parser);
      if (parser.nextToken() != null) throw new ConfigException(file + " is not valid YAML: expected a single document");
      return config == null ? new ConfigFile(null, null, null, null, null, null, null, null, null, null) : config;
    } catch (JacksonException e) {
      throw new ConfigException(file + describe(e));
    } catch (NoSuchFileException e) {
      throw new ConfigException("cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** What follows the file's name: {@code : path: what is wrong}, or {@code  is not valid YAML: ...}. */
  private static String describe(JacksonException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StrictYamlFactory.NullValue n) return ": " + n.getOriginalMessage();
    }
    if (!(e instanceof JsonMappingException binding)) return " is not valid YAML: " + e.getOriginalMessage();
    List<JsonMappingException.Reference> refs = binding.getPath();
    if (binding instanceof UnrecognizedPropertyException u) {
      String where = path(refs.subList(0, refs.size() - 1));
      var known = u.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
      String problem = "unknown key '" + u.getPropertyName() + "'; known keys: " + known;
      return ": " + (where.isEmpty() ? problem : where + ": " + problem);
    }
    String where = path(refs);
    return ": " + (where.isEmpty() ? "the top level" : where) + ": " + problem(binding);
  }

  private static String problem(JsonMappingException e) {
    if (e instanceof BadValue) return e.getOriginalMessage();
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) return expected(m.getTargetType());
    // A problem Jackson found below the binding (a number out of range): its own words.
    return e.getCause() instanceof JacksonException cause ? cause.getOriginalMessage() : e.getOriginalMessage();
  }

  private static String expected(Class<?> type) {
    if (type == Duration.class) return "expected a duration such as 500ms, 30s or 10m";
    if (type == Integer.class || type == Long.class || type == int.class || type == long.class) return "expected a whole number";
    if (Number.class.isAssignableFrom(type) || type == double.class) return "expected a number";
    if (type == Boolean.class || type == boolean.class) return "expected true or false";
    if (type == String.class) return "expected a string";
    if (Collection.class.isAssignableFrom(type)) return "expected a list";
    return "expected a mapping";
  }

  /** {@code models.fast.fallbacks[0]}: map keys and record components dotted, list positions in brackets. */
  private static String path(List<JsonMappingException.Reference> refs) {
    var out = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        if (!out.isEmpty()) out.append('.');
        out.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        out.append('[').append(r.getIndex()).append(']');
      }
    }
    return out.toString();
  }

  /** A value of the right YAML type that still cannot be used; its message says why, without the path. */
  private static final class BadValue extends JsonMappingException {
    private static final long serialVersionUID = 1L;

    BadValue(JsonParser parser, String message) {
      super(parser, message);
    }
  }

  /** {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}: see {@link Durations}. */
  private static final class DurationDeserializer extends StdScalarDeserializer<Duration> {
    private static final long serialVersionUID = 1L;

    DurationDeserializer() {
      super(Duration.class);
    }

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (!p.hasToken(JsonToken.VALUE_STRING)) return (Duration) ctxt.handleUnexpectedToken(Duration.class, p);
      try {
        return Durations.parse(p.getText());
      } catch (IllegalArgumentException e) {
        throw new BadValue(p, e.getMessage());
      }
    }
  }
}
