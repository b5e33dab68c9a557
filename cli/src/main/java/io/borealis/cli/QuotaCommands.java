package io.borealis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code borealis quota get|set CLUSTER/ROLE}: a role's production quota and what the role consumes
 * (Aurora's {@code aurora quota get} and {@code aurora_admin set_quota}). Sizes are read and
 * written for people ({@code 20GB}, {@code 1.5 GiB}); {@code -o json} prints the scheduler's answer
 * as it is, in MiB.
 */
@Command(
    name = "quota",
    description = "Show or set a role's production quota (tier 'preferred' jobs count against it).",
    subcommands = {QuotaCommands.Get.class, QuotaCommands.Set.class})
final class QuotaCommands extends GroupCommand {

  static final String FORMAT = "CLUSTER/ROLE";

  /** {@code CLUSTER/ROLE} as typed. */
  record RoleArg(String cluster, String role) {
    static RoleArg parse(String text) {
      String[] parts = text.split("/", -1);
      if (parts.length != 2) {
        throw CliException.usage("'" + text + "' is not a role of the form " + FORMAT);
      }
      try {
        JobKeyArg.checkPart("cluster", parts[0], text);
        JobKeyArg.checkPart("role", parts[1], text);
      } catch (IllegalArgumentException e) {
        throw CliException.usage(e.getMessage());
      }
      return new RoleArg(parts[0], parts[1]);
    }

    String path() {
      return "/api/v1/quotas/" + SchedulerClient.segment(role);
    }
  }

  @Command(
      name = "get",
      description = {
        "Show a role's production quota and what the role consumes.",
        "IN USE is what counts against the quota: production tasks on shared hosts."
      })
  static final class Get implements Callable<Integer> {
    private final Context ctx;

    @Mixin Common common;

    @Parameters(paramLabel = FORMAT, description = "The cluster and the role, e.g. local/www-data.")
    String role;

    Get(Context ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      RoleArg arg = RoleArg.parse(role);
      JsonNode quota = ctx.client(arg.cluster(), common).get(arg.path()).body();
      print(ctx, common, quota);
      return 0;
    }
  }

  @Command(
      name = "set",
      description = {
        "Overwrite a role's production quota; every resource must be given.",
        "A quota below what the role's production tasks consume now is refused."
      })
  static final class Set implements Callable<Integer> {
    private final Context ctx;

    @Mixin Common common;

    @Parameters(paramLabel = FORMAT, description = "The cluster and the role, e.g. local/www-data.")
    String role;

    @Option(names = "--cpu", required = true, paramLabel = "CORES", description = "CPU cores.")
    String cpu;

    @Option(
        names = "--ram",
        required = true,
        paramLabel = "SIZE",
        description = "RAM: 512MB, 20GB, 1TB (powers of 1024), or a bare number of MB.")
    String ram;

    @Option(
        names = "--disk",
        required = true,
        paramLabel = "SIZE",
        description = "Disk: 512MB, 100GB, 1TB (powers of 1024), or a bare number of MB.")
    String disk;

    Set(Context ctx) {
      this.ctx = ctx;
    }

    @Override
    public Integer call() {
      RoleArg arg = RoleArg.parse(role);
      ObjectNode body = Json.object();
      // Every bad option at once, as the scheduler lists every bad field.
      java.util.List<String> bad = new java.util.ArrayList<>();
      try {
        body.put("cpu", cores(cpu));
      } catch (CliException e) {
        bad.add(e.getMessage());
      }
      for (String[] option :
          new String[][] {{"--ram", ram, "ram_mb"}, {"--disk", disk, "disk_mb"}}) {
        try {
          body.put(option[2], mebibytes(option[0], option[1]));
        } catch (CliException e) {
          bad.add(e.getMessage());
        }
      }
      if (bad.size() == 1) {
        throw CliException.usage(bad.get(0));
      } else if (!bad.isEmpty()) {
        throw new CliException(
            CliException.USAGE,
            bad.size() + " options are wrong:",
            bad.stream().map(b -> "  " + b).toList());
      }
      JsonNode quota = ctx.client(arg.cluster(), common).put(arg.path(), body).body();
      print(ctx, common, quota);
      return 0;
    }
  }

  /** The quota as a table for people, or as the scheduler's JSON. */
  static void print(Context ctx, Common common, JsonNode quota) {
    if (common.json()) {
      Common.printJson(ctx.out, quota);
      return;
    }
    JsonNode limit = quota.path("quota");
    JsonNode used = quota.path("consumption");
    JsonNode by = quota.path("consumption_by_category");
    Table table = new Table("RESOURCE", "QUOTA", "IN USE", "FREE", "PROD DEDICATED", "NON-PROD");
    for (String[] r : new String[][] {{"cpu", "cpu"}, {"ram", "ram_mb"}, {"disk", "disk_mb"}}) {
      String field = r[1];
      boolean cpu = field.equals("cpu");
      double q = limit.path(field).asDouble();
      double u = used.path(field).asDouble();
      double nonProd =
          by.path("non_prod_shared").path(field).asDouble()
              + by.path("non_prod_dedicated").path(field).asDouble();
      table.row(
          r[0],
          human(cpu, q),
          human(cpu, u),
          human(cpu, Math.max(0, q - u)),
          human(cpu, by.path("prod_dedicated").path(field).asDouble()),
          human(cpu, nonProd));
    }
    ctx.out.println("Production quota of role " + quota.path("role").asText() + ":");
    ctx.out.print(table.render());
  }

  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(?:([KMGT])(?:i?B)?)?", Pattern.CASE_INSENSITIVE);

  /** A size in MiB: {@code 512MB}, {@code 20GB}, {@code 1.5GiB}, {@code 1TB}, or a bare number. */
  static long mebibytes(String option, String text) {
    Matcher m = SIZE.matcher(text.strip());
    if (!m.matches()) {
      throw CliException.usage(
          option + " must be a size such as 512MB, 20GB or 1TB (got '" + text + "')");
    }
    BigDecimal n = new BigDecimal(m.group(1));
    String unit = m.group(2) == null ? "M" : m.group(2).toUpperCase(Locale.ROOT);
    BigDecimal mb =
        switch (unit) {
          case "K" -> n.divide(BigDecimal.valueOf(1024));
          case "G" -> n.multiply(BigDecimal.valueOf(1024));
          case "T" -> n.multiply(BigDecimal.valueOf(1024L * 1024));
          default -> n;
        };
    if (mb.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw CliException.usage(option + " is too large (got '" + text + "')");
    }
    // Round up: a quota of 0.5 MB still allows something.
    return mb.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
  }

  static double cores(String text) {
    try {
      double cpu = Double.parseDouble(text.strip());
      if (!Double.isFinite(cpu) || cpu < 0) {
        throw new NumberFormatException();
      }
      return cpu;
    } catch (NumberFormatException e) {
      throw CliException.usage("--cpu must be a number of cores >= 0 (got '" + text + "')");
    }
  }

  /** {@code 2.5} cores, or {@code 512 MiB}, {@code 20.0 GiB}, {@code 1.0 TiB}. */
  static String human(boolean cpu, double amount) {
    if (cpu) {
      String s = String.format(Locale.ROOT, "%.3f", amount).replaceAll("0+$", "");
      return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
    if (amount < 1024) {
      return String.format(Locale.ROOT, "%d MiB", Math.round(amount));
    }
    if (amount < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f GiB", amount / 1024);
    }
    return String.format(Locale.ROOT, "%.1f TiB", amount / (1024 * 1024));
  }
}
