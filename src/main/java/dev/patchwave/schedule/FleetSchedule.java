package dev.patchwave.schedule;

import dev.patchwave.policy.RolloutPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import org.jboss.logging.Logger;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.SimpleTrigger;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.matchers.GroupMatcher;

/**
 * The fleet's clock in Quartz: the periodic scan of every host, and one cron trigger per policy
 * with a {@code trigger}. Both live in the clustered JDBC job store, so each fires once, on the
 * leader (followers keep their scheduler on standby). A schedule missed while no controller ran is
 * not made up: the next one fires as planned.
 */
@ApplicationScoped
public class FleetSchedule {

  private static final Logger LOG = Logger.getLogger(FleetSchedule.class);
  static final String GROUP = "fleet";
  static final String POLICY_GROUP = "policy-trigger";
  private static final JobKey SCAN = JobKey.jobKey("scan", GROUP);
  private static final TriggerKey SCAN_TRIGGER = TriggerKey.triggerKey("scan", GROUP);

  /** Who acts when the schedule fires (the engine side); must return quickly. */
  public interface Handler {
    /** Time to scan every host. */
    void scanFleet();

    /** {@code policy}'s trigger fired. */
    void policyTriggered(String policy);
  }

  private final Scheduler quartz;

  public FleetSchedule(Scheduler quartz) {
    this.quartz = quartz;
  }

  /** Scans every {@code interval}, the first in {@code firstIn}; an unchanged interval stays. */
  public void scanEvery(Duration interval, Duration firstIn) {
    try {
      Trigger existing = quartz.getTrigger(SCAN_TRIGGER);
      if (existing instanceof SimpleTrigger t && t.getRepeatInterval() == interval.toMillis()) {
        return;
      }
      Trigger trigger =
          TriggerBuilder.newTrigger()
              .withIdentity(SCAN_TRIGGER)
              .forJob(SCAN)
              .startAt(Date.from(Instant.now().plus(firstIn)))
              .withSchedule(
                  SimpleScheduleBuilder.simpleSchedule()
                      .withIntervalInMilliseconds(interval.toMillis())
                      .repeatForever()
                      .withMisfireHandlingInstructionNextWithRemainingCount())
              .build();
      if (!quartz.checkExists(SCAN)) {
        quartz.scheduleJob(
            JobBuilder.newJob(ScanJob.class).withIdentity(SCAN).storeDurably().build(), trigger);
      } else if (existing != null) {
        quartz.rescheduleJob(SCAN_TRIGGER, trigger);
      } else {
        quartz.scheduleJob(trigger);
      }
    } catch (SchedulerException e) {
      LOG.errorf("cannot schedule the fleet scan: %s", e.getMessage());
    }
  }

  /** No periodic scans. */
  public void noScans() {
    try {
      quartz.unscheduleJob(SCAN_TRIGGER);
    } catch (SchedulerException e) {
      LOG.errorf("cannot unschedule the fleet scan: %s", e.getMessage());
    }
  }

  /**
   * Makes the policy triggers match {@code triggers} (policy name to its trigger): adds new ones,
   * replaces changed ones, removes the others. Unchanged triggers keep their next fire time.
   */
  public void syncPolicyTriggers(Map<String, RolloutPolicy.Trigger> triggers) {
    try {
      Set<TriggerKey> stale =
          new HashSet<>(quartz.getTriggerKeys(GroupMatcher.triggerGroupEquals(POLICY_GROUP)));
      for (var e : triggers.entrySet()) {
        TriggerKey key = TriggerKey.triggerKey(e.getKey(), POLICY_GROUP);
        stale.remove(key);
        RolloutPolicy.Trigger t = e.getValue();
        Trigger existing = quartz.getTrigger(key);
        TimeZone zone = TimeZone.getTimeZone(t.timeZone());
        if (existing instanceof CronTrigger c
            && c.getCronExpression().equals(t.schedule())
            && c.getTimeZone().getID().equals(zone.getID())) {
          continue;
        }
        JobKey job = JobKey.jobKey(e.getKey(), POLICY_GROUP);
        Trigger trigger =
            TriggerBuilder.newTrigger()
                .withIdentity(key)
                .forJob(job)
                .usingJobData("policy", e.getKey())
                .withSchedule(
                    CronScheduleBuilder.cronSchedule(t.schedule())
                        .inTimeZone(zone)
                        .withMisfireHandlingInstructionDoNothing())
                .build();
        if (!quartz.checkExists(job)) {
          quartz.scheduleJob(
              JobBuilder.newJob(PolicyJob.class).withIdentity(job).storeDurably().build(), trigger);
        } else if (existing != null) {
          quartz.rescheduleJob(key, trigger);
        } else {
          quartz.scheduleJob(trigger);
        }
        LOG.infof(
            "policy %s: scheduled '%s' (%s), next %s",
            e.getKey(), t.schedule(), t.timeZone(), trigger.getNextFireTime());
      }
      for (TriggerKey gone : stale) {
        quartz.unscheduleJob(gone);
        quartz.deleteJob(JobKey.jobKey(gone.getName(), POLICY_GROUP));
        LOG.infof("policy %s: schedule removed", gone.getName());
      }
    } catch (SchedulerException | RuntimeException e) {
      LOG.errorf("cannot bring the policy schedules up to date: %s", e.getMessage());
    }
  }

  /** When {@code policy}'s trigger fires next, if it has one. */
  public Optional<Instant> nextFire(String policy) {
    try {
      Trigger t = quartz.getTrigger(TriggerKey.triggerKey(policy, POLICY_GROUP));
      return Optional.ofNullable(t).map(Trigger::getNextFireTime).map(Date::toInstant);
    } catch (SchedulerException e) {
      return Optional.empty();
    }
  }

  /** The scan job. */
  @DisallowConcurrentExecution
  public static class ScanJob implements Job {
    @Inject Handler handler;

    @Override
    public void execute(JobExecutionContext context) {
      handler.scanFleet();
    }
  }

  /** A policy's trigger. */
  @DisallowConcurrentExecution
  public static class PolicyJob implements Job {
    @Inject Handler handler;

    @Override
    public void execute(JobExecutionContext context) {
      handler.policyTriggered(context.getMergedJobDataMap().getString("policy"));
    }
  }
}
