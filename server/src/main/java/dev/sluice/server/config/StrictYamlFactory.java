package dev.sluice.server.config;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLAnchorReplayingParser;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayDeque;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Jackson's YAML parser as {@code sluice.yaml} needs it, close to the YAML 1.2 loader it replaces:
 * an alias ({@code *quick}) repeats its anchored node (Jackson's own parser gives the anchor's name
 * as a string); {@code yes}, {@code no}, {@code on} and {@code off} are words, only {@code true} and
 * {@code false} booleans; a duplicate key is an error; an empty file is an empty mapping; and a null
 * ({@code ~}, {@code null}) anywhere but as the whole document is an error, as no key means
 * anything when null and reading one as absent would hide a value that was meant to be there.
 */
final class StrictYamlFactory extends YAMLFactory {
  private static final long serialVersionUID = 1L;

  StrictYamlFactory() {
    super(YAMLFactory.builder()
        .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
        .enable(YAMLParser.Feature.EMPTY_DOCUMENT_AS_EMPTY_OBJECT)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION));
  }

  @Override
  protected YAMLParser _createParser(Reader r, IOContext ctxt) throws IOException {
    return new NoNullsParser(ctxt, _parserFeatures, _yamlParserFeatures, _loaderOptions, _objectCodec, r);
  }

  /** A key or list item whose value is null; the message starts with its path. */
  static final class NullValue extends JsonParseException {
    private static final long serialVersionUID = 1L;

    NullValue(JsonParser parser) {
      super(parser, path(parser.getParsingContext()) + ": no value; give it one or leave the key out");
    }

    /** {@code models.fast.fallbacks[1]}, as the reader's binding errors name it. */
    private static String path(JsonStreamContext context) {
      var parts = new ArrayDeque<String>();
      for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
        parts.push(c.inArray() ? "[" + c.getCurrentIndex() + "]" : "." + c.getCurrentName());
      }
      String path = String.join("", parts);
      return path.startsWith(".") ? path.substring(1) : path;
    }
  }

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
