package dev.sluice.server.cli;

import dev.sluice.server.config.Accounting;
import dev.sluice.server.guard.BudgetPeriod;
import dev.sluice.server.guard.KeyStore;
import dev.sluice.server.ledger.Database;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code sluice keys create|list|revoke}: virtual keys in the configured ledger database
 * ({@code SLUICE_DB_URL}), usable while a gateway runs on it.
 */
@Command(name = "keys", description = "Create, list or revoke virtual keys in the ledger database (SLUICE_DB_URL).",
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
public final class KeysCommand {
  private final Supplier<Accounting> accounting;

  KeysCommand(Supplier<Accounting> accounting) {
    this.accounting = accounting;
  }

  /**
   * Runs {@code sluice keys ARGS} on the ledger {@code accounting} names, printing to {@code out} and
   * {@code err}; returns the exit status (0 done, 1 no such key, 2 bad usage).
   */
  public static int run(List<String> args, Accounting accounting, PrintStream out, PrintStream err) {
    CommandLine cli = Main.commandLine(Map.of(), () -> accounting);
    cli.setOut(new PrintWriter(out, true, out.charset()));
    cli.setErr(new PrintWriter(err, true, err.charset()));
    return cli.execute(Stream.concat(Stream.of("keys"), args.stream()).toArray(String[]::new));
  }

  private Database open() {
    return Database.open(accounting.get());
  }

  @Command(name = "create", description = "Make a virtual key and print its secret, which is shown this once.",
      sortOptions = false, sortSynopsis = false)
  static final class Create implements Callable<Integer> {
    @ParentCommand KeysCommand keys;
    @Spec CommandSpec spec;

    @Option(names = "--name", required = true, paramLabel = "N", description = "What the key is for (shown in lists and usage).")
    String name;

    @Option(names = "--budget-usd", paramLabel = "X", description = "The most it may spend per period, in USD (default: no budget).")
    BigDecimal budget;

    @Option(names = "--budget-period", paramLabel = "day|month|total", defaultValue = "month", converter = PeriodConverter.class,
        description = "The period the budget covers: each UTC day, each UTC month, or the key's life (default: month).")
    BudgetPeriod period;

    @Option(names = "--rpm", paramLabel = "N", description = "Requests per minute (default: no limit).")
    Integer rpm;

    @Option(names = "--tpm", paramLabel = "N", description = "Tokens per minute (default: no limit).")
    Long tpm;

    @Option(names = "--models", paramLabel = "a,b", split = ",", description = "The models it may call (default: all).")
    List<String> models = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      if (name.isBlank()) throw new ParameterException(spec.commandLine(), "--name must not be blank");
      if (budget != null && budget.signum() < 0 || rpm != null && rpm < 1 || tpm != null && tpm < 1) {
        throw new ParameterException(spec.commandLine(), "budgets and limits must be positive");
      }
      List<String> allowed = models.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
      try (Database db = keys.open()) {
        var created = new KeyStore(db.dataSource()).create(new KeyStore.NewKey(name, budget, period, rpm, tpm, allowed));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Created virtual key " + created.key().id() + " (" + name + ").");
        out.println("Secret (shown once, store it now): " + created.secret());
      }
      return 0;
    }
  }

  @Command(name = "list", description = "List the keys: id, name, the secret's last characters, and whether revoked.")
  static final class ListKeys implements Callable<Integer> {
    @ParentCommand KeysCommand keys;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      try (Database db = keys.open()) {
        for (var k : new KeyStore(db.dataSource()).list()) {
          spec.commandLine().getOut().println(k.id() + "  " + k.name() + "  " + k.hint() + (k.revoked() ? "  revoked" : ""));
        }
      }
      return 0;
    }
  }

  @Command(name = "revoke", description = "Revoke a key: calls with it are refused from then on.")
  static final class Revoke implements Callable<Integer> {
    @ParentCommand KeysCommand keys;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The key's id (key_...), as create and list print it.")
    String id;

    @Override
    public Integer call() throws Exception {
      try (Database db = keys.open()) {
        if (!new KeyStore(db.dataSource()).revoke(id)) {
          spec.commandLine().getErr().println("sluice: no active key has the id '" + id + "'");
          return 1;
        }
      }
      spec.commandLine().getOut().println("Revoked " + id + ".");
      return 0;
    }
  }

  /** {@code day}, {@code month} or {@code total}, as the admin API spells them. */
  static final class PeriodConverter implements ITypeConverter<BudgetPeriod> {
    @Override
    public BudgetPeriod convert(String value) {
      BudgetPeriod period = BudgetPeriod.of(value);
      if (period == null) throw new TypeConversionException("'" + value + "' is not day, month or total");
      return period;
    }
  }
}
