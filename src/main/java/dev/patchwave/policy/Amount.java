package dev.patchwave.policy;

/** A host count ({@code 3}) or a percentage ({@code 25%}) of the selected hosts. */
public record Amount(int value, boolean percent) {

  public static Amount count(int n) {
    return new Amount(n, false);
  }

  public static Amount percent(int p) {
    return new Amount(p, true);
  }

  /** The percentage of {@code total}, rounded up (wave sizes: never fewer hosts than asked). */
  public int ofTotalRoundedUp(int total) {
    return percent ? (int) ((total * (long) value + 99) / 100) : value;
  }

  /**
   * The percentage of {@code total}, rounded down but at least one (disruption budgets: never more
   * down than asked, but progress stays possible).
   */
  public int ofTotalRoundedDownAtLeastOne(int total) {
    return percent ? Math.max(1, (int) (total * (long) value / 100)) : value;
  }

  @Override
  public String toString() {
    return percent ? value + "%" : Integer.toString(value);
  }
}
