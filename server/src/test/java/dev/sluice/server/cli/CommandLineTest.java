package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.config.SluiceConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line in process: what each command prints, and its exit status. */
class CommandLineTest {
  @TempDir Path dir;

  private record Run(int status, String out, String err) {}

  private static Run run(Map<String, String> env, String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    CommandLine cli = Main.commandLine(env);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int status = cli.execute(args);
    return new Run(status, out.toString(), err.toString());
  }

  private Map<String, String> ledger() {
    return Map.of("SLUICE_DB_URL", "jdbc:sqlite:" + dir.resolve("ledger.db"));
  }

  @Test
  void noCommandIsAUsageErrorThatListsTheCommands() {
    Run r = run(Map.of());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("sluice: Missing required subcommand").contains("serve").contains("keys").contains("completion");
  }

  @Test
  void helpListsTheCommandsAndEachCommandsOptions() {
    Run top = run(Map.of(), "--help");
    assertThat(top.status()).isZero();
    assertThat(top.out()).contains("serve").contains("keys").contains("completion").contains("sluice.yaml");
    Run serve = run(Map.of(), "help", "serve");
    assertThat(serve.status()).isZero();
    assertThat(serve.out()).contains("--port=N").contains("--host=H").contains("--config=FILE").contains("SLUICE_PORT");
    Run create = run(Map.of(), "keys", "create", "--help");
    assertThat(create.status()).isZero();
    assertThat(create.out()).contains("--budget-period=day|month|total").contains("--models=a,b");
  }

  @Test
  void unknownOptionIsAnErrorThatNamesItAndTheNearestOne() {
    Run r = run(Map.of(), "serve", "--prot", "9090");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("'--prot'").contains("--port").contains("Try 'sluice serve --help'");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void unknownCommandIsAnErrorThatSuggestsTheNearestOne() {
    Run r = run(Map.of(), "serv");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("'serv'").contains("serve");
  }

  @Test
  void aPortOutOfRangeIsAnErrorThatNamesTheOption() {
    Run r = run(Map.of(), "serve", "--port", "70000");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("--port").contains("'70000' is not a port number (0-65535)");
    assertThat(run(Map.of(), "serve", "--port").err()).contains("--port");
  }

  @Test
  void flagsWinOverTheEnvironmentWhichWinsOverTheFile() throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "sim: { tokens_per_second: 5 }\n");
    Map<String, String> env = Map.of("SLUICE_PORT", "7000", "SLUICE_HOST", "127.0.0.2");
    CommandLine cli = Main.commandLine(env);
    cli.parseArgs("serve", "--port", "9000", "--config", file.toString());
    SluiceConfig flagged = cli.getSubcommands().get("serve").<ServeCommand>getCommand().config();
    assertThat(flagged.port()).isEqualTo(9000);
    assertThat(flagged.host()).isEqualTo("127.0.0.2");
    assertThat(flagged.sim().tokensPerSecond()).isEqualTo(5);

    CommandLine repeated = Main.commandLine(env);
    repeated.parseArgs("serve", "--host", "127.0.0.3", "--host", "127.0.0.4");
    SluiceConfig last = repeated.getSubcommands().get("serve").<ServeCommand>getCommand().config();
    assertThat(last.host()).isEqualTo("127.0.0.4");
    assertThat(last.port()).isEqualTo(7000);
  }

  @Test
  void aConfigurationErrorExitsTwoAndNamesTheKey() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "retry: { attempt: 3 }\n");
    Run r = run(Map.of(), "serve", "--config", file.toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).startsWith("sluice: configuration error: " + file + ": retry: unknown key 'attempt'");
    Run keys = run(Map.of("SLUICE_DB_URL", "jdbc:mysql://db/sluice"), "keys", "list");
    assertThat(keys.status()).isEqualTo(2);
    assertThat(keys.err()).contains("configuration error: SLUICE_DB_URL");
  }

  @Test
  void keysCreatePrintsTheSecretOnce() {
    Run created = run(ledger(), "keys", "create", "--name", "team-a", "--budget-usd", "25", "--budget-period", "day",
        "--rpm", "60", "--tpm", "100000", "--models", "sim/echo, sim/chat");
    assertThat(created.status()).as(created.err()).isZero();
    Matcher secret = Pattern.compile("Secret \\(shown once, store it now\\): (\\S+)").matcher(created.out());
    assertThat(secret.find()).as(created.out()).isTrue();
    assertThat(created.out().split(Pattern.quote(secret.group(1)), -1)).hasSize(2);
    Matcher id = Pattern.compile("Created virtual key (\\S+) \\(team-a\\)\\.").matcher(created.out());
    assertThat(id.find()).isTrue();

    Run listed = run(ledger(), "keys", "list");
    assertThat(listed.status()).isZero();
    assertThat(listed.out()).contains(id.group(1) + "  team-a").doesNotContain(secret.group(1)).doesNotContain("revoked");
  }

  @Test
  void keysRevokeEndsAKeyAndAnUnknownIdExitsOne() {
    Run created = run(ledger(), "keys", "create", "--name", "short-lived");
    Matcher id = Pattern.compile("Created virtual key (\\S+) ").matcher(created.out());
    assertThat(id.find()).as(created.out() + created.err()).isTrue();

    Run revoked = run(ledger(), "keys", "revoke", id.group(1));
    assertThat(revoked.status()).isZero();
    assertThat(revoked.out()).contains("Revoked " + id.group(1) + ".");
    assertThat(run(ledger(), "keys", "list").out()).contains(id.group(1) + "  short-lived").contains("revoked");

    Run again = run(ledger(), "keys", "revoke", id.group(1));
    assertThat(again.status()).isEqualTo(1);
    assertThat(again.err()).contains("sluice: no active key has the id '" + id.group(1) + "'");
    assertThat(run(ledger(), "keys", "revoke").err()).contains("ID");
  }

  @Test
  void keysCreateRefusesAMissingNameABadPeriodAndNonPositiveLimits() {
    Run unnamed = run(ledger(), "keys", "create", "--rpm", "5");
    assertThat(unnamed.status()).isEqualTo(2);
    assertThat(unnamed.err()).contains("--name");
    Run period = run(ledger(), "keys", "create", "--name", "x", "--budget-period", "week");
    assertThat(period.status()).isEqualTo(2);
    assertThat(period.err()).contains("--budget-period").contains("'week' is not day, month or total");
    Run limit = run(ledger(), "keys", "create", "--name", "x", "--rpm", "0");
    assertThat(limit.status()).isEqualTo(2);
    assertThat(limit.err()).contains("budgets and limits must be positive");
    Run budget = run(ledger(), "keys", "create", "--name", "x", "--budget-usd", "lots");
    assertThat(budget.status()).isEqualTo(2);
    assertThat(budget.err()).contains("--budget-usd").contains("lots");
    assertThat(run(ledger(), "keys", "list").out()).isEmpty();
  }

  @Test
  void keysWithoutASubcommandListsThem() {
    Run r = run(ledger(), "keys");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("create").contains("list").contains("revoke");
  }

  @Test
  void completionPrintsABashScriptForEveryCommandAndOption() {
    Run r = run(Map.of(), "completion");
    assertThat(r.status()).isZero();
    assertThat(r.out()).contains("complete -F").contains("sluice").contains("serve").contains("keys").contains("revoke")
        .contains("--port").contains("--budget-usd");
  }

  @Test
  void versionNamesTheProgram() {
    Run r = run(Map.of(), "--version");
    assertThat(r.status()).isZero();
    assertThat(r.out()).startsWith("sluice ");
  }
}
