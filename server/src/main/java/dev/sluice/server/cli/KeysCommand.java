package dev.sluice.server.cli;

import dev.sluice.server.config.Accounting;
import dev.sluice.server.guard.BudgetPeriod;
import dev.sluice.server.guard.KeyStore;
import dev.sluice.server.ledger.Database;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;

/**
 * {@code sluice keys create --name N [--budget-usd X] [--budget-period day|month|total] [--rpm N]
 * [--tpm N] [--models a,b]}, {@code sluice keys list} and {@code sluice keys revoke ID}: virtual keys in
 * the configured ledger database ({@code SLUICE_DB_URL}), usable while a gateway runs on it.
 */
public final class KeysCommand {
  private KeysCommand() {}

  /** Runs the command; returns the exit status (0 done, 2 bad usage). */
  public static int run(List<String> args, Accounting accounting, PrintStream out, PrintStream err) throws Exception {
    if (args.isEmpty()) return usage(err, "keys needs a subcommand: create, list or revoke");
    switch (args.getFirst()) {
      case "create" -> {
        String name = null;
        BigDecimal budget = null;
        BudgetPeriod period = BudgetPeriod.MONTH;
        Integer rpm = null;
        Long tpm = null;
        List<String> models = List.of();
        for (int i = 1; i < args.size(); i += 2) {
          String option = args.get(i);
          if (i + 1 >= args.size()) return usage(err, option + " needs a value");
          String value = args.get(i + 1);
          try {
            switch (option) {
              case "--name" -> name = value;
              case "--budget-usd" -> budget = new BigDecimal(value);
              case "--budget-period" -> period = BudgetPeriod.of(value);
              case "--rpm" -> rpm = Integer.valueOf(value);
              case "--tpm" -> tpm = Long.valueOf(value);
              case "--models" -> models = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
              default -> {
                return usage(err, "unknown option '" + option + "' for keys create");
              }
            }
          } catch (NumberFormatException e) {
            return usage(err, option + " needs a number, got '" + value + "'");
          }
        }
        if (name == null || name.isBlank()) return usage(err, "keys create needs --name");
        if (period == null) return usage(err, "--budget-period is day, month or total");
        if (budget != null && budget.signum() < 0 || rpm != null && rpm < 1 || tpm != null && tpm < 1) {
          return usage(err, "budgets and limits must be positive");
        }
        try (Database db = Database.open(accounting)) {
          var created = new KeyStore(db.dataSource()).create(new KeyStore.NewKey(name, budget, period, rpm, tpm, models));
          out.println("Created virtual key " + created.key().id() + " (" + name + ").");
          out.println("Secret (shown once, store it now): " + created.secret());
        }
        return 0;
      }
      case "list" -> {
        try (Database db = Database.open(accounting)) {
          for (var k : new KeyStore(db.dataSource()).list()) {
            out.println(k.id() + "  " + k.name() + "  " + k.hint() + (k.revoked() ? "  revoked" : ""));
          }
        }
        return 0;
      }
      case "revoke" -> {
        if (args.size() != 2) return usage(err, "keys revoke needs one key id");
        try (Database db = Database.open(accounting)) {
          if (!new KeyStore(db.dataSource()).revoke(args.get(1))) {
            err.println("sluice: no active key has the id '" + args.get(1) + "'");
            return 1;
          }
        }
        out.println("Revoked " + args.get(1) + ".");
        return 0;
      }
      default -> {
        return usage(err, "unknown keys subcommand '" + args.getFirst() + "'");
      }
    }
  }

  private static int usage(PrintStream err, String message) {
    err.println("sluice: " + message);
    err.println("usage: sluice keys create --name N [--budget-usd X] [--budget-period day|month|total] [--rpm N] [--tpm N] [--models a,b]");
    err.println("       sluice keys list | sluice keys revoke ID");
    return 2;
  }
}
