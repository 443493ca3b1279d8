package dev.sluice.server.cli;

import dev.sluice.provider.Provider;
import dev.sluice.server.SluiceServer;
import dev.sluice.server.config.ConfigException;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.SluiceConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line: {@code serve [--port N] [--host H] [--config FILE]}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
      usage();
      System.exit(args.length == 0 ? 2 : 0);
    }
    switch (args[0]) {
      case "serve" -> serve(List.of(args).subList(1, args.length));
      case "keys" -> keys(List.of(args).subList(1, args.length));
      default -> {
        System.err.println("sluice: unknown command '" + args[0] + "'");
        usage();
        System.exit(2);
      }
    }
  }

  private static void serve(List<String> args) throws Exception {
    Path configFile = null;
    Integer port = null;
    String host = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String value = i + 1 < args.size() ? args.get(i + 1) : null;
      switch (a) {
        case "--port" -> port = portArg(value);
        case "--host" -> host = required(value, a);
        case "--config" -> configFile = Path.of(required(value, a));
        default -> fail("unknown option '" + a + "' for serve");
      }
      i++;
    }
    SluiceConfig config;
    try {
      config = ConfigLoader.load(configFile, System.getenv());
    } catch (ConfigException e) {
      fail("configuration error: " + e.getMessage());
      return;
    }
    var b = config.toBuilder();
    if (port != null) b.port(port);
    if (host != null) b.host(host);
    config = b.build();
    var server = SluiceServer.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (Exception e) {
        System.err.println("sluice: error while stopping: " + e);
      }
    }, "sluice-shutdown"));
    var live = new ArrayList<String>();
    for (Provider p : server.router().providers()) live.add(p.name());
    System.out.println("Sluice is listening on " + server.baseUri());
    System.out.println("  chat page:     " + server.baseUri());
    System.out.println("  OpenAI API:    " + server.baseUri() + "v1/chat/completions");
    System.out.println("  Anthropic API: " + server.baseUri() + "v1/messages");
    System.out.println("  metrics:       " + server.baseUri() + "metrics"
        + (server.telemetry().tracingEnabled() ? "   (traces: OTLP)" : ""));
    var missing = new ArrayList<String>();
    if (config.openAiApiKey() == null) missing.add("OPENAI_API_KEY");
    if (config.anthropicApiKey() == null) missing.add("ANTHROPIC_API_KEY");
    System.out.println("  providers:     " + String.join(", ", live)
        + (missing.isEmpty() ? "" : "   (set " + String.join(" or ", missing) + " to enable more)"));
    System.out.println("  auth:          " + (config.accounting().requireAuth() ? "virtual keys required"
        : "virtual keys required once one exists (create one: ./sluice keys create --name NAME)"));
    System.out.println("  ledger:        " + config.accounting().dbUrl().replaceAll("(?i)password=[^&;]*", "password=***"));
    server.join();
  }

  private static void keys(List<String> args) throws Exception {
    SluiceConfig config;
    try {
      config = ConfigLoader.load(null, System.getenv());
    } catch (ConfigException e) {
      fail("configuration error: " + e.getMessage());
      return;
    }
    int status = KeysCommand.run(args, config.accounting(), System.out, System.err);
    if (status != 0) System.exit(status);
  }

  private static int portArg(String value) {
    try {
      int p = Integer.parseInt(required(value, "--port"));
      if (p >= 0 && p <= 65535) return p;
    } catch (NumberFormatException e) {
      // Reported below.
    }
    fail("--port needs a number from 0 to 65535");
    return -1;
  }

  private static String required(String value, String option) {
    if (value == null) fail(option + " needs a value");
    return value;
  }

  private static void fail(String message) {
    System.err.println("sluice: " + message);
    System.exit(2);
  }

  private static void usage() {
    System.err.println("""
        usage: sluice serve [--port N] [--host H] [--config FILE]
          serve   start the gateway (port: --port, else SLUICE_PORT, else 8080; host: 127.0.0.1)
        usage: sluice keys create --name N [--budget-usd X] [--budget-period day|month|total] [--rpm N] [--tpm N] [--models a,b]
          keys    create, list or revoke virtual keys in the ledger database (SLUICE_DB_URL)""");
  }
}
