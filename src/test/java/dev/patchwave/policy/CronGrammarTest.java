package dev.patchwave.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quartz.CronExpression;

/**
 * The policy reader checks cron expressions without Quartz (the core imports no framework); here
 * its grammar is held to Quartz's own parser, which runs the schedules.
 */
class CronGrammarTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0 0 3 ? * MON-FRI",
        "0 0 3 ? * *",
        "0 */2 * * * ?",
        "* * * ? * *",
        "0 15 10 ? * 6L",
        "0 15 10 ? * 6#3",
        "0 0 12 1/5 * ?",
        "0 11 11 11 11 ?",
        "0 0 3 L * ?",
        "0 0 3 LW * ?",
        "0 0 3 15W * ?",
        "0 0 3 L-2 * ?",
        "0 0/30 8-17 ? * MON,WED,FRI",
        "0 0 3 ? JAN-MAR SUN 2027",
        "0 0 3 ? * 1-5 2027-2030",
        "59 59 23 31 12 ? 2199",
      })
  void validExpressionsAreValidForQuartzToo(String expression) {
    assertThat(CronGrammar.problem(expression)).as(expression).isEmpty();
    assertThat(CronExpression.isValidExpression(expression)).as(expression).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0 3 * * *",
        "0 0 3 * * MON",
        "0 0 3 ? * ?",
        "60 0 3 ? * *",
        "0 60 3 ? * *",
        "0 0 24 ? * *",
        "0 0 3 32 * ?",
        "0 0 3 0 * ?",
        "0 0 3 ? 13 *",
        "0 0 3 ? * 8",
        "0 0 3 ? * FOO",
        "0 0 3 ? XYZ *",
        "0 0 3 ? * MON-",
        "0 0 3 ? * MON#6",
        "0 0 3 ? * * 2027 1",
        "? 0 3 1 * ?",
        "0 0 3 ? * ;rm",
        "",
      })
  void invalidExpressionsAreRefusedByBoth(String expression) {
    assertThat(CronGrammar.problem(expression)).as(expression).isPresent();
    assertThat(CronExpression.isValidExpression(expression)).as(expression).isFalse();
  }

  @Test
  void theProblemSaysWhichFieldAndWhy() {
    assertThat(CronGrammar.problem("0 0 25 ? * *"))
        .hasValueSatisfying(p -> assertThat(p).startsWith("hours field '25'").contains("0-23"));
    assertThat(CronGrammar.problem("0 0 3 ? * FRY"))
        .hasValueSatisfying(p -> assertThat(p).contains("day-of-week").contains("SUN-SAT"));
  }
}
