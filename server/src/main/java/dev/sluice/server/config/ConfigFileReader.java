package dev.sluice.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.IOContext;
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
import com.fasterxml.jackson.dataformat.yaml.YAMLAnchorReplayingParser;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads {@code sluice.yaml} into a {@link ConfigFile} with Jackson, strictly: an unknown key, a value
 * of the wrong type, an empty value, a duplicate key or a second document is an error naming the
 * key's path ({@code models.fast.timeouts.idle}, {@code providers[0].base_url}). Scalars keep their
 * YAML 1.2 types ({@code yes} is a string, {@code "8080"} is not a number) and aliases of anchored
 * nodes are expanded, as the YAML 1.2 loader this replaces did.
 */
final class ConfigFileReader {
  private static final ObjectReader READER = YAMLMapper.builder(new AnchorExpandingYamlFactory())
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
      if (t instanceof NullValue n) return ": " + n.getOriginalMessage();
    }
    if (!(e instanceof JsonMappingException binding)) return " is not valid YAML: " + e.getOriginalMessage();
    List<JsonMappingException.Reference> refs = binding.getPath();
    if (binding instanceof UnrecognizedPropertyException u) {
      String where = path(refs.subList(0, refs.size() - 1));
      String problem = "unknown key '" + u.getPropertyName() + "'; known keys: " + u.getKnownPropertyIds();
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

  /** The same path as the parser sees it, for a problem found while reading rather than binding. */
  private static String path(JsonStreamContext context) {
    var parts = new ArrayDeque<String>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      parts.push(c.inArray() ? "[" + c.getCurrentIndex() + "]" : "." + c.getCurrentName());
    }
    String path = String.join("", parts);
    return path.startsWith(".") ? path.substring(1) : path;
  }

  /** A key or list item written with no value ({@code timeouts:} alone, {@code ~}, {@code null}). */
  private static final class NullValue extends JsonParseException {
    private static final long serialVersionUID = 1L;

    NullValue(JsonParser parser) {
      super(parser, path(parser.getParsingContext()) + ": no value; give it one or leave the key out");
    }
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

  /**
   * Jackson's YAML parser reports an alias ({@code *base}) as the anchor's name; this one replays the
   * anchored node instead. It is YAML 1.2 about words: {@code yes}, {@code no}, {@code on} and
   * {@code off} are strings, only {@code true} and {@code false} booleans. An empty file reads as an
   * empty mapping.
   */
  private static final class AnchorExpandingYamlFactory extends YAMLFactory {
    private static final long serialVersionUID = 1L;

    AnchorExpandingYamlFactory() {
      super(YAMLFactory.builder()
          .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
          .enable(YAMLParser.Feature.EMPTY_DOCUMENT_AS_EMPTY_OBJECT)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION));
    }

    @Override
    protected YAMLParser _createParser(Reader r, IOContext ctxt) throws IOException {
      return new NoNullsParser(ctxt, _parserFeatures, _yamlParserFeatures, _loaderOptions, _objectCodec, r);
    }
  }

  /**
   * Refuses a null anywhere but as the whole document: no key of the file means anything when
   * empty, and reading one as "absent" would hide a value that was meant to be there.
   */
  private static final class NoNullsParser extends YAMLAnchorReplayingParser {
    NoNullsParser(IOContext ctxt, int parserFeatures, int formatFeatures, LoaderOptions loaderOptions, ObjectCodec codec,
        Reader reader) {
      super(ctxt, parserFeatures, formatFeatures, loaderOptions, codec, reader);
    }

    @Override
    public JsonToken nextToken() throws IOException {
      JsonToken token = super.nextToken();
      if (token == JsonToken.VALUE_NULL && !getParsingContext().inRoot()) throw new NullValue(this);
      return token;
    }
  }
}
